"""The statement (décompte) of a period as a PDF (reportlab, as contracts' attestation)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def euros(value: Decimal) -> str:
    """``1234.5`` → ``1 234,50 €``: French format, to the cent."""
    whole, cents = f"{Decimal(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{' '.join(groups)},{cents} €"


HEADER = ["Date des soins", "Bénéficiaire", "Soin", "Dépense", "Base SS", "Part SS", "Part mutuelle",
          "Reste à charge", "Payé le", "Compte"]


def statement_pdf(view: dict[str, Any], insurer_name: str, generated_on: date) -> bytes:
    """``view``: start, end, lines (oldest first), totals — as ``app.statements.statement`` returns it."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title="Relevé de remboursements", author=insurer_name,
                            leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    rows = [HEADER]
    for line in view["lines"]:
        b = line["beneficiary"]
        rows.append([_d(line["care_date"]), f"{b['first_name']} {b['last_name'].upper()}", line["care_label"],
                     euros(line["billed"]), euros(line["br"]), euros(line["amo"]), euros(line["amc"]),
                     euros(line["out_of_pocket"]), _d(line["payment_date"]), line["paid_to"] or "—"])
    t = view["totals"]
    rows.append(["Total", "", "", euros(t["billed"]), "", euros(t["amo"]), euros(t["amc"]), euros(t["out_of_pocket"]),
                 "", ""])
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("ALIGN", (3, 1), (7, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ]))
    period = f"du {_d(view['start'])} au {_d(view['end'])}" if view["start"] or view["end"] else "toutes périodes"
    story = [
        Paragraph(f"{insurer_name} — Relevé de remboursements", styles["Title"]),
        Paragraph(f"Soins {period}", styles["Heading2"]),
        Spacer(1, 4 * mm),
        table if view["lines"] else Paragraph("Aucun remboursement sur cette période.", styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(f"Relevé établi le {_d(generated_on)}. Part SS : remboursement de l'Assurance Maladie ; "
                  "part mutuelle : remboursement de votre complémentaire santé.", styles["Italic"]),
    ]
    doc.build(story)
    return buffer.getvalue()
