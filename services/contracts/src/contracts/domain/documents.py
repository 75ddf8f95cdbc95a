"""What the attestation de droits and the tiers payant card say: pure wording and periods."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

RELATIONSHIP_LABELS = {"holder": "Assuré principal", "spouse": "Conjoint", "partner": "Partenaire", "child": "Enfant"}
CATEGORY_LABELS = {"sante": "Santé", "prevoyance": "Prévoyance", "retraite": "Retraite"}
PERIOD_LABELS = {"per_act": "par acte", "per_year": "par année civile", "per_2_years": "tous les 2 ans"}


@dataclass(frozen=True)
class Insurer:
    name: str
    amc_number: str
    convention_type: str
    routing_criterion: str


def validity(start: date, end: date | None, today: date) -> tuple[date, date] | None:
    """The rights period shown today: this calendar year, within the contract's dates (None if not in force)."""
    begin = max(start, date(today.year, 1, 1))
    finish = min(end or date(today.year, 12, 31), date(today.year, 12, 31))
    if not (begin <= today <= finish):
        return None
    return begin, finish


def _euros(value: Decimal) -> str:
    text = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return text.removesuffix(",00") + " €"


def guarantee_summary(g: Mapping[str, Any]) -> str:
    """``Consultation médecin généraliste : 150 % de la BR (Sécurité sociale incluse)``."""
    if g["rule_type"] == "pct_br_incl_ss":
        level = f"{g['rate_pct']} % de la BR (Sécurité sociale incluse)"
    elif g["rule_type"] == "on_top_ss":
        level = f"{g['rate_pct']} % de la BR en plus de la Sécurité sociale"
    else:
        level = f"forfait de {_euros(Decimal(g['amount_eur']))} {PERIOD_LABELS.get(g['period'], '')}".strip()
    return f"{g['label']} : {level}"


def tiers_payant_level(g: Mapping[str, Any]) -> str:
    """The short level a health professional reads on the card (``150%BR``, ``FORFAIT 250``)."""
    if g["rule_type"] == "forfait":
        return f"FORFAIT {Decimal(g['amount_eur']):.0f}"
    return f"{g['rate_pct']}%BR" + (" +SS" if g["rule_type"] == "on_top_ss" else "")


def ascii_upper(value: str) -> str:
    """Names as barcode readers expect them: upper case, no accents."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


# Guarantees shown on the tiers payant card: the care a professional bills the insurer for.
TIERS_PAYANT_CARE = ("pharmacy", "consultation_gp", "consultation_specialist", "hospital_stay",
                     "radiology", "biology", "paramedical", "optics_glasses", "dental_prosthesis")


def card_levels(guarantees: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    chosen = [g for g in guarantees if g["care_type"] in TIERS_PAYANT_CARE]
    chosen.sort(key=lambda g: TIERS_PAYANT_CARE.index(g["care_type"]))
    return [{"code": g["code"], "care_type": g["care_type"], "level": tiers_payant_level(g)} for g in chosen]


def _payload(card: Mapping[str, Any], people: list[Mapping[str, Any]], levels: bool, more: int) -> str:
    parts = [
        "TP1", f"AMC{card['amc_number']}", f"CONV{card['convention_type']}", f"AIG{card['routing_criterion']}",
        f"ADH{card['member_number']}", f"CTR{card['contract_number']}",
        f"DU{card['valid_from']:%Y%m%d}", f"AU{card['valid_to']:%Y%m%d}",
    ]
    for p in people:
        parts.append(f"B {ascii_upper(p['last_name'])} {ascii_upper(p['first_name'])} {p['birth_date']:%Y%m%d}")
    if more:
        parts.append(f"B +{more}")
    if levels:
        parts += [f"G {lv['code']} {lv['level'].replace('%', '')}" for lv in card["levels"]]
    return " ".join(parts)


def datamatrix_payload(card: Mapping[str, Any], fits: Any) -> str:
    """Every card field that fits in the symbol: guarantee levels go first, then the last people."""
    people = list(card["people"])
    candidate = _payload(card, people, True, 0)
    if fits(candidate):
        return candidate
    for keep in range(len(people), 0, -1):
        candidate = _payload(card, people[:keep], False, len(people) - keep)
        if fits(candidate):
            return candidate
    raise ValueError("the card's identifiers alone do not fit the symbol")


def card_datamatrix_people(people: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": p["id"], "last_name": p["last_name"], "first_name": p["first_name"],
             "birth_date": p["birth_date"], "relationship": p["relationship"]} for p in people]
