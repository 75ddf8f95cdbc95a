"""Callback's refusals: each a kind of ms_platform.errors with the code clients switch on.

The platform renders them as problem+json (status from the kind, ``type`` from the code, the
French ``detail`` a member reads, ``field`` naming what to fix). Codes never change once published.
"""

from __future__ import annotations

from typing import Any

from ms_platform.errors import Conflict, InvalidInput, Missing

# ---- the slot asked for -----------------------------------------------------------------


class SlotInThePast(InvalidInput):
    code = "slot-in-the-past"
    title = "Slot in the past"

    def __init__(self) -> None:
        super().__init__("Ce créneau est déjà passé. Choisissez un créneau à venir.", field="slot_start")


class SlotTooSoon(InvalidInput):
    code = "slot-too-soon"
    title = "Slot too soon"

    def __init__(self, lead_minutes: int) -> None:
        super().__init__(f"Ce créneau commence dans moins de {lead_minutes} minutes. Choisissez un créneau plus tard.",
                         field="slot_start")


class SlotTooFar(InvalidInput):
    code = "slot-too-far"
    title = "Slot too far ahead"

    def __init__(self, horizon_days: int) -> None:
        super().__init__(f"Les rappels se réservent au plus {horizon_days} jours à l'avance.", field="slot_start")


class ClosedDay(InvalidInput):
    code = "closed-day"
    title = "Closed day"

    def __init__(self, holiday: str | None) -> None:
        detail = ("Nos conseillers ne rappellent pas les jours fériés." if holiday
                  else "Nos conseillers ne rappellent pas ce jour-là.")
        super().__init__(detail, field="slot_start")


class NotASlot(InvalidInput):
    code = "not-a-slot"
    title = "Not a slot"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="slot_start")


class SlotFull(Conflict):
    """Every agent of that slot is taken; the answer suggests the next free slots."""

    code = "slot-full"
    title = "Créneau complet"

    def __init__(self, next_free_slots: list[dict[str, Any]]) -> None:
        super().__init__("Ce créneau est complet. Choisissez un autre créneau parmi ceux proposés.",
                         field="slot_start", next_free_slots=next_free_slots)


# ---- the request -------------------------------------------------------------------------


class InvalidPhone(InvalidInput):
    code = "invalid-phone"
    title = "Invalid phone number"

    def __init__(self) -> None:
        super().__init__("Numéro de téléphone invalide : indiquez un numéro français (par exemple 06 12 34 56 78).",
                         field="phone")


class NameRequired(InvalidInput):
    """Without an account, the agent needs a name to ask for (CB-3)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} : Ce champ est obligatoire sans compte.", field=field)


class CaseNumberWithoutFollowUp(InvalidInput):
    code = "case-number-without-follow-up"
    title = "Case number without a follow-up"

    def __init__(self) -> None:
        super().__init__("Le numéro de dossier ne se donne que pour le suivi d'un dossier en cours.",
                         field="case_number")


class TooManyOpenCallbacks(Conflict):
    code = "too-many-callbacks"
    title = "Too many callbacks"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Vous avez déjà {limit} rappels programmés. Annulez-en un ou attendez qu'il ait eu lieu.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__("Cette clé d'idempotence a déjà servi pour une autre demande.", field="Idempotency-Key")


# ---- a callback's state ------------------------------------------------------------------


class CallbackNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (demande de rappel).")


class CallbackClosed(Conflict):
    code = "callback-closed"
    title = "Callback closed"

    def __init__(self, detail: str = "Ce rappel ne peut plus être modifié.") -> None:
        super().__init__(detail)


class SlotStarted(Conflict):
    code = "slot-started"
    title = "Slot started"

    def __init__(self) -> None:
        super().__init__("Le créneau de ce rappel a commencé : il ne peut plus être déplacé ni annulé.")
