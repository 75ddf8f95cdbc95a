"""What to send for which event: template, recipients per channel and the variables it needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ms_events.catalogue import Event
from ms_events.events import contracts as ct
from ms_events.events import identity as id_

from notify.domain.model import Channel
from notify.domain.policy import channels_for

PARIS = ZoneInfo("Europe/Paris")
# Pages of the web front end that the links open (they call identity's API).
CONFIRMATION_PATH = "/confirmer-mon-compte"
EMAIL_CHANGE_PATH = "/confirmer-ma-nouvelle-adresse"
PASSWORD_RESET_PATH = "/reinitialiser-mon-mot-de-passe"
SECURITY_PATH = "/mon-compte/securite"
SIGN_IN_PATH = "/connexion"
FORGOTTEN_PASSWORD_PATH = "/mot-de-passe-oublie"
QUOTE_CONFIRMATION_PATH = "/confirmer-ma-demande-de-devis"
# ID-13: the page where an affiliated employee activates their space (identity's activation API).
ACTIVATION_PATH = "/activer-mon-compte"
# Issue 15 / ID-14: the page where an invited employer or broker user chooses their password.
INVITATION_PATH = "/accepter-mon-invitation"

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)

_SPACE_NAMES = {
    "member": "Votre espace adhérent",
    "employer": "Votre espace entreprise",
    "broker": "Votre espace courtier",
}

_TWO_FACTOR_METHODS = {"totp": "une application d'authentification", "sms": "un code reçu par SMS"}


@dataclass(frozen=True)
class Brand:
    """How messages present the insurer and where their links point."""

    insurer_name: str
    insurer_phone: str
    public_url: str
    insurer_address: str = "Mutuelle Exemple, 12 rue des Lilas, 75013 Paris"
    insurer_email: str = "contact@mutuelle.example"


@dataclass(frozen=True)
class ContactView:
    """What notify's contact projection knows about an account."""

    account_id: uuid.UUID
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None = None
    address: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class MessageRequest:
    template: str
    channel: Channel
    recipient: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Undeliverable:
    """A message that cannot be addressed; recorded as a failed delivery, with a reason."""

    template: str
    channel: Channel
    reason: str


@dataclass(frozen=True)
class Composed:
    """An event's message before addressing: ``to`` holds addresses the event itself carries."""

    template: str
    context: dict[str, Any]
    to: dict[Channel, str | None] = field(default_factory=dict)
    first_name: str | None = None
    last_name: str | None = None


def french_datetime(moment: datetime) -> str:
    """'1er mars 2025 à 9 h 05' in Paris time (naive datetimes are taken as UTC)."""
    local = _paris(moment)
    return f"{french_date(local.date())} à {local.hour} h {local.minute:02d}"


def french_time(moment: datetime) -> str:
    local = _paris(moment)
    return f"{local.hour} h {local.minute:02d}"


def french_date(day: date) -> str:
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"


def _paris(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(PARIS)


def link(public_url: str, path: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{path}?token={quote(token, safe='')}"


def confirmation_link(public_url: str, token: str) -> str:
    return link(public_url, CONFIRMATION_PATH, token)


def mask_email(address: str) -> str:
    """'camille.durand@example.org' → 'c***@example.org' (enough to recognise, not to read)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def reference(request_id: uuid.UUID) -> str:
    """The case number a person quotes to support: the request id's first block, upper case."""
    return str(request_id).split("-")[0].upper()


def postal_lines(contact: ContactView) -> str | None:
    """The address block of a letter, or None without a postal address."""
    address = contact.address
    if not address or not address.get("line1") or not address.get("postcode"):
        return None
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    lines = [name, address["line1"], address.get("line2"), f"{address['postcode']} {address.get('city', '')}".strip()]
    if address.get("country", "FR") not in ("FR", None):
        lines.append(str(address["country"]))
    return "\n".join(line for line in lines if line)


# ---- one composer per event that tells a person something ------------------------------


def _confirmation(event: id_.ConfirmationEmailRequested, brand: Brand) -> Composed:
    # The welcome email at sign-up (sent with AccountCreated), or a new link the person asked for.
    return Composed("account_created", {
        "resent": event.reason == "resend",
        "space_name": _SPACE_NAMES.get(event.kind, "Votre espace personnel"),
        "confirmation_url": confirmation_link(brand.public_url, event.confirmation_token),
        "expires_at": french_datetime(event.confirmation_expires_at),
    }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)


def _sign_up_attempted(event: id_.SignUpAttemptedWithExistingEmail, brand: Brand) -> Composed:
    base = brand.public_url.rstrip("/")
    return Composed("sign_up_attempted", {
        "attempted_at": french_datetime(event.attempted_at),
        "sign_in_url": base + SIGN_IN_PATH,
        "forgotten_password_url": base + FORGOTTEN_PASSWORD_PATH,
    }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)


def _email_change_requested(event: id_.EmailChangeRequested, brand: Brand) -> Composed:
    return Composed("email_change_requested", {
        "new_email": str(event.new_email),
        "confirmation_url": link(brand.public_url, EMAIL_CHANGE_PATH, event.confirmation_token),
        "expires_at": french_datetime(event.confirmation_expires_at),
    }, {Channel.EMAIL: str(event.new_email)}, event.first_name, event.last_name)


def _email_changed(event: id_.EmailChanged, brand: Brand) -> Composed:
    return Composed("email_changed", {
        "new_email_masked": mask_email(str(event.email)),
        "changed_at": french_datetime(event.changed_at),
    }, {Channel.EMAIL: str(event.old_email)}, event.first_name, event.last_name)


def _password_reset_requested(event: id_.PasswordResetRequested, brand: Brand) -> Composed:
    return Composed("password_reset_requested", {
        "reset_url": link(brand.public_url, PASSWORD_RESET_PATH, event.reset_token),
        "expires_at": french_datetime(event.reset_expires_at),
    }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)


def _password_changed(event: id_.PasswordChanged, brand: Brand) -> Composed:
    return Composed("password_changed", {
        "by_reset": event.via == "reset", "changed_at": french_datetime(event.changed_at),
    })


def _two_factor_code(event: id_.TwoFactorCodeRequested, brand: Brand) -> Composed:
    return Composed("two_factor_code", {
        "code": event.code, "expires_at_time": french_time(event.expires_at),
    }, {Channel.SMS: event.phone})


def _two_factor_changed(event: id_.TwoFactorChanged, brand: Brand) -> Composed:
    return Composed("two_factor_changed", {
        "enabled": event.enabled,
        "method": _TWO_FACTOR_METHODS.get(event.method or "", "une nouvelle méthode"),
        "changed_at": french_datetime(event.changed_at),
    })


def _new_device(event: id_.NewDeviceSignedIn, brand: Brand) -> Composed:
    return Composed("new_device_signed_in", {
        "device": event.device, "signed_in_at": french_datetime(event.signed_in_at),
    })


def _account_deleted(event: id_.AccountDeleted, brand: Brand) -> Composed:
    return Composed("account_deleted", {"deleted_at": french_datetime(event.deleted_at)})


def _termination_confirmed(event: ct.TerminationConfirmed, brand: Brand) -> Composed:
    return Composed("termination_confirmed", {
        "contract_number": event.contract_number,
        "effective_date": french_date(event.effective_date),
        "confirmed_at": french_datetime(event.confirmed_at),
        "case_reference": reference(event.termination_id),
    })


def _bank_account_changed(event: ct.BankAccountChanged, brand: Brand) -> Composed:
    return Composed("bank_account_changed", {
        "iban_masked": event.iban_masked,
        "for_beneficiary": event.beneficiary_id is not None,
        "changed_at": french_datetime(event.changed_at),
    })


def _guarantee_change_requested(event: ct.GuaranteeChangeRequested, brand: Brand) -> Composed:
    return Composed("guarantee_change_requested", {
        "case_reference": reference(event.request_id),
        "due_at": french_datetime(event.due_at),
        "requested_at": french_datetime(event.requested_at),
    })


def _quote_requested(event: ct.QuoteRequested, brand: Brand) -> Composed:
    # A prospect's names were typed by whoever filled the form: never in the insurer's words.
    # A member is greeted by the names identity holds (the contact projection).
    to = {Channel.EMAIL: str(event.email)} if event.email else {}
    return Composed("quote_requested", {
        "case_reference": reference(event.request_id),
        "due_at": french_datetime(event.due_at),
        "prospect": event.account_id is None,
    }, to)


def _quote_confirmation_requested(event: ct.QuoteConfirmationRequested, brand: Brand) -> Composed:
    # Double opt-in: the only message to an unconfirmed address, with nothing the requester typed.
    return Composed("quote_confirmation_requested", {
        "confirmation_url": link(brand.public_url, QUOTE_CONFIRMATION_PATH, event.confirmation_token),
        "expires_at": french_datetime(event.confirmation_expires_at),
    }, {Channel.EMAIL: str(event.email)})


def _activation(event: id_.ActivationRequested, brand: Brand) -> Composed:
    """ID-13: an affiliated employee's activation: the link by email, or the code by postal letter."""
    expires = event.activation_expires_at
    if event.email is not None:
        return Composed("account_activation", {
            "company_name": event.company_name,
            "activation_url": link(brand.public_url, ACTIVATION_PATH, event.activation_token),
            "expires_at": french_datetime(expires),
        }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)
    address = event.address.model_dump() if event.address else None
    recipient = postal_lines(ContactView(event.account_id, None, event.first_name, event.last_name, address=address))
    return Composed("activation_letter", {
        "activation_code": event.activation_token,
        "expires_on": french_date(_paris(expires).date()),
        "activation_url": brand.public_url.rstrip("/") + ACTIVATION_PATH,
    }, {Channel.LETTER: recipient}, event.first_name, event.last_name)


def _existing_account_affiliated(event: id_.ExistingAccountAffiliated, brand: Brand) -> Composed:
    """ID-13: an affiliated employee already had a member space: the group contract was added to it
    (no activation link); to the account's address in the contact projection."""
    return Composed("group_contract_added", {
        "company_name": event.company_name,
        "contract_number": event.contract_number,
        "added_at": french_datetime(event.affiliated_at),
        "sign_in_url": brand.public_url.rstrip("/") + SIGN_IN_PATH,
    })


def _invitation(event: id_.InvitationRequested, brand: Brand) -> Composed:
    """Issue 15 / ID-14: an employer or broker user's invitation link, to their professional email."""
    return Composed("professional_invitation", {
        "space": "entreprise" if event.kind == "employer" else "courtier",
        "organisation_name": event.organisation_name,
        "admin": event.role == "admin",
        "invitation_url": link(brand.public_url, INVITATION_PATH, event.invitation_token),
        "expires_at": french_datetime(event.invitation_expires_at),
    }, {Channel.EMAIL: str(event.email)}, event.first_name, event.last_name)


COMPOSERS: dict[type[Event], Callable[[Any, Brand], Composed]] = {
    id_.ConfirmationEmailRequested: _confirmation,
    id_.InvitationRequested: _invitation,
    id_.ActivationRequested: _activation,
    id_.ExistingAccountAffiliated: _existing_account_affiliated,
    id_.SignUpAttemptedWithExistingEmail: _sign_up_attempted,
    id_.EmailChangeRequested: _email_change_requested,
    id_.EmailChanged: _email_changed,
    id_.PasswordResetRequested: _password_reset_requested,
    id_.PasswordChanged: _password_changed,
    id_.TwoFactorCodeRequested: _two_factor_code,
    id_.TwoFactorChanged: _two_factor_changed,
    id_.NewDeviceSignedIn: _new_device,
    id_.AccountDeleted: _account_deleted,
    ct.TerminationConfirmed: _termination_confirmed,
    ct.BankAccountChanged: _bank_account_changed,
    ct.GuaranteeChangeRequested: _guarantee_change_requested,
    ct.QuoteRequested: _quote_requested,
    ct.QuoteConfirmationRequested: _quote_confirmation_requested,
}


def brand_context(brand: Brand) -> dict[str, Any]:
    return {
        "insurer_name": brand.insurer_name,
        "insurer_phone": brand.insurer_phone,
        "insurer_address": brand.insurer_address,
        "insurer_email": brand.insurer_email,
        "space_url": brand.public_url.rstrip("/") + "/",
        "security_url": brand.public_url.rstrip("/") + SECURITY_PATH,
    }


def _contact_address(contact: ContactView | None, channel: Channel) -> str | None:
    if contact is None:
        return None
    if channel is Channel.EMAIL:
        return contact.email
    if channel is Channel.SMS:
        return contact.phone
    return postal_lines(contact)


_MISSING = {
    Channel.EMAIL: "no email address for this account",
    Channel.SMS: "no phone number for this account",
    Channel.LETTER: "no postal address for this account",
}


def plan(
    event: Event, contact: ContactView | None, accepted: set[tuple[str, str]], brand: Brand
) -> list[MessageRequest | Undeliverable]:
    """Every message an event asks for, addressed, or the reason it cannot be."""
    composed = COMPOSERS[type(event)](event, brand)
    first = composed.first_name or (contact.first_name if contact else None)
    last = composed.last_name or (contact.last_name if contact else None)
    context = {
        **brand_context(brand), **composed.context,
        "first_name": first or "", "last_name": last or "",
        "full_name": " ".join(p for p in (first, last) if p),
    }
    account_id = getattr(event, "account_id", None)
    out: list[MessageRequest | Undeliverable] = []
    for channel in channels_for(composed.template, accepted):
        if channel in composed.to:
            recipient = composed.to[channel]
        else:
            recipient = _contact_address(contact, channel)
        if recipient:
            out.append(MessageRequest(composed.template, channel, recipient, context))
        elif contact is None and channel not in composed.to:
            why = "the event names no account" if account_id is None else "account unknown to notify's contact projection"
            out.append(Undeliverable(composed.template, channel, why))
        else:
            out.append(Undeliverable(composed.template, channel, _MISSING[channel]))
    return out


def account_created_email(event: id_.ConfirmationEmailRequested, brand: Brand) -> MessageRequest:
    """The sign-up confirmation email (ID-5), or the new link a person asked for."""
    (request,) = plan(event, None, set(), brand)
    assert isinstance(request, MessageRequest)
    return request


def activation_letter(
    contact: ContactView, activation_code: str, expires_on: date, brand: Brand
) -> MessageRequest | Undeliverable:
    """The activation letter for a person without email (first user: affiliation, issue 13)."""
    recipient = postal_lines(contact)
    if recipient is None:
        return Undeliverable("activation_letter", Channel.LETTER, _MISSING[Channel.LETTER])
    full_name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return MessageRequest("activation_letter", Channel.LETTER, recipient, {
        **brand_context(brand), "first_name": contact.first_name or "", "last_name": contact.last_name or "",
        "full_name": full_name, "activation_code": activation_code, "expires_on": french_date(expires_on),
        "activation_url": brand.public_url.rstrip("/") + ACTIVATION_PATH,
    })


# Callbacks' messages (CB-2) are composed in their own module; it imports this one lazily.
from notify.domain.callback_messages import COMPOSERS as _CALLBACK_COMPOSERS  # noqa: E402

COMPOSERS.update(_CALLBACK_COMPOSERS)
# Assistance's messages (AS-6) too.
from notify.domain.assistance_messages import COMPOSERS as _ASSISTANCE_COMPOSERS  # noqa: E402

COMPOSERS.update(_ASSISTANCE_COMPOSERS)
# The employer space's messages (AF-2, AF-5) too.
from notify.domain.affiliation_messages import COMPOSERS as _AFFILIATION_COMPOSERS  # noqa: E402

COMPOSERS.update(_AFFILIATION_COMPOSERS)
# Claims' messages (CL-5) too.
from notify.domain.claims_messages import COMPOSERS as _CLAIMS_COMPOSERS  # noqa: E402

COMPOSERS.update(_CLAIMS_COMPOSERS)
