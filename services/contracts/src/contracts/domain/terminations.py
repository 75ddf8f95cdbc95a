"""Termination "in 3 clicks" (CT-9): reminder, request, confirmation. Free and always reachable."""

from __future__ import annotations

from datetime import date, timedelta

REASONS: dict[str, str] = {
    "change_of_insurer": "Je change d'assureur",
    "mandatory_group_contract": "J'adhère à un contrat collectif obligatoire (employeur)",
    "contribution_increase": "Augmentation de la cotisation",
    "annual_deadline": "Résiliation à l'échéance annuelle",
    "moving_abroad": "Départ à l'étranger",
    "css_eligibility": "Je bénéficie de la Complémentaire santé solidaire",
    "other": "Autre motif",
}


def effective_date(confirmed_on: date, notice_days: int, end_date: date | None) -> date:
    """The day the contract ends: after the notice, never after an end already planned."""
    day = confirmed_on + timedelta(days=notice_days)
    return min(day, end_date) if end_date is not None else day


def reminder(notice_days: int, today: date, end_date: date | None) -> dict:
    """Step 1: what the member should know before asking. Reading it changes nothing."""
    return {
        "free_of_charge": True,
        "notice_days": notice_days,
        "effective_date_if_confirmed_today": effective_date(today, notice_days, end_date),
        "conditions": [
            "La résiliation est gratuite et peut être demandée à tout moment après un an d'adhésion.",
            f"Elle prend effet {notice_days} jours après la confirmation de votre demande.",
            "Vos bénéficiaires ne seront plus couverts à cette date.",
            "Si vous adhérez à une autre complémentaire, elle peut effectuer la démarche pour vous.",
        ],
        "reasons": [{"code": code, "label": label} for code, label in REASONS.items()],
    }
