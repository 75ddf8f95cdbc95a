"""Validating the insurer's reference data, line by line, before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from stdnum.fr import siren

from contracts.domain.contracts import RELATIONSHIPS, age_on
from contracts.domain.names import person_key
from ms_platform.civil_text import AddressLine, PersonName, checked, free_text_error
from contracts.domain.schedules import Schedule, ScheduleShape, schedule_errors, years_errors



Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), checked(free_text_error)]
Name = PersonName
City = AddressLine
Category = Literal["sante", "prevoyance", "retraite"]


class GuaranteeLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Text
    label: Text
    care_type: Text
    rule_type: Literal["pct_br_incl_ss", "forfait", "on_top_ss"]
    # Bounded like their columns (integer, numeric(12, 2)): a larger number is the field's 422.
    rate_pct: int | None = Field(None, ge=0, le=10_000)
    amount_eur: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    period: Literal["per_act", "per_year", "per_2_years"]


class ProductLine(BaseModel):
    """One insurer product, the shape of ``products.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Text
    name: Text
    category: Category
    contribution_formula: Text | None = None
    guarantees: list[GuaranteeLine] = []


class _BeneficiaryShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last_name: Name
    first_name: Name
    birth_date: date
    relationship: str


class _MemberShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last_name: Name
    first_name: Name
    birth_date: date
    city: City | None = None
    contract_number: str
    member_number: str
    category: str
    product_code: str
    start_date: date
    end_date: date | None = None
    # Group contracts: the employer's SIREN; its employer users see the contract.
    company_siren: str | None = None
    # Computed by the exporting system; the registry derives it from the dates instead.
    in_force: bool | None = None
    beneficiaries: list[_BeneficiaryShape] = []
    # Contribution schedules (CT-5), one entry per calendar year; years not given are kept.
    schedules: list[ScheduleShape] = []


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    birth_date: date
    city: str | None = None

    @property
    def key(self) -> str:
        return person_key(self.last_name, self.first_name)


@dataclass(frozen=True)
class Beneficiary:
    person: Person
    relationship: str


@dataclass(frozen=True)
class MemberLine:
    """A valid contract line, ready to be registered."""

    contract_number: str
    member_number: str
    category: str
    product_code: str
    holder: Person
    start_date: date
    end_date: date | None
    beneficiaries: tuple[Beneficiary, ...]
    schedules: tuple[Schedule, ...] = ()
    company_siren: str | None = None


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class ImportRules:
    contract_number_pattern: str
    member_number_pattern: str
    adult_age: int = 18
    max_lines: int = 5000


_SHAPE_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Texte attendu.",
    "string_too_short": "Ce champ ne doit pas être vide.",
    "string_too_long": "Ce champ est trop long.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_from_datetime_inexact": "Date invalide (format attendu : AAAA-MM-JJ).",
    "list_type": "Liste attendue.",
    "bool_type": "Booléen attendu.",
    "bool_parsing": "Booléen attendu.",
    "model_type": "Objet attendu.",
    "model_attributes_type": "Objet attendu.",
}


def shape_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as French, field-named errors."""
    return [
        FieldError(
            ".".join(str(p) for p in err["loc"]) or "ligne",
            str(err["ctx"]["error"]) if err["type"] == "value_error" and err.get("ctx", {}).get("error")
            else _SHAPE_MESSAGES.get(err["type"], "Valeur invalide."),
        )
        for err in exc.errors()
    ]


def _person_rules(prefix: str, birth_date: date, today: date) -> list[FieldError]:
    if birth_date > today:
        return [FieldError(f"{prefix}birth_date", "La date de naissance ne peut pas être dans le futur.")]
    return []


def _contract_rules(
    shape: _MemberShape, products: Mapping[str, str], rules: ImportRules
) -> list[FieldError]:
    errors = []
    if not re.fullmatch(rules.contract_number_pattern, shape.contract_number):
        errors.append(FieldError("contract_number", "Format de numéro de contrat invalide."))
    if not re.fullmatch(rules.member_number_pattern, shape.member_number):
        errors.append(FieldError("member_number", "Format de numéro d'adhérent invalide."))
    if shape.category not in ("sante", "prevoyance", "retraite"):
        errors.append(FieldError("category", "Catégorie inconnue (sante, prevoyance ou retraite)."))
    product_category = products.get(shape.product_code)
    if product_category is None:
        errors.append(FieldError("product_code", "Produit inconnu."))
    elif product_category != shape.category:
        errors.append(FieldError("product_code", "Ce produit n'appartient pas à la catégorie du contrat."))
    if shape.end_date is not None and shape.end_date < shape.start_date:
        errors.append(FieldError("end_date", "La date de fin précède la date de début."))
    if shape.company_siren is not None and not siren.is_valid(shape.company_siren):
        errors.append(FieldError("company_siren", "Numéro SIREN invalide."))
    return errors


def _holder_rules(shape: _MemberShape, rules: ImportRules, today: date) -> list[FieldError]:
    errors = _person_rules("", shape.birth_date, today)
    if not errors and age_on(shape.birth_date, today) < rules.adult_age:
        errors.append(FieldError("birth_date", "Le souscripteur doit être majeur."))
    return errors


def _beneficiary_rules(shape: _MemberShape, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    holder_key = (person_key(shape.last_name, shape.first_name), shape.birth_date)
    seen = {holder_key}
    for i, b in enumerate(shape.beneficiaries):
        prefix = f"beneficiaries.{i}."
        errors += _person_rules(prefix, b.birth_date, today)
        if b.relationship not in RELATIONSHIPS:
            errors.append(FieldError(f"{prefix}relationship", "Lien inconnu (spouse, partner ou child)."))
        elif b.relationship == "child" and b.birth_date <= shape.birth_date:
            errors.append(FieldError(f"{prefix}birth_date", "Un enfant doit être plus jeune que le souscripteur."))
        key = (person_key(b.last_name, b.first_name), b.birth_date)
        if key in seen:
            errors.append(FieldError(prefix.rstrip("."), "Personne déjà présente sur ce contrat."))
        seen.add(key)
    return errors


def _schedule_rules(shape: _MemberShape) -> tuple[list[Schedule], list[FieldError]]:
    schedules, errors = [], [FieldError(e.field, e.message) for e in years_errors(shape.schedules, "schedules.")]
    for i, s in enumerate(shape.schedules):
        schedule, problems = schedule_errors(s, f"schedules.{i}.", shape.start_date, shape.end_date)
        errors += [FieldError(e.field, e.message) for e in problems]
        if schedule is not None:
            schedules.append(schedule)
    return schedules, errors


def _to_line(shape: _MemberShape, schedules: list[Schedule]) -> MemberLine:
    return MemberLine(
        contract_number=shape.contract_number,
        member_number=shape.member_number,
        category=shape.category,
        product_code=shape.product_code,
        holder=Person(shape.last_name, shape.first_name, shape.birth_date, shape.city),
        start_date=shape.start_date,
        end_date=shape.end_date,
        beneficiaries=tuple(
            Beneficiary(Person(b.last_name, b.first_name, b.birth_date), b.relationship)
            for b in shape.beneficiaries
        ),
        schedules=tuple(schedules),
        company_siren=siren.compact(shape.company_siren) if shape.company_siren else None,
    )


def validate_member_line(
    raw: Any, products: Mapping[str, str], rules: ImportRules, today: date
) -> tuple[MemberLine | None, list[FieldError]]:
    """A line as read from the file → the line to register, or every reason it is refused.

    ``products`` maps each known product code to its category.
    """
    try:
        shape = _MemberShape.model_validate(raw)
    except ValidationError as exc:
        return None, shape_errors(exc)
    errors = (
        _contract_rules(shape, products, rules)
        + _holder_rules(shape, rules, today)
        + _beneficiary_rules(shape, today)
    )
    schedules, schedule_problems = _schedule_rules(shape)
    errors += schedule_problems
    return (None, errors) if errors else (_to_line(shape, schedules), [])


def raw_contract_number(raw: Any) -> str | None:
    """The contract number a refused line claims, for the report (may itself be invalid)."""
    value = raw.get("contract_number") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class RefusedLine:
    line: int
    contract_number: str | None
    errors: tuple[FieldError, ...]


@dataclass
class LineCounts:
    accepted: int = 0
    unchanged: int = 0
    refused: list[RefusedLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "refused": [
                {"line": r.line, "contract_number": r.contract_number,
                 "errors": [{"field": e.field, "message": e.message} for e in r.errors]}
                for r in self.refused
            ],
        }


@dataclass
class ImportReport(LineCounts):
    """Member lines' counts; ``schedules`` counts the file's top-level schedule lines (CT-5)."""

    schedules: LineCounts = field(default_factory=LineCounts)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "schedules": self.schedules.as_dict()}


def validate_batch(
    members: list[Any], products: Mapping[str, str], rules: ImportRules, today: date
) -> list[tuple[int, MemberLine | None, RefusedLine | None]]:
    """Every line validated (numbered from 1); a contract number seen twice is refused the second time."""
    results: list[tuple[int, MemberLine | None, RefusedLine | None]] = []
    seen: set[str] = set()
    for number, raw in enumerate(members, start=1):
        line, errors = validate_member_line(raw, products, rules, today)
        if line is not None and line.contract_number in seen:
            line, errors = None, [FieldError("contract_number", "Ce numéro de contrat figure déjà plus haut dans le fichier.")]
        if line is None:
            results.append((number, None, RefusedLine(number, raw_contract_number(raw), tuple(errors))))
        else:
            seen.add(line.contract_number)
            results.append((number, line, None))
    return results
