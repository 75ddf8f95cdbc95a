"""The attestation de droits as a PDF (reportlab), rendered from a plain view of current data."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.domain.documents import CATEGORY_LABELS, RELATIONSHIP_LABELS, guarantee_summary


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _people_table(people: list[dict[str, Any]]) -> Table:
    rows = [["Bénéficiaire", "Date de naissance", "Qualité"]]
    rows += [[f"{p['last_name'].upper()} {p['first_name']}", _d(p["birth_date"]),
              RELATIONSHIP_LABELS.get(p["relationship"], p["relationship"])] for p in people]
    table = Table(rows, colWidths=[80 * mm, 40 * mm, 45 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ]))
    return table


def attestation_pdf(view: dict[str, Any]) -> bytes:
    """``view``: insurer, contract, people (holder first), guarantees, validity, generated_on."""
    styles = getSampleStyleSheet()
    contract, insurer = view["contract"], view["insurer"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="Attestation de droits", author=insurer.name,
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    valid = view["validity"]
    story = [
        Paragraph(f"{insurer.name} — Attestation de droits", styles["Title"]),
        Paragraph(f"Organisme complémentaire (AMC) n° {insurer.amc_number}", styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(f"Contrat n° {contract['contract_number']} — {contract['product_name']} "
                  f"({CATEGORY_LABELS.get(contract['category'], contract['category'])})", styles["Heading2"]),
        Paragraph(f"Numéro d'adhérent : {contract['member_number']}", styles["Normal"]),
        Paragraph(f"Droits ouverts du {_d(valid[0])} au {_d(valid[1])}" if valid
                  else "Aucun droit ouvert à la date de cette attestation.", styles["Normal"]),
        Spacer(1, 4 * mm),
        _people_table(view["people"]),
        Spacer(1, 6 * mm),
        Paragraph("Garanties", styles["Heading3"]),
        *[Paragraph("• " + guarantee_summary(g), styles["Normal"]) for g in view["guarantees"]],
        Spacer(1, 8 * mm),
        Paragraph(f"Attestation établie le {_d(view['generated_on'])} à partir des données en vigueur "
                  "à cette date.", styles["Italic"]),
    ]
    doc.build(story)
    return buffer.getvalue()
