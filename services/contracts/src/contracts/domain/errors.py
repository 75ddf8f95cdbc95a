"""Contracts' refusals: each a kind of ms_platform.errors with the code clients switch on.

The entry points render them as problem+json (the platform's app factory installs the handler);
the codes, titles and French details are public, so they never change once published.
"""

from __future__ import annotations

from typing import Sequence

from contracts.domain.imports import FieldError
from ms_platform.errors import Conflict, InvalidInput, Missing, Refused, Throttled


# Not found: one answer whether it does not exist or is not the caller's, so ids are not disclosed.


class ContractNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (contrat).")


class BeneficiaryNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (bénéficiaire).")


class TerminationNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (demande de résiliation).")


# Input the member can fix


class ContractRequired(InvalidInput):
    """The request needs a contract and names none (same code as bad input)."""

    def __init__(self) -> None:
        super().__init__("Précisez le contrat.", field="contract_id")


class NoHealthContract(InvalidInput):
    code = "no-health-contract"
    title = "No health contract"


class UnknownPatient(InvalidInput):
    code = "unknown-patient"
    title = "Unknown patient"


class UnknownProduct(InvalidInput):
    code = "unknown-product"
    title = "Unknown product"


class UnknownGuarantee(InvalidInput):
    code = "unknown-guarantee"
    title = "Unknown guarantee"


class InvalidBeneficiary(InvalidInput):
    """The first broken rule names the field; every one is listed under ``errors``."""

    code = "invalid-beneficiary"
    title = "Invalid beneficiary"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field,
                         errors=[{"field": e.field, "message": e.message} for e in errors])


class InvalidIban(InvalidInput):
    code = "invalid-iban"
    title = "Invalid IBAN"

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message, field=error.field)


# The contract's state forbids it


class ContractNotInForce(Conflict):
    code = "contract-not-in-force"
    title = "Contract not in force"


class AlreadyTerminated(Conflict):
    code = "already-terminated"
    title = "Already terminated"


class TooManyBeneficiaries(Conflict):
    code = "too-many-beneficiaries"
    title = "Too many beneficiaries"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Ce contrat couvre déjà {limit} bénéficiaires, le nombre maximal en ligne. "
                         "Contactez votre conseiller pour en ajouter d'autres.", limit=limit)


class TooManyTerminationDrafts(Conflict):
    code = "too-many-termination-drafts"
    title = "Too many termination drafts"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Vous avez déjà {limit} demandes de résiliation en attente de confirmation pour ce "
                         "contrat : confirmez l'une d'elles.", field="contract_id", limit=limit)


class InvalidQuoteConfirmation(Refused):
    """Unknown, used or expired link: one answer for all three."""

    code = "quote-confirmation-invalid"
    title = "Invalid confirmation link"

    def __init__(self) -> None:
        super().__init__("Ce lien de confirmation n'est pas valide ou a expiré. Refaites votre demande de devis.",
                         field="token")


class TooManyUnconfirmedQuotes(Throttled):
    code = "too-many-unconfirmed-quotes"
    title = "Too many unconfirmed quote requests"

    def __init__(self, *, retry_after_s: int) -> None:
        super().__init__("Plusieurs demandes de devis attendent déjà la confirmation de cette adresse e-mail : "
                         "ouvrez le lien que nous vous avons envoyé.", retry_after_s=retry_after_s, field="email")
