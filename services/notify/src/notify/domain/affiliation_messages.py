"""Messages of the employer space (affiliation): the employee's invitation email with its
single-use link (AF-2, private affiliation.secret.v1), and the employer's notice when an employee
adds a beneficiary to a group santé contract (AF-5: always with the supplementary company
contribution formula, with the family formula only when the company's contribution changes —
affiliation decides, this module words it).

Registered into ``messages.COMPOSERS`` at the end of that module. This module imports
``messages`` only inside its functions, so either module may be imported first.
"""

from __future__ import annotations

from typing import Any, Callable

from ms_events.catalogue import Event
from ms_events.events import affiliation as af

from notify.domain.model import Channel

# The employee space's page that the invitation link opens (it calls affiliation's API).
INVITATION_PATH = "/mon-affiliation"
RELATIONSHIPS = {"spouse": "son conjoint", "partner": "son partenaire", "child": "un enfant"}
FORMULAS = {"family": "cotisation « famille »",
            "supplementary_company_contribution": "cotisation supplémentaire entreprise"}


def _invitation(event: af.EmployeeInvitationEmailRequested, brand: Any) -> Any:
    from notify.domain.messages import Composed, french_datetime, link

    return Composed("employee_invitation", {
        "company_name": event.company_name,
        "invitation_url": link(brand.public_url, INVITATION_PATH, event.invitation_token),
        "expires_at": french_datetime(event.expires_at),
    }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)


def _beneficiary_notice(event: af.EmployerBeneficiaryNotice, brand: Any) -> Any:
    from notify.domain.messages import Composed, french_date

    return Composed("employer_beneficiary_notice", {
        "company_name": event.company_name,
        "contract_number": event.contract_number,
        "relationship_label": RELATIONSHIPS.get(event.relationship, "un bénéficiaire"),
        "formula_label": FORMULAS.get(event.contribution_formula, "votre formule de cotisation"),
        "family_formula": event.contribution_formula == "family",
        "added_on": french_date(event.added_at.date()),
        "journal_url": brand.public_url.rstrip("/") + "/entreprise/journal",
    }, {Channel.EMAIL: str(event.notice_email)})


COMPOSERS: dict[type[Event], Callable[[Any, Any], Any]] = {
    af.EmployeeInvitationEmailRequested: _invitation,
    af.EmployerBeneficiaryNotice: _beneficiary_notice,
}
