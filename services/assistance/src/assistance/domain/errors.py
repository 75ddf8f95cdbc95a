"""Assistance's refusals: each a kind of ms_platform.errors with the code clients switch on.

The platform renders them as problem+json (status from the kind, ``type`` from the code, the
French ``detail`` a member reads, ``field`` naming what to fix). Codes never change once published.
"""

from __future__ import annotations

from typing import Any

from ms_platform.errors import Conflict, InvalidInput, Missing

# AS-7: after validation, changes go through a callback with one of these reasons.
CALLBACK_REASONS = [
    {"reason": "case_follow_up", "label": "Suivi d'un dossier en cours",
     "for": "changer la date ou l'heure d'une prestation, ou annuler votre demande"},
    {"reason": "new_service_request", "label": "Nouvelle demande de prestations",
     "for": "ajouter une prestation oubliée"},
]


class NoAssistanceContract(Conflict):
    code = "no-assistance-contract"
    title = "No contract with assistance"

    def __init__(self) -> None:
        super().__init__("Aucun de vos contrats en cours ne prévoit de prestations d'assistance. Pour toute question, "
                         "demandez à être rappelé.", field="contract_id")


class EventNotCovered(InvalidInput):
    code = "event-not-covered"
    title = "Event not covered"

    def __init__(self) -> None:
        super().__init__("Votre contrat ne prévoit pas de prestation d'assistance pour cet évènement.", field="event")


class EventDateOutOfRange(InvalidInput):
    code = "event-date-out-of-range"
    title = "Event date out of range"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="event_date")


class InvalidAnswer(InvalidInput):
    code = "invalid-answer"
    title = "Invalid answer"

    def __init__(self, question: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail, field=field or f"answers.{question}")


class ServiceNotInContract(InvalidInput):
    code = "service-not-in-contract"
    title = "Service not in the contract"

    def __init__(self, index: int) -> None:
        super().__init__("Cette prestation n'est pas prévue par votre contrat pour cet évènement.",
                         field=f"selections.{index}.service")


class SlotRefused(InvalidInput):
    code = "invalid-slot"
    title = "Invalid slot"

    def __init__(self, index: int, detail: str, what: str = "slot") -> None:
        super().__init__(detail, field=f"selections.{index}.{what}")


class SlotInThePast(InvalidInput):
    code = "slot-in-the-past"
    title = "Slot in the past"

    def __init__(self, index: int) -> None:
        super().__init__("Ce créneau est déjà passé. Choisissez un jour et un créneau à venir.",
                         field=f"selections.{index}.day")


class ConditionNotMet(InvalidInput):
    code = "condition-not-met"
    title = "Condition not met"

    def __init__(self, index: int, detail: str, what: str = "service") -> None:
        super().__init__(detail, field=f"selections.{index}.{what}")


class QuotaExceeded(InvalidInput):
    code = "quota-exceeded"
    title = "Quota exceeded"

    def __init__(self, index: int, label: str, quota: int, unit: str, used: int) -> None:
        left = max(quota - used, 0)
        super().__init__(f"{label} : votre contrat prévoit {quota} {unit} pour cet évènement ; il en reste {left}.",
                         field=f"selections.{index}.quantity", quota=quota, remaining=left)


class AddressRequired(InvalidInput):
    code = "address-required"
    title = "Address required"

    def __init__(self, index: int) -> None:
        super().__init__("Cette prestation est réalisée à domicile : choisissez l'une de vos adresses.",
                         field=f"selections.{index}.address_id")


class AddressNotFound(InvalidInput):
    code = "address-not-found"
    title = "Unknown address"

    def __init__(self, field: str) -> None:
        super().__init__("Cette adresse ne fait pas partie de vos adresses.", field=field)


class NothingSelected(InvalidInput):
    code = "nothing-selected"
    title = "Nothing selected"

    def __init__(self) -> None:
        super().__init__("Sélectionnez au moins une prestation avant de valider votre demande.", field="selections")


class InvalidPhone(InvalidInput):
    code = "invalid-phone"
    title = "Invalid phone number"

    def __init__(self) -> None:
        super().__init__("Numéro de téléphone invalide : indiquez un numéro de mobile français (par exemple "
                         "06 12 34 56 78), pour recevoir votre numéro de dossier par SMS.", field="phone")


class PostcodeNotInCity(InvalidInput):
    code = "postcode-not-in-city"
    title = "Postcode does not match the city"

    def __init__(self, known: list[str]) -> None:
        hint = f" Communes de ce code postal : {', '.join(known[:5])}." if known else " Ce code postal n'existe pas."
        super().__init__("Le code postal ne correspond pas à la ville." + hint, field="postcode")


class ChildNotOnContract(InvalidInput):
    code = "child-not-on-contract"
    title = "Child not on the contract"

    def __init__(self) -> None:
        super().__init__("Cet enfant n'est pas bénéficiaire de votre contrat.", field="child_id")


class SameAddress(InvalidInput):
    code = "same-address"
    title = "Same address"

    def __init__(self) -> None:
        super().__init__("Le départ et l'arrivée du trajet doivent être deux adresses différentes.",
                         field="to_address_id")


class TripInThePast(InvalidInput):
    code = "trip-in-the-past"
    title = "Trip in the past"

    def __init__(self) -> None:
        super().__init__("Ce trajet est déjà passé. Choisissez un jour et une heure à venir.", field="day")


class TripTooFar(InvalidInput):
    code = "trip-too-far"
    title = "Trip too far ahead"

    def __init__(self, horizon_days: int) -> None:
        super().__init__(f"Les trajets se planifient au plus {horizon_days} jours à l'avance.", field="day")


class AddressInUse(Conflict):
    code = "address-in-use"
    title = "Address used by a planned trip"

    def __init__(self, trip: dict[str, Any]) -> None:
        super().__init__(f"Cette adresse est utilisée par le trajet « {trip['label']} » du {trip['day']} : "
                         "supprimez d'abord ce trajet.", field="address_id", trip=trip)


class RequestValidated(Conflict):
    """AS-7: a validated request is not edited here; the answer points to a callback."""

    code = "request-validated"
    title = "Request already validated"

    def __init__(self, booking_url: str, slots_url: str) -> None:
        super().__init__(
            "Votre demande est déjà validée : pour changer une date ou un horaire, annuler, ou ajouter une prestation, "
            "demandez à être rappelé par nos chargés d'assistance avec le motif « Suivi d'un dossier en cours » ou "
            "« Nouvelle demande de prestations ».",
            callback={"reasons": CALLBACK_REASONS, "booking_url": booking_url, "slots_url": slots_url})


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__("Cette clé d'idempotence a déjà servi pour une autre demande.", field="Idempotency-Key")


class RequestNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (demande d'assistance).")


class AddressMissing(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (adresse).")


class TripNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (trajet).")


class ContractNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (contrat avec des prestations d'assistance).")


class CaseNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (dossier d'assistance).")


class NotOnTheCase(Conflict):
    code = "not-on-the-case"
    title = "Not on the case"

    def __init__(self) -> None:
        super().__init__("Prenez d'abord ce dossier en charge : seuls les chargés d'assistance du dossier lisent "
                         "ses données de santé.")


class CaseStateRefused(Conflict):
    code = "case-state"
    title = "Case state refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="status")
