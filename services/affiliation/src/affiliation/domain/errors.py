"""Affiliation's refusals: each a kind of ms_platform.errors with the code clients switch on.

The platform renders them as problem+json (status from the kind, ``type`` from the code, the
French ``detail`` an employer reads, ``field`` naming what to fix). Codes never change once published.
"""

from __future__ import annotations

from ms_platform.errors import Conflict, InvalidInput, Missing, Refused


class InvalidField(InvalidInput):
    """A field breaks a rule the caller can fix (the field is named)."""

    def __init__(self, field: str, detail: str, code: str = "validation-error") -> None:
        super().__init__(detail, field=field, code=code)


class InvalidSiren(InvalidInput):
    code = "invalid-siren"
    title = "Invalid SIREN"

    def __init__(self, field: str = "siren") -> None:
        super().__init__("Numéro SIREN invalide : 9 chiffres dont le dernier est une clé de contrôle.", field=field)


class InvalidNir(InvalidInput):
    code = "invalid-nir"
    title = "Invalid social security number"

    def __init__(self, detail: str = "Numéro de sécurité sociale invalide : 13 chiffres et une clé de 2 chiffres.",
                 field: str = "employee.nir") -> None:
        super().__init__(detail, field=field)


class UnknownContract(InvalidInput):
    code = "unknown-contract"
    title = "Unknown group contract"

    def __init__(self, field: str = "group_contract_id") -> None:
        super().__init__("Ce contrat collectif n'existe pas pour votre entreprise.", field=field)


class ProvidentNotAffiliable(InvalidInput):
    """AF-6: prévoyance contracts need no affiliation; the online service does not exist for them."""

    code = "provident-affiliation-unavailable"
    title = "No affiliation to a provident contract"

    def __init__(self, field: str = "group_contract_id") -> None:
        super().__init__("Il n'est pas nécessaire d'affilier vos salariés au contrat prévoyance : ce service "
                         "n'est pas disponible dans votre espace. Choisissez un contrat santé.", field=field)


class StartBeforeContract(InvalidInput):
    code = "start-before-contract"
    title = "Start date before the contract"

    def __init__(self, contract_start: str, field: str = "start_date") -> None:
        super().__init__(f"La date d'affiliation ne peut pas précéder le début du contrat ({contract_start}).",
                         field=field)


class UnknownOption(InvalidInput):
    code = "unknown-option"
    title = "Unknown option"

    def __init__(self, option: str, field: str = "options") -> None:
        super().__init__(f"L'option « {option} » n'existe pas sur ce contrat.", field=field)


class DuplicateEmployee(Conflict):
    code = "duplicate-employee"
    title = "Employee already affiliated"

    def __init__(self, field: str = "employee.nir") -> None:
        super().__init__("Ce salarié est déjà affilié, ou une demande d'affiliation est en cours pour lui.",
                         field=field)


class CompanyExists(Conflict):
    code = "company-exists"
    title = "Company already registered"

    def __init__(self) -> None:
        super().__init__("Cette entreprise est déjà enregistrée.", field="siren")


class ContractNumberTaken(Conflict):
    code = "contract-number-taken"
    title = "Contract number already used"

    def __init__(self) -> None:
        super().__init__("Ce numéro de contrat est déjà enregistré.", field="contract_number")


class UnknownCompany(InvalidInput):
    code = "unknown-company"
    title = "Unknown company"

    def __init__(self) -> None:
        super().__init__("Aucune entreprise n'est enregistrée sous ce SIREN.", field="siren")


class CompanyNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (entreprise).")


class RequestNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (demande d'affiliation).")


class RequestNotReviewable(Conflict):
    code = "request-not-in-review"
    title = "Request not waiting for review"

    def __init__(self) -> None:
        super().__init__("Cette demande n'attend pas de traitement manuel.")


class InvitationUnusable(Refused):
    """Unknown, used or expired: the same answer, so that a guess learns nothing."""

    code = "invitation-unusable"
    title = "Invitation link unusable"

    def __init__(self) -> None:
        super().__init__("Ce lien d'invitation n'est plus valable. Demandez à votre employeur une nouvelle "
                         "invitation.", field="token")
