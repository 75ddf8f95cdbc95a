"""What a processed claim pays (issue 14, CL-1): computed by the one copy of the coverage rules,
``coverage_rules.simulate`` (domain/coverage, ADR 0012), under the contract's guarantee for the
care, as contracts' simulator computes it. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from coverage_rules import Coverage, Guarantee, Scenario, simulate

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimAmounts:
    billed: Decimal
    br: Decimal
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal
    participation_forfaitaire: Decimal
    rules: tuple[dict[str, str], ...]


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def guarantee_of(terms: dict[str, Any] | None) -> Guarantee | None:
    """The contract's guarantee for the care as contracts gives it (None: the product has none)."""
    g = (terms or {}).get("guarantee")
    if g is None:
        return None
    amount = g.get("amount_eur")
    return Guarantee(g["code"], g["care_type"], g["rule_type"], g.get("rate_pct"),
                     Decimal(str(amount)) if amount is not None else None, g.get("period", "per_act"))


def care_amounts(care_type: str, billed: Decimal, br: Decimal, *, care_date: date, patient_birth_date: date,
                 in_care_path: bool, guarantee: Guarantee | None,
                 participation_paid_this_year: Decimal = ZERO) -> ClaimAmounts:
    """The AMO share (after the participation forfaitaire, within its annual cap given what the
    patient's earlier processed claims of that year already bore), the insurer's share and the remainder."""
    coverage: Coverage = simulate(Scenario(care_type=care_type, billed=billed, br=br, in_care_path=in_care_path,
                                           patient_age=age_on(patient_birth_date, care_date),
                                           participation_paid_this_year=participation_paid_this_year), guarantee)
    return ClaimAmounts(billed, br, coverage.amo, coverage.amc, coverage.out_of_pocket,
                        coverage.participation_forfaitaire,
                        tuple({"code": r.code, "label": r.label} for r in coverage.rules))


def assistance_amounts(billed: Decimal) -> ClaimAmounts:
    """AS-9: an assistance service is included in the contract (AS-3): what the member advanced for
    it is paid back whole by the insurer; the social security has no share."""
    return ClaimAmounts(billed, ZERO, ZERO, billed, ZERO, ZERO,
                        ({"code": "assistance_included", "label": "Prestation d'assistance incluse dans le contrat : "
                                                                   "frais avancés remboursés en totalité"},))
