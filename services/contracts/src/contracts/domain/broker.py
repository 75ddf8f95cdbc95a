"""The broker's access in contracts (ADR 0013) and the rules of projects (BR-3).

Who the broker is comes from identity's token claims; this module decides what that access
lets them see and do. Pure: no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ms_platform.errors import Conflict, InvalidInput, Missing, NotPermitted

AUTONOMY_LEVELS = ("quote_only", "subscribe_up_to", "full")
PROJECT_STATUSES = ("draft", "sent", "signed", "lost")
# Moves a broker may make at any time; signed is final, a lost project can be reopened.
MOVES = {
    "draft": {"sent", "signed", "lost"},
    "sent": {"draft", "signed", "lost"},
    "lost": {"draft"},
    "signed": set(),
}


@dataclass(frozen=True)
class BrokerAccess:
    """A firm's admin or collaborator, from the token's ``broker_*`` claims."""

    account_id: uuid.UUID
    firm_id: uuid.UUID
    admin: bool
    offers: frozenset[str]
    autonomy: str
    subscribe_limit_eur: Decimal | None = None

    def may_sell(self, product_code: str) -> bool:
        return product_code in self.offers

    def sees(self, firm_id: uuid.UUID, owner_id: uuid.UUID) -> bool:
        """Admins see their whole firm; collaborators their own projects and quotes."""
        return firm_id == self.firm_id and (self.admin or owner_id == self.account_id)

    def may_sign(self, yearly_eur: Decimal) -> bool:
        if self.autonomy == "full":
            return True
        if self.autonomy == "subscribe_up_to":
            return self.subscribe_limit_eur is not None and yearly_eur <= self.subscribe_limit_eur
        return False


class BrokerResourceNotFound(Missing):
    def __init__(self, what: str) -> None:
        super().__init__(f"Ressource introuvable ({what}).")


class UnknownOffer(InvalidInput):
    code = "unknown-product"
    title = "Unknown product"

    def __init__(self) -> None:
        super().__init__("Produit inconnu.", field="product_code")


class NoPricingTool(InvalidInput):
    code = "no-pricing-tool"
    title = "No pricing tool"

    def __init__(self) -> None:
        super().__init__("Ce produit n'a pas de tarificateur (documentation seule).", field="product_code")


class OfferNotAllowed(NotPermitted):
    code = "offer-not-allowed"
    title = "Offer not allowed"

    def __init__(self) -> None:
        super().__init__("Votre accès ne comprend pas ce produit.", field="product_code")


class AutonomyInsufficient(NotPermitted):
    code = "autonomy-insufficient"
    title = "Autonomy insufficient"

    def __init__(self) -> None:
        super().__init__("Votre niveau d'autonomie ne permet pas de souscrire ce devis.", field="status")


class InvalidPricing(InvalidInput):
    """Every field at fault is listed under ``errors``; the first is ``field``."""

    code = "invalid-pricing"
    title = "Invalid pricing request"

    def __init__(self, errors: list) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field,
                         errors=[{"field": e.field, "message": e.message} for e in errors])


class MoveNotAllowed(Conflict):
    code = "project-move-not-allowed"
    title = "Project move not allowed"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"Un projet « {current} » ne peut pas passer à « {target} ».", field="status")


class QuoteRequiredToSign(InvalidInput):
    code = "quote-required"
    title = "Quote required"

    def __init__(self, detail: str = "Indiquez le devis souscrit, parmi ceux du projet.") -> None:
        super().__init__(detail, field="quote_id")


class QuoteExpired(Conflict):
    code = "quote-expired"
    title = "Quote expired"

    def __init__(self) -> None:
        super().__init__("Ce devis n'est plus valable : refaites-le.", field="quote_id")


class HolderRequiredToSign(InvalidInput):
    code = "holder-required"
    title = "Holder required"

    def __init__(self) -> None:
        super().__init__("Indiquez le nom et le prénom du souscripteur du contrat.", field="holder")


# A signed project's contract id is derived from the project's: a retried signature finds it.
SIGNED_CONTRACT_NAMESPACE = uuid.UUID("0b6f3a52-4d57-4c1e-9f0e-7a2f6c1d8e94")


@dataclass(frozen=True)
class SignedContract:
    """The contract a signed project registers (BR-3): the client's, in force from the quote's effective date."""

    id: uuid.UUID
    contract_number: str
    product_code: str
    holder_birth_date: date
    start_date: date
    monthly_eur: Decimal


def signed_contract(project_id: uuid.UUID, quote: dict[str, Any]) -> SignedContract:
    """What signing ``quote`` registers: the holder is the quote's main person, the start its effective date.

    The number is the quote's with ``CB`` for ``DV`` (``CB-2026-000123``): one quote signs one
    project once, and the shape never matches an insurer's six-digit number."""
    inputs = quote["inputs"]
    main = next(p for p in inputs["people"] if p["relationship"] == "main")
    number = quote["number"]
    return SignedContract(
        id=uuid.uuid5(SIGNED_CONTRACT_NAMESPACE, str(project_id)),
        contract_number="CB" + number[2:] if number.startswith("DV") else f"CB-{number}",
        product_code=quote["product_code"],
        holder_birth_date=date.fromisoformat(main["birth_date"]),
        start_date=date.fromisoformat(inputs["effective_date"]),
        monthly_eur=Decimal(str(quote["monthly_eur"])),
    )


def check_move(current: str, target: str) -> None:
    if target not in MOVES[current]:
        raise MoveNotAllowed(current, target)
