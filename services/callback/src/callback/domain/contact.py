"""Contact requests and complaints (CB-4, "Mes demandes"): categories, deadlines in business
days, attachments checked from their bytes. No I/O.

Deadlines (settings): a complaint is acknowledged within 10 working days and answered within 2
months (ACPR recommendation 2022-R-01); a commercial request is answered within 72 hours
(s003). Working days exclude weekends and French public holidays (the calendar's holidays).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

import puremagic
from dateutil.relativedelta import relativedelta

from callback.domain.calendar import Calendar
from ms_platform.errors import Conflict, InvalidInput
from ms_platform.text import printable


class Kind(StrEnum):
    COMPLAINT = "complaint"  # réclamation
    REQUEST = "request"  # demande commerciale ou d'information


class Category(StrEnum):
    CONTRACT = "contract"
    CONTRIBUTION_AMOUNT = "contribution_amount"
    DISPUTED_DEBIT = "disputed_debit"
    QUOTE = "quote"
    OTHER = "other"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"


ACCEPTED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class DeadlineRules:
    complaint_ack_business_days: int = 10
    complaint_answer_months: int = 2
    request_answer_hours: int = 72


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: datetime | None
    answer_by: datetime


def deadlines(kind: Kind, received_at: datetime, calendar: Calendar, rules: DeadlineRules) -> Deadlines:
    """When a request must be acknowledged (complaints) and answered."""
    if kind is Kind.REQUEST:
        return Deadlines(None, received_at + timedelta(hours=rules.request_answer_hours))
    local = received_at.astimezone(calendar.zone)
    ack_day = calendar.add_business_days(local.date(), rules.complaint_ack_business_days)
    acknowledge_by = datetime.combine(ack_day, time(23, 59, 59), calendar.zone)
    return Deadlines(acknowledge_by, local + relativedelta(months=rules.complaint_answer_months))


@dataclass(frozen=True)
class Attachment:
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str
    content: bytes


class UnacceptedFile(InvalidInput):
    code = "unaccepted-file"
    title = "File not accepted"


MAX_FILENAME = 200


def _size(n: int) -> str:
    """A size as members read it: "10 Mo", "250 ko"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} Mo".replace(".", ",")
    return f"{n // 1000} ko"


def _field(index: int) -> str:
    return f"attachments.{index}"


def file_name(filename: str | None, index: int) -> str:
    """The name a member's file keeps: its last path part (some browsers send a whole path),
    printable, 1 to 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    if not name or len(name) > MAX_FILENAME:
        raise UnacceptedFile(f"Chaque fichier doit avoir un nom de 1 à {MAX_FILENAME} caractères.", field=_field(index))
    try:
        return printable(name)
    except ValueError as exc:
        raise UnacceptedFile(str(exc), field=_field(index)) from exc


def check_size(name: str, size: int, index: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UnacceptedFile(f"Le fichier « {name} » dépasse la taille autorisée ({_size(max_bytes)}).",
                             field=_field(index))


def check_total(total: int, max_total: int) -> None:
    if total > max_total:
        raise UnacceptedFile(f"Les pièces jointes dépassent ensemble la taille autorisée ({_size(max_total)}).",
                             field="attachments")


def attachment(filename: str, content: bytes, index: int, max_bytes: int) -> Attachment:
    """A PDF, JPEG or PNG, its type read from its bytes (never from its name or a header)."""
    if not content:
        raise UnacceptedFile(f"Le fichier « {filename} » est vide.", field=_field(index))
    check_size(filename, len(content), index, max_bytes)
    try:
        media_type = puremagic.from_string(content, mime=True)
    except puremagic.PureError:
        media_type = ""
    if media_type not in ACCEPTED_TYPES:
        raise UnacceptedFile(f"« {filename} » : seuls les fichiers PDF, JPEG et PNG sont acceptés.",
                             field=_field(index))
    return Attachment(uuid.uuid4(), filename, media_type, len(content), hashlib.sha256(content).hexdigest(), content)


def check_count(count: int, max_count: int) -> None:
    if count > max_count:
        raise UnacceptedFile(f"Au plus {max_count} pièces jointes par demande.", field="attachments")


class AlreadyAcknowledged(Conflict):
    code = "already-acknowledged"
    title = "Already acknowledged"


class AlreadyAnswered(Conflict):
    code = "already-answered"
    title = "Already answered"


def may_acknowledge(kind: Kind, status: RequestStatus) -> None:
    if kind is not Kind.COMPLAINT or status is not RequestStatus.RECEIVED:
        raise AlreadyAcknowledged("Seule une réclamation reçue et pas encore traitée s'accuse réception.")


def may_answer(status: RequestStatus) -> None:
    if status is RequestStatus.ANSWERED:
        raise AlreadyAnswered("Cette demande a déjà reçu une réponse.")


def overdue(now: datetime, status: RequestStatus, acknowledge_by: datetime | None, answer_by: datetime) -> bool:
    if status is RequestStatus.ANSWERED:
        return False
    if status is RequestStatus.RECEIVED and acknowledge_by is not None and now > acknowledge_by:
        return True
    return now > answer_by
