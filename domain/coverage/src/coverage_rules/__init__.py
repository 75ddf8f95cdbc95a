"""Who pays what for one act of care: the AMO share, the insurer's share, the remainder.

The one implementation of the French health-insurance rules of the requirements' "Domain
rules" section, shared by contracts' coverage simulator (CT-8) and claims' statements (CL-1):
a workspace package of its own so that neither service imports the other (ADR 0012). It is
pure (no I/O, no clock), takes amounts as ``Decimal`` and rounds to the cent at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")

# AMO (social security) rate on the BR, per care type. Acts the AMO does not cover have 0.
AMO_RATES: dict[str, Decimal] = {
    "consultation_gp": Decimal("0.70"),
    "consultation_specialist": Decimal("0.70"),
    "pharmacy": Decimal("0.65"),
    "paramedical": Decimal("0.60"),
    "radiology": Decimal("0.70"),
    "biology": Decimal("0.60"),
    "hospital_stay": Decimal("0.80"),
    "hospital_fees": Decimal("0.80"),
    "hospital_private_room": Decimal("0"),
    "optics_glasses": Decimal("0.60"),
    "optics_lenses": Decimal("0.60"),
    "dental_prosthesis": Decimal("0.60"),
    "dental_implant": Decimal("0"),
    "dental_orthodontics": Decimal("0.70"),
    "hearing_aid": Decimal("0.60"),
    "alternative_medicine": Decimal("0"),
}
CARE_TYPES = tuple(AMO_RATES)
CONSULTATIONS = frozenset({"consultation_gp", "consultation_specialist"})
# Acts that bear the participation forfaitaire (since 15 May 2024: 2 € each).
FORFAIT_ACTS = CONSULTATIONS | {"radiology", "biology"}
OUT_OF_CARE_PATH_RATE = Decimal("0.30")
ALD_RATE = Decimal("1.00")
PARTICIPATION_FORFAITAIRE = Decimal("2.00")
PARTICIPATION_ANNUAL_CAP = Decimal("50.00")
ADULT_AGE = 18

RULE_TYPES = ("pct_br_incl_ss", "forfait", "on_top_ss")


@dataclass(frozen=True)
class Guarantee:
    """One guarantee of a product, as stored: its rule type and its rate or amount."""

    code: str
    care_type: str
    rule_type: str
    rate_pct: int | None = None
    amount_eur: Decimal | None = None
    period: str = "per_act"


@dataclass(frozen=True)
class Scenario:
    """One act of care. ``*_used`` say what earlier acts already consumed (claims will fill them)."""

    care_type: str
    billed: Decimal
    br: Decimal
    in_care_path: bool = True
    patient_age: int = 40
    css: bool = False  # complémentaire santé solidaire
    ald: bool = False  # affection de longue durée, for this act
    participation_paid_this_year: Decimal = ZERO
    forfait_used_in_period: Decimal = ZERO


@dataclass(frozen=True)
class AppliedRule:
    code: str
    label: str


@dataclass(frozen=True)
class Coverage:
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal
    participation_forfaitaire: Decimal
    rules: tuple[AppliedRule, ...] = field(default_factory=tuple)


class UnknownCareType(ValueError):
    pass


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amo_rate(s: Scenario) -> tuple[Decimal, AppliedRule]:
    """The social security rate on the BR, and the rule that set it."""
    if s.care_type not in AMO_RATES:
        raise UnknownCareType(s.care_type)
    base = AMO_RATES[s.care_type]
    if s.ald and base > 0:
        return ALD_RATE, AppliedRule("amo_ald_100", "Affection de longue durée : 100 % de la BR")
    if s.care_type in CONSULTATIONS and not s.in_care_path:
        return OUT_OF_CARE_PATH_RATE, AppliedRule(
            "amo_outside_care_path_30", "Hors parcours de soins coordonnés : 30 % de la BR")
    pct = int(base * 100)
    if pct == 0:
        return base, AppliedRule("amo_not_covered", "Non remboursé par la Sécurité sociale")
    return base, AppliedRule(f"amo_rate_{pct}", f"Sécurité sociale : {pct} % de la BR")


def participation(s: Scenario, amo_gross: Decimal) -> tuple[Decimal, list[AppliedRule]]:
    """The participation forfaitaire deducted from the AMO share, with its exemptions and cap."""
    if s.care_type not in FORFAIT_ACTS or amo_gross <= 0:
        return ZERO, []
    if s.patient_age < ADULT_AGE:
        return ZERO, [AppliedRule("pf_exempt_minor", "Participation forfaitaire : mineur exonéré")]
    if s.css:
        return ZERO, [AppliedRule("pf_exempt_css", "Participation forfaitaire : bénéficiaire de la CSS exonéré")]
    room = max(ZERO, PARTICIPATION_ANNUAL_CAP - s.participation_paid_this_year)
    amount = min(PARTICIPATION_FORFAITAIRE, room, amo_gross)
    rules = [AppliedRule("pf_deducted", f"Participation forfaitaire de {_cents(amount)} € déduite")]
    if amount < PARTICIPATION_FORFAITAIRE and room < PARTICIPATION_FORFAITAIRE:
        rules.append(AppliedRule("pf_annual_cap", "Participation forfaitaire plafonnée à 50 € par an"))
    return amount, rules


def insurer_share(g: Guarantee | None, s: Scenario, amo_gross: Decimal) -> tuple[Decimal, list[AppliedRule]]:
    """The AMC share before the ceiling of what remains to pay; never the participation forfaitaire."""
    if g is None:
        return ZERO, [AppliedRule("amc_no_guarantee", "Aucune garantie pour ce soin")]
    if g.rule_type == "pct_br_incl_ss":
        rate = Decimal(g.rate_pct or 0) / 100
        amount = max(ZERO, min(s.billed, rate * s.br) - amo_gross)
        return amount, [AppliedRule("amc_pct_br_incl_ss", f"Garantie {g.rate_pct} % de la BR, Sécurité sociale incluse")]
    if g.rule_type == "on_top_ss":
        rate = Decimal(g.rate_pct or 0) / 100
        return rate * s.br, [AppliedRule("amc_on_top_ss", f"Garantie {g.rate_pct} % de la BR en plus de la Sécurité sociale")]
    if g.rule_type == "forfait":
        return _forfait(g, s)
    raise ValueError(f"unknown rule type {g.rule_type!r}")


def _forfait(g: Guarantee, s: Scenario) -> tuple[Decimal, list[AppliedRule]]:
    amount = g.amount_eur or ZERO
    label = {"per_act": "par acte", "per_year": "par année civile", "per_2_years": "tous les 2 ans"}.get(g.period, "")
    rules = [AppliedRule("amc_forfait", f"Forfait de {_cents(amount)} € {label}".strip())]
    if g.period != "per_act":
        remaining = max(ZERO, amount - s.forfait_used_in_period)
        if remaining < amount:
            rules.append(AppliedRule("amc_forfait_remaining", f"Reste du forfait sur la période : {_cents(remaining)} €"))
        amount = remaining
    return amount, rules


def simulate(s: Scenario, guarantee: Guarantee | None) -> Coverage:
    """AMO share (after the participation forfaitaire), insurer share and out-of-pocket remainder."""
    if s.billed < 0 or s.br < 0:
        raise ValueError("amounts must not be negative")
    rate, rate_rule = amo_rate(s)
    br = min(s.br, s.billed)  # the AMO never pays more than was billed
    amo_gross = _cents(rate * br)
    pf, pf_rules = participation(s, amo_gross)
    amo = amo_gross - pf
    amc_raw, amc_rules = insurer_share(guarantee, s, amo_gross)
    # The insurer never pays more than what the AMO leaves, and (contrat responsable) never
    # gives back the participation forfaitaire.
    ceiling = max(ZERO, s.billed - amo_gross)
    amc = _cents(min(amc_raw, ceiling))
    rules = [rate_rule, *pf_rules, *amc_rules]
    if amc < _cents(amc_raw):
        rules.append(AppliedRule("amc_capped_at_remainder", "Remboursement limité à la dépense restante"))
    return Coverage(
        amo=_cents(amo),
        amc=amc,
        out_of_pocket=_cents(s.billed - amo - amc),
        participation_forfaitaire=_cents(pf),
        rules=tuple(rules),
    )
