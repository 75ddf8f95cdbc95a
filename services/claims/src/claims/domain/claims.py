"""Claims a member submits (CL-4..CL-6, AS-9): the status workflow and the missing formalities.
No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from coverage_rules import CARE_TYPES

# CL-5: received → under analysis → processed → paid, or rejected with a reason and what to do.
STATUSES = ("received", "under_analysis", "processed", "paid", "rejected")
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"under_analysis", "rejected"}),
    "under_analysis": frozenset({"processed", "rejected"}),
    "processed": frozenset({"paid"}),
    "paid": frozenset(),
    "rejected": frozenset(),
}
STATUS_LABELS = {"received": "Reçue", "under_analysis": "En cours d'analyse", "processed": "Traitée",
                 "paid": "Remboursée", "rejected": "Refusée"}

# Care that needs a prior quote above an amount (the insurer's rule: a setting in the service).
QUOTE_CARE_TYPES = frozenset({"dental_prosthesis", "dental_implant", "dental_orthodontics", "optics_glasses",
                              "optics_lenses", "hearing_aid", "hospital_stay"})
# Care the AMO pays a share of: a social security statement (NOEMIE line) is expected first.
AMO_FREE_CARE_TYPES = frozenset({"hospital_private_room", "dental_implant", "alternative_medicine"})


class WorkflowError(ValueError):
    """A status change the workflow does not allow (the message says which)."""


@dataclass(frozen=True)
class Transition:
    status: str
    reason: str | None = None
    what_to_do: str | None = None


def move(current: str, target: str, reason: str | None = None, what_to_do: str | None = None) -> Transition:
    """The next status; a rejection must say why and what the member can do."""
    if target not in STATUSES:
        raise WorkflowError(f"Statut inconnu : {target}.")
    if target not in TRANSITIONS[current]:
        raise WorkflowError(f"Une demande « {STATUS_LABELS[current]} » ne peut pas passer à « {STATUS_LABELS[target]} ».")
    if target == "rejected" and not (reason and what_to_do):
        raise WorkflowError("Un refus indique son motif et ce que l'adhérent peut faire.")
    return Transition(target, reason if target == "rejected" else None, what_to_do if target == "rejected" else None)


@dataclass(frozen=True)
class Formality:
    code: str
    label: str


def missing_formalities(care_type: str, billed: Decimal, *, social_security_line: bool, invoice: bool,
                        quote: bool, quote_threshold: Decimal) -> list[Formality]:
    """CL-6: why a care the member expected to be paid is not, as the formalities still missing."""
    if care_type not in CARE_TYPES:
        raise ValueError(care_type)
    missing: list[Formality] = []
    if care_type not in AMO_FREE_CARE_TYPES and not social_security_line:
        missing.append(Formality("social_security_statement",
                                 "Le décompte de la Sécurité sociale ne nous est pas parvenu : vérifiez que votre "
                                 "carte Vitale est à jour et que votre mutuelle est bien déclarée à votre caisse."))
    if not invoice:
        missing.append(Formality("invoice", "La facture acquittée du professionnel de santé est à nous envoyer."))
    if care_type in QUOTE_CARE_TYPES and billed > quote_threshold and not quote:
        missing.append(Formality("prior_quote",
                                 f"Un devis préalable est demandé au-delà de {quote_threshold:.2f} € pour ce soin."))
    return missing


# AS-9: what a claim for an assistance case's advanced costs may not be, and where to go instead.
HEALTH_COSTS_ELSEWHERE = ("Les frais de santé ne relèvent pas de l'assistance : faites une demande de remboursement "
                          "de soins (type de soin, sans numéro de dossier d'assistance).")
CARE_QUOTE_ELSEWHERE = ("Un devis ne se rembourse pas : une fois les soins faits, envoyez la facture acquittée "
                        "dans une demande de remboursement de soins.")
ASSISTANCE_QUOTE_ELSEWHERE = ("Un devis ne se rembourse pas : les prestations de votre dossier d'assistance sont "
                              "incluses dans votre contrat. Pour en ajouter une, demandez à être rappelé "
                              "(« Nouvelle demande de prestations »).")
CASE_CANCELLED = "Ce dossier d'assistance a été annulé : aucun frais n'y est remboursé."


def assistance_formalities(*, invoice: bool) -> list[Formality]:
    """AS-9: an assistance service's costs need the invoice only (no social security statement,
    no prior quote: the service is the contract's, not a care)."""
    if invoice:
        return []
    return [Formality("invoice", "La facture acquittée du prestataire est à nous envoyer.")]
