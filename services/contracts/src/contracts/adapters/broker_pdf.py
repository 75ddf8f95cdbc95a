"""The broker's documents as PDF (reportlab): a product's documentation (BR-1) and a quote (BR-2)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.domain.documents import CATEGORY_LABELS, PERIOD_LABELS

CLIENT_TYPE_LABELS = {"individual": "Particuliers", "self_employed": "Travailleurs non salariés (TNS)",
                      "company": "Entreprises"}
RELATIONSHIP_LABELS = {"main": "Assuré principal", "spouse": "Conjoint", "partner": "Partenaire", "child": "Enfant"}
RULE_LABELS = {"pct_br_incl_ss": "% de la BR, Sécurité sociale incluse", "on_top_ss": "% de la BR en plus de la Sécurité sociale",
               "forfait": "forfait"}
_STYLE = TableStyle([
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("FONTSIZE", (0, 0), (-1, -1), 9),
    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])


def euros(value: Decimal | str) -> str:
    """``1 234,50 €`` (French format)."""
    text = f"{Decimal(value):,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} €"


def _d(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _document(title: str, author: str) -> tuple[io.BytesIO, SimpleDocTemplate]:
    buffer = io.BytesIO()
    return buffer, SimpleDocTemplate(buffer, pagesize=A4, title=title, author=author, leftMargin=18 * mm,
                                     rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)


def _level(g: dict[str, Any]) -> str:
    if g["rule_type"] == "forfait":
        return f"{euros(g['amount_eur'])} {PERIOD_LABELS.get(g['period'], '')}".strip()
    return f"{g['rate_pct']} {RULE_LABELS.get(g['rule_type'], '')}"


def product_pdf(product: dict[str, Any], insurer_name: str, generated_on: date) -> bytes:
    """``product``: code, name, category, client_types, summary, guarantees, tariff (options) or None."""
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    buffer, doc = _document(f"{product['name']} — documentation", insurer_name)
    rows = [["Garantie", "Niveau de remboursement"]]
    rows += [[Paragraph(g["label"], cell), Paragraph(_level(g), cell)] for g in product["guarantees"]]
    story: list[Any] = [
        Paragraph(f"{insurer_name} — {product['name']}", styles["Title"]),
        Paragraph(f"{CATEGORY_LABELS.get(product['category'], product['category'])} · code {product['code']}",
                  styles["Normal"]),
        Paragraph("Pour : " + ", ".join(CLIENT_TYPE_LABELS[t] for t in product["client_types"]), styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(product["summary"] or "", styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph("Tableau des garanties", styles["Heading3"]),
        Table(rows, colWidths=[100 * mm, 70 * mm], style=_STYLE) if product["guarantees"]
        else Paragraph("Ce produit ne comporte pas de garantie de remboursement de soins.", styles["Normal"]),
    ]
    if product.get("tariff"):
        story += [Spacer(1, 4 * mm), Paragraph("Niveaux d'option", styles["Heading3"]),
                  *[Paragraph(f"• Niveau {o['level']} : {o['label']}", styles["Normal"]) for o in product["tariff"]["options"]]]
    story += [Spacer(1, 8 * mm), Paragraph(f"Document établi le {_d(generated_on)}.", styles["Italic"])]
    doc.build(story)
    return buffer.getvalue()


def quote_pdf(quote: dict[str, Any], product_name: str, insurer_name: str) -> bytes:
    """``quote``: number, created_at, valid_until, inputs (people, postcode, option_level, effective_date),
    result (zone, people with ages and amounts, factors, monthly_eur, yearly_eur)."""
    styles = getSampleStyleSheet()
    inputs, result = quote["inputs"], quote["result"]
    buffer, doc = _document(f"Devis {quote['number']}", insurer_name)
    rows = [["Personne", "Date de naissance", "Âge", "Tarif mensuel de base"]]
    for person_in, person in zip(inputs["people"], result["people"]):
        rows.append([RELATIONSHIP_LABELS.get(person["relationship"], person["relationship"]),
                     _d(date.fromisoformat(person_in["birth_date"])), str(person["age"]),
                     euros(person["monthly_eur"]) if person["charged"] else "offert"])
    story = [
        Paragraph(f"{insurer_name} — Devis n° {quote['number']}", styles["Title"]),
        Paragraph(f"Produit : {product_name} ({quote['product_code']})", styles["Heading2"]),
        Paragraph(f"Établi le {_d(quote['created_at'].date())}, valable jusqu'au {_d(quote['valid_until'])}.",
                  styles["Normal"]),
        Paragraph(f"Date d'effet : {_d(date.fromisoformat(inputs['effective_date']))} · code postal "
                  f"{inputs['postcode']} (zone {result['zone']}) · niveau d'option {inputs['option_level']}",
                  styles["Normal"]),
        Spacer(1, 4 * mm),
        Table(rows, colWidths=[50 * mm, 40 * mm, 20 * mm, 60 * mm], style=_STYLE),
        Spacer(1, 4 * mm),
        Paragraph(f"Coefficient de zone : {result['zone_factor']} · coefficient d'option : {result['option_factor']}"
                  f" · réduction famille : {result['family_discount_pct']} %", styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(f"Cotisation mensuelle : {euros(result['monthly_eur'])}", styles["Heading2"]),
        Paragraph(f"Cotisation annuelle : {euros(result['yearly_eur'])}", styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph("Tarif calculé selon les règles tarifaires en vigueur à la date du devis ; il n'engage l'assureur "
                  "que pendant sa durée de validité.", styles["Italic"]),
    ]
    doc.build(story)
    return buffer.getvalue()
