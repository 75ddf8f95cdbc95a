"""The broker's pricing tool (BR-2): a monthly contribution from tariff rules held as data.

Pure: no I/O, no clock. The rules come from ``broker_offers.json`` (loaded with the demo
products); ``price`` applies them to the people covered, the postcode and the option level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.domain.contracts import age_on
from contracts.domain.imports import FieldError

CLIENT_TYPES = ("individual", "self_employed", "company")
ClientType = Literal["individual", "self_employed", "company"]
Relationship = Literal["main", "spouse", "partner", "child"]
CENT = Decimal("0.01")
Factor = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=4)]
Amount = Annotated[Decimal, Field(ge=0, le=100_000, max_digits=9, decimal_places=2)]


class AgeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_age: int = Field(ge=0, le=130)
    max_age: int = Field(ge=0, le=130)
    monthly_eur: Amount


class OptionLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(ge=1, le=9)
    label: str = Field(min_length=1, max_length=80)
    factor: Factor


class FamilyRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_charged_children: int | None = Field(None, ge=0, le=20)
    family_discount_pct: Decimal = Field(Decimal("0"), ge=0, lt=100, max_digits=5, decimal_places=2)
    family_discount_from: int = Field(3, ge=2, le=20)


class Tariff(BaseModel):
    """One product's tariff rules; bands must cover every age from 0 to 130 without overlap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age_bands: list[AgeBand] = Field(min_length=1)
    zone_factors: dict[str, Factor] = Field(min_length=1)
    options: list[OptionLevel] = Field(min_length=1)
    family: FamilyRules = FamilyRules()

    @model_validator(mode="after")
    def _bands_cover_every_age(self) -> "Tariff":
        expected = 0
        for band in sorted(self.age_bands, key=lambda b: b.min_age):
            if band.min_age != expected or band.max_age < band.min_age:
                raise ValueError("age_bands must cover 0..130 in order, without gap or overlap")
            expected = band.max_age + 1
        if expected != 131:
            raise ValueError("age_bands must end at 130")
        if len({o.level for o in self.options}) != len(self.options):
            raise ValueError("option levels must be unique")
        return self


class Zone(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=10)
    label: str = Field(min_length=1, max_length=80)
    departments: list[str] = Field(description="Department codes, or ['*'] for every other one")


@dataclass(frozen=True)
class PersonCovered:
    relationship: str
    birth_date: date


@dataclass(frozen=True)
class PricedPerson:
    relationship: str
    age: int
    monthly_eur: Decimal  # the band amount before factors; 0 for a child not charged
    charged: bool


@dataclass(frozen=True)
class Pricing:
    zone: str
    department: str
    option_level: int
    zone_factor: Decimal
    option_factor: Decimal
    family_discount_pct: Decimal
    people: tuple[PricedPerson, ...]
    monthly_eur: Decimal

    @property
    def yearly_eur(self) -> Decimal:
        return self.monthly_eur * 12


_POSTCODE = re.compile(r"^\d{5}$")
_OVERSEAS = {"971", "972", "973", "974", "976"}  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte


def department_of(postcode: str) -> str | None:
    """The French department of a postcode, or None outside France (metropolitan and overseas
    departments; Monaco's 980xx and the overseas collectivities have their own regimes)."""
    if not _POSTCODE.match(postcode):
        return None
    head = postcode[:2]
    if head == "20":  # Corsica: 200xx-201xx Corse-du-Sud, 202xx-206xx Haute-Corse
        return "2A" if postcode[2] in "01" else "2B"
    if head == "97":
        return postcode[:3] if postcode[:3] in _OVERSEAS else None
    if head in ("00", "96", "98", "99"):
        return None
    return head


def zone_of(department: str, zones: list[Zone]) -> str:
    default = None
    for zone in zones:
        if department in zone.departments:
            return zone.code
        if "*" in zone.departments:
            default = zone.code
    if default is None:
        raise ValueError(f"no zone for department {department} and no default zone")
    return default


def price(tariff: Tariff, zones: list[Zone], people: list[PersonCovered], postcode: str,
          option_level: int, effective: date, today: date | None = None) -> Pricing | list[FieldError]:
    """The monthly contribution, or every field at fault (field names as the quote body's).

    Ages are counted on ``effective``; a birth date after ``today`` (default: ``effective``) is refused."""
    errors: list[FieldError] = []
    department = department_of(postcode)
    if department is None:
        errors.append(FieldError("postcode", "Le code postal doit être celui d'une commune française."))
    option = next((o for o in tariff.options if o.level == option_level), None)
    if option is None:
        levels = ", ".join(str(o.level) for o in tariff.options)
        errors.append(FieldError("option_level", f"Niveau d'option inconnu pour ce produit (niveaux : {levels})."))
    errors += _people_errors(people, effective, min(today or effective, effective))
    if errors:
        return errors
    assert department is not None and option is not None
    zone = zone_of(department, zones)
    zone_factor = tariff.zone_factors.get(zone, tariff.zone_factors.get("*", Decimal("1")))
    priced = _price_people(tariff, people, effective)
    discount = tariff.family.family_discount_pct if len(people) >= tariff.family.family_discount_from else Decimal("0")
    base = sum((p.monthly_eur for p in priced), Decimal("0"))
    monthly = (base * zone_factor * option.factor * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
    return Pricing(zone, department, option.level, zone_factor, option.factor, discount, tuple(priced), monthly)


def _people_errors(people: list[PersonCovered], effective: date, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    mains = [i for i, p in enumerate(people) if p.relationship == "main"]
    if len(mains) != 1:
        errors.append(FieldError("people", "Indiquez une et une seule personne principale (relationship « main »)."))
    if sum(p.relationship in ("spouse", "partner") for p in people) > 1:
        errors.append(FieldError("people", "Un seul conjoint ou partenaire par devis."))
    for i, person in enumerate(people):
        if person.birth_date > today:
            errors.append(FieldError(f"people.{i}.birth_date", "La date de naissance ne peut pas être dans le futur."))
        elif age_on(person.birth_date, effective) > 130:
            errors.append(FieldError(f"people.{i}.birth_date", "Date de naissance invraisemblable."))
    return errors


def _price_people(tariff: Tariff, people: list[PersonCovered], effective: date) -> list[PricedPerson]:
    bands = sorted(tariff.age_bands, key=lambda b: b.min_age)
    cap = tariff.family.max_charged_children
    # The eldest children are charged first; younger ones beyond the cap are free.
    children = sorted((p for p in people if p.relationship == "child"), key=lambda p: p.birth_date)
    free = {id(c) for c in children[cap:]} if cap is not None else set()
    priced = []
    for person in people:
        age = age_on(person.birth_date, effective)
        band = next(b for b in bands if b.min_age <= age <= b.max_age)
        charged = id(person) not in free
        priced.append(PricedPerson(person.relationship, age, band.monthly_eur if charged else Decimal("0"), charged))
    return priced
