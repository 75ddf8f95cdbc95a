"""Adding and removing beneficiaries (CT-2): the checks, and what the employer notice needs (AF-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError as NumberError
from stdnum.fr import nir as nir_number

from contracts.domain.contracts import RELATIONSHIPS
from contracts.domain.imports import FieldError
from contracts.domain.names import person_key


@dataclass(frozen=True)
class NewBeneficiary:
    last_name: str
    first_name: str
    birth_date: date
    relationship: str
    nir: str


def normalise_nir(value: str) -> str:
    return nir_number.compact(value)


def nir_errors(value: str, birth_date: date) -> list[FieldError]:
    """Format and 97-modulus key (python-stdnum), then the birth year and month it encodes."""
    try:
        compact = nir_number.validate(value)
    except NumberError:
        return [FieldError("nir", "Numéro de sécurité sociale invalide (15 caractères, clé de contrôle).")]
    year, month = compact[1:3], compact[3:5]
    if year != f"{birth_date.year % 100:02d}" or (month.isdigit() and 1 <= int(month) <= 12
                                                    and int(month) != birth_date.month):
        return [FieldError("nir", "Le numéro de sécurité sociale ne correspond pas à la date de naissance.")]
    return []


def beneficiary_errors(
    new: NewBeneficiary, holder_birth_date: date, present: set[tuple[str, date]], today: date,
    nirs: frozenset[str] | set[str] = frozenset(),
) -> list[FieldError]:
    """Every reason the beneficiary cannot be added.

    ``present`` holds the (name key, birth date) of the people already on the contract, ``nirs``
    their known NIRs: one person is never on a contract twice, under either identity.
    """
    errors: list[FieldError] = []
    if new.relationship not in RELATIONSHIPS:
        errors.append(FieldError("relationship", "Lien inconnu (spouse, partner ou child)."))
    if new.birth_date > today:
        errors.append(FieldError("birth_date", "La date de naissance ne peut pas être dans le futur."))
    elif new.relationship == "child" and new.birth_date <= holder_birth_date:
        errors.append(FieldError("birth_date", "Un enfant doit être plus jeune que le souscripteur."))
    else:
        errors += nir_errors(new.nir, new.birth_date)
    if (person_key(new.last_name, new.first_name), new.birth_date) in present:
        errors.append(FieldError("last_name", "Cette personne figure déjà sur le contrat."))
    elif not any(e.field == "nir" for e in errors) and normalise_nir(new.nir) in nirs:
        errors.append(FieldError("nir", "Une personne de ce contrat a déjà ce numéro de sécurité sociale."))
    return errors


def room_for_another(covered: int, limit: int) -> bool:
    """Whether a contract covering ``covered`` beneficiaries may take one more (a setting's limit)."""
    return covered < limit


def company_contribution_changes(formula: str | None, covered_before: int, covered_after: int) -> bool:
    """Whether the employer's contribution changes when the number of beneficiaries changes.

    ``family``: one price for the family, so only going from none to some (or back) changes it;
    ``supplementary_company_contribution``: every beneficiary has its own company share.
    Individual contracts (no formula): never.
    """
    if formula == "supplementary_company_contribution":
        return covered_before != covered_after
    if formula == "family":
        return (covered_before == 0) != (covered_after == 0)
    return False
