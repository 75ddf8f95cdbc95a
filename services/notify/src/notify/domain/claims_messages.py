"""Messages about the claims a member submits (CL-5): at each ``ClaimStatusChanged`` the member
is told where their claim stands, by email (always) and by SMS when they accepted SMS copies of
contract messages. The event carries no amount, care type, document nor rejection reason (health
data): the messages name the claim's reference and its new status, and send the member to their
space for the details (the rejection's reason and what to do are shown there).

Registered into ``messages.COMPOSERS`` at the end of that module. This module imports
``messages`` only inside its functions, so either module may be imported first.
"""

from __future__ import annotations

from typing import Any, Callable

from ms_events.catalogue import Event
from ms_events.events import claims as cl

# The member space's page of their claims (status, missing formalities, amounts).
CLAIMS_PATH = "/mes-remboursements/demandes"

# Per status: (the status's words, in the subject and the SMS: GSM-7 only; the email's sentence).
# Unknown statuses fall back to a neutral wording.
_WORDS: dict[str, tuple[str, str]] = {
    "received": ("bien reçue",
                 "Nous avons bien reçu votre demande de remboursement et ses justificatifs."),
    "under_analysis": ("en cours d'analyse",
                       "Votre demande de remboursement est en cours d'analyse par nos gestionnaires."),
    "processed": ("traitée",
                  "Votre demande de remboursement a été traitée : le remboursement va être versé."),
    "paid": ("remboursée",
             "Votre demande de remboursement a été payée sur votre compte bancaire."),
    "rejected": ("refusée",
                 "Votre demande de remboursement n'a pas pu être acceptée. Le motif et ce que vous "
                 "pouvez faire sont indiqués dans votre espace."),
}
_OTHER = ("mise à jour", "Votre demande de remboursement a changé de statut.")


def _status_changed(event: cl.ClaimStatusChanged, brand: Any) -> Any:
    from notify.domain.messages import Composed, french_datetime, reference

    words, sentence = _WORDS.get(event.status, _OTHER)
    return Composed("claim_status_changed", {
        "claim_reference": reference(event.claim_id),
        "status_words": words,
        "status_sentence": sentence,
        "changed_at": french_datetime(event.changed_at),
        "claims_url": brand.public_url.rstrip("/") + CLAIMS_PATH,
    })


COMPOSERS: dict[type[Event], Callable[[Any, Any], Any]] = {
    cl.ClaimStatusChanged: _status_changed,
}
