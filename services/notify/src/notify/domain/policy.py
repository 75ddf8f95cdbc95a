"""Every template, its category and channels: the one place that says what is transactional (NT-3).

A template's ``channels`` always go: they carry confirmations, security notices, case
numbers or links, which a person cannot switch off. Its ``optional`` channels are extra
copies that go only when the person accepted that (category, channel) in their
notification preferences; nothing is sent on them by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notify.domain.model import Channel


class Category(StrEnum):
    ACCOUNT = "account"  # sign-up, email address, account deletion
    SECURITY = "security"  # passwords, two-factor authentication, new devices
    CONTRACT = "contract"  # termination, bank account, guarantees
    REQUEST = "request"  # quotes and other requests acknowledged
    ACTIVATION = "activation"  # activation letters (employees without email)


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    category: Category
    channels: tuple[Channel, ...]
    optional: tuple[Channel, ...] = ()

    def is_transactional(self, channel: Channel) -> bool:
        return channel in self.channels


_E, _S, _L = Channel.EMAIL, Channel.SMS, Channel.LETTER

TEMPLATES: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        TemplateSpec("account_created", Category.ACCOUNT, (_E,)),
        TemplateSpec("sign_up_attempted", Category.ACCOUNT, (_E,)),
        TemplateSpec("email_change_requested", Category.ACCOUNT, (_E,)),
        TemplateSpec("email_changed", Category.ACCOUNT, (_E,)),
        TemplateSpec("account_deleted", Category.ACCOUNT, (_E,)),
        TemplateSpec("password_reset_requested", Category.SECURITY, (_E,)),
        TemplateSpec("password_changed", Category.SECURITY, (_E,), optional=(_S,)),
        TemplateSpec("two_factor_code", Category.SECURITY, (_S,)),
        TemplateSpec("two_factor_changed", Category.SECURITY, (_E,), optional=(_S,)),
        TemplateSpec("new_device_signed_in", Category.SECURITY, (_E,), optional=(_S,)),
        TemplateSpec("termination_confirmed", Category.CONTRACT, (_E,), optional=(_S, _L)),
        TemplateSpec("bank_account_changed", Category.CONTRACT, (_E,), optional=(_S,)),
        TemplateSpec("guarantee_change_requested", Category.CONTRACT, (_E,), optional=(_S,)),
        TemplateSpec("quote_requested", Category.REQUEST, (_E,)),
        TemplateSpec("quote_confirmation_requested", Category.REQUEST, (_E,)),
        # Callbacks (CB-2): confirmation and changes by email, the reminder by SMS to the number to call.
        TemplateSpec("callback_scheduled", Category.REQUEST, (_E,)),
        TemplateSpec("callback_rescheduled", Category.REQUEST, (_E,)),
        TemplateSpec("callback_cancelled", Category.REQUEST, (_E,)),
        TemplateSpec("callback_missed", Category.REQUEST, (_E,)),
        TemplateSpec("callback_reminder", Category.REQUEST, (_S,)),
        # Contact requests and complaints (CB-4).
        TemplateSpec("complaint_received", Category.REQUEST, (_E,)),
        TemplateSpec("complaint_acknowledged", Category.REQUEST, (_E,)),
        TemplateSpec("complaint_answered", Category.REQUEST, (_E,)),
        TemplateSpec("contact_request_received", Category.REQUEST, (_E,)),
        TemplateSpec("contact_request_answered", Category.REQUEST, (_E,)),
        # Partner applications (BR-5): the receipt and the decision, to the applicant's professional email.
        TemplateSpec("partner_application_received", Category.REQUEST, (_E,)),
        TemplateSpec("partner_application_decided", Category.REQUEST, (_E,)),
        # Assistance (AS-6): the request's confirmation by email, the case number by SMS to the number given.
        TemplateSpec("assistance_requested", Category.REQUEST, (_E,)),
        TemplateSpec("assistance_case_opened", Category.REQUEST, (_S,)),
        # Employer space (affiliation): the employee's invitation link (AF-2), the employer's notice of
        # a beneficiary added on a group santé contract (AF-5), to the company's notice address.
        TemplateSpec("employee_invitation", Category.ACCOUNT, (_E,)),
        TemplateSpec("employer_beneficiary_notice", Category.CONTRACT, (_E,)),
        # ID-13: an affiliated employee's activation, the link by email or the code by postal letter.
        TemplateSpec("account_activation", Category.ACCOUNT, (_E,)),
        TemplateSpec("activation_letter", Category.ACTIVATION, (_L,)),
        # ID-13: an affiliated employee who already had a space: the group contract was added to it.
        TemplateSpec("group_contract_added", Category.CONTRACT, (_E,)),
        # Issue 15 / ID-14: an employer or broker user's invitation link.
        TemplateSpec("professional_invitation", Category.ACCOUNT, (_E,)),
        # Claims (CL-5): each status of a claim the member submitted, by email; by SMS too when the
        # member accepted SMS copies of contract messages (reimbursements are the contract's).
        TemplateSpec("claim_status_changed", Category.CONTRACT, (_E,), optional=(_S,)),
    )
}


def optional_choices() -> list[tuple[Category, Channel]]:
    """Every (category, channel) a person may accept or refuse, in a stable order."""
    pairs = {(spec.category, channel) for spec in TEMPLATES.values() for channel in spec.optional}
    return sorted(pairs)


def channels_for(template: str, accepted: set[tuple[str, str]]) -> list[Channel]:
    """The channels a message goes on: the transactional ones, then the accepted optional ones."""
    spec = TEMPLATES[template]
    extra = [c for c in spec.optional if (spec.category.value, c.value) in accepted]
    return [*spec.channels, *extra]
