"""Professional users: employer users of a company (issue 15) and broker firms' people (ID-14).

Rules only, no I/O: who may invite whom, the ORIAS number's format, a collaborator's access (offers
and autonomy level) and the token claims it becomes (ADR 0013, docs/broker-space.md).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from stdnum.fr import siren as stdnum_siren


class EmployerRole(StrEnum):
    ADMIN = "admin"  # invites and deletes the company's other users
    USER = "user"


class BrokerRole(StrEnum):
    ADMIN = "admin"  # creates and deletes collaborators, sets their access; sees every project
    COLLABORATOR = "collaborator"


class Autonomy(StrEnum):
    QUOTE_ONLY = "quote_only"
    SUBSCRIBE_UP_TO = "subscribe_up_to"  # with subscribe_limit_eur: the highest yearly contribution
    FULL = "full"


class ContributionCollection(StrEnum):
    INSURER = "insurer"  # the insurer collects the contributions (direct debit)
    BROKER = "broker"  # the firm collects them (délégation d'encaissement)


COLLECTION_LABELS = {
    ContributionCollection.INSURER: "Cotisations prélevées directement par l'assureur",
    ContributionCollection.BROKER: "Cotisations encaissées par le cabinet (délégation d'encaissement)",
}

# The ORIAS registration number (registre des intermédiaires en assurance): 8 digits.
_ORIAS = re.compile(r"^[0-9]{8}$")
# A product code as contracts' catalogue writes it (letters, digits, separators).
_PRODUCT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_OFFERS = 100
MAX_LIMIT_EUR = Decimal("10000000")


def orias_number(value: str) -> str:
    """The ORIAS number compacted (spaces and dots removed); ValueError in French otherwise."""
    compact = re.sub(r"[\s.]", "", value)
    if not _ORIAS.fullmatch(compact):
        raise ValueError("Numéro ORIAS invalide (8 chiffres, tel qu'inscrit au registre des intermédiaires).")
    return compact


def siren_number(value: str) -> str:
    """A SIREN checked with python-stdnum (9 digits, Luhn key); ValueError in French otherwise."""
    compact = stdnum_siren.compact(value)
    if not stdnum_siren.is_valid(compact):
        raise ValueError("SIREN invalide (9 chiffres avec sa clé de contrôle).")
    return compact


def product_codes(values: list[str]) -> list[str]:
    """Offer codes, each a catalogue code, without duplicates, sorted."""
    if len(values) > MAX_OFFERS:
        raise ValueError(f"Au plus {MAX_OFFERS} offres.")
    for value in values:
        if not _PRODUCT_CODE.fullmatch(value):
            raise ValueError("Code produit invalide (lettres, chiffres, « . », « _ » ou « - »).")
    return sorted(set(values))


@dataclass(frozen=True)
class BrokerAccess:
    """What a broker user may sell and sign (ADR 0013)."""

    offers: tuple[str, ...]
    autonomy: Autonomy
    subscribe_limit_eur: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.autonomy == Autonomy.SUBSCRIBE_UP_TO) != (self.subscribe_limit_eur is not None):
            raise ValueError("subscribe_limit_eur goes with subscribe_up_to, and only with it")


class AccessProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked_access(offers: list[str], autonomy: str, limit: Any, firm_offers: list[str]) -> BrokerAccess:
    """A collaborator's access as an admin sets it; AccessProblem naming the field at fault."""
    try:
        level = Autonomy(autonomy)
    except ValueError as exc:
        raise AccessProblem("autonomy", "Niveau d'autonomie inconnu (quote_only, subscribe_up_to ou full).") from exc
    amount: Decimal | None = None
    if level == Autonomy.SUBSCRIBE_UP_TO:
        if limit is None:
            raise AccessProblem("subscribe_limit_eur", "Indiquez le montant annuel de cotisation jusqu'auquel ce "
                                                       "collaborateur peut souscrire.")
        try:
            amount = Decimal(str(limit)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError) as exc:
            raise AccessProblem("subscribe_limit_eur", "Montant invalide.") from exc
        if not amount.is_finite() or amount <= 0 or amount > MAX_LIMIT_EUR:
            raise AccessProblem("subscribe_limit_eur", "Le montant doit être positif et d'au plus 10 000 000 €.")
    elif limit is not None:
        raise AccessProblem("subscribe_limit_eur", "Un montant ne se donne qu'avec l'autonomie subscribe_up_to.")
    try:
        codes = product_codes(offers)
    except ValueError as exc:
        raise AccessProblem("offers", str(exc)) from exc
    outside = sorted(set(codes) - set(firm_offers))
    if outside:
        raise AccessProblem("offers", "Ces offres ne sont pas distribuées par le cabinet : " + ", ".join(outside) + ".")
    return BrokerAccess(tuple(codes), level, amount)


def admin_access(firm_offers: list[str]) -> BrokerAccess:
    """A firm's admin sells every offer of the firm, with full autonomy."""
    return BrokerAccess(tuple(sorted(firm_offers)), Autonomy.FULL)


def broker_claims(firm_id: uuid.UUID, role: str, access: BrokerAccess) -> dict[str, Any]:
    """The access token's claims contracts checks on every broker route (ADR 0013)."""
    claims: dict[str, Any] = {
        "broker_firm_id": str(firm_id), "broker_role": role, "broker_offers": list(access.offers),
        "broker_autonomy": access.autonomy.value,
    }
    if access.subscribe_limit_eur is not None:
        claims["broker_subscribe_limit_eur"] = str(access.subscribe_limit_eur)
    return claims


@dataclass(frozen=True)
class Actor:
    """Who acts in a professional space: an operator, or an employer or broker user."""

    account_id: uuid.UUID | None
    operator: bool = False
    siren: str | None = None  # employer users
    firm_id: uuid.UUID | None = None  # broker users
    role: str | None = None

    def manages_company(self, siren: str) -> bool:
        """Operators, and the company's own admins, invite and delete its employer users."""
        return self.operator or (self.siren == siren and self.role == EmployerRole.ADMIN)

    def sees_company(self, siren: str) -> bool:
        return self.operator or self.siren == siren

    def manages_firm(self, firm_id: uuid.UUID) -> bool:
        return self.operator or (self.firm_id == firm_id and self.role == BrokerRole.ADMIN)

    def sees_firm(self, firm_id: uuid.UUID) -> bool:
        return self.operator or self.firm_id == firm_id
