"""Contact requests and complaints (CB-4): deadlines in working days, attachments read from their bytes."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from callback.domain.calendar import Calendar, OpeningHours
from callback.domain.contact import (
    AlreadyAcknowledged, AlreadyAnswered, DeadlineRules, Kind, RequestStatus, UnacceptedFile, attachment,
    check_count, check_size, check_total, deadlines, file_name, may_acknowledge, may_answer, overdue,
)
from callback.settings import DEFAULT_OPENING_HOURS

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(OpeningHours.parse(DEFAULT_OPENING_HOURS))
RULES = DeadlineRules()
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, fmt)
    return out.getvalue()


def test_a_complaint_is_acknowledged_within_ten_working_days_skipping_ascension_and_whit_monday():
    received = datetime(2027, 5, 5, 15, 0, tzinfo=PARIS)  # Wednesday; Thursday 6 is Ascension, 17 Whit Monday
    due = deadlines(Kind.COMPLAINT, received, CAL, RULES)
    assert due.acknowledge_by.date().isoformat() == "2027-05-21"
    assert due.answer_by == datetime(2027, 7, 5, 15, 0, tzinfo=PARIS)  # two months


def test_a_complaint_received_at_christmas_counts_from_the_next_working_days():
    due = deadlines(Kind.COMPLAINT, datetime(2026, 12, 24, 18, 0, tzinfo=PARIS), CAL, RULES)
    # 25 Dec and 1 Jan are holidays, weekends skipped: 28-31 Dec (4), 4-8 Jan (9), then Monday 11 Jan.
    assert due.acknowledge_by.date().isoformat() == "2027-01-11"


def test_a_two_month_answer_from_the_end_of_a_long_month_lands_on_the_shorter_months_last_day():
    due = deadlines(Kind.COMPLAINT, datetime(2026, 12, 31, 10, 0, tzinfo=PARIS), CAL, RULES)
    assert due.answer_by.date().isoformat() == "2027-02-28"


def test_a_commercial_request_is_answered_within_72_hours_and_has_no_acknowledgement():
    received = datetime(2027, 3, 5, 17, 0, tzinfo=PARIS)
    due = deadlines(Kind.REQUEST, received, CAL, RULES)
    assert due.acknowledge_by is None and due.answer_by == datetime(2027, 3, 8, 17, 0, tzinfo=PARIS)


@pytest.mark.parametrize("content, media_type", [(PDF, "application/pdf"), (image("PNG"), "image/png"),
                                                  (image("JPEG"), "image/jpeg")])
def test_pdf_jpeg_and_png_are_read_from_their_bytes_with_a_checksum(content, media_type):
    accepted = attachment("scan.bin", content, 0, 10_000_000)
    assert (accepted.media_type, accepted.size, len(accepted.sha256)) == (media_type, len(content), 64)


@pytest.mark.parametrize("name, content", [("facture.pdf", image("GIF")), ("facture.pdf", b"MZ\x90\x00 not a pdf"),
                                           ("photo.png", b"<html>hello</html>"), ("vide.pdf", b"")])
def test_a_file_whose_bytes_are_not_pdf_jpeg_or_png_is_refused_whatever_its_name(name, content):
    with pytest.raises(UnacceptedFile) as refused:
        attachment(name, content, 1, 10_000_000)
    assert refused.value.field == "attachments.1" and name in refused.value.detail


def test_a_file_over_the_size_setting_is_refused_naming_it_and_too_many_files_or_bytes_in_all_too():
    with pytest.raises(UnacceptedFile) as refused:
        attachment("gros.pdf", PDF + b" " * 2000, 2, 1000)
    assert refused.value.field == "attachments.2" and "« gros.pdf »" in refused.value.detail
    with pytest.raises(UnacceptedFile) as stated:
        check_size("photo.jpg", 10_000_001, 0, 10_000_000)
    assert stated.value.field == "attachments.0" and "10 Mo" in stated.value.detail
    check_size("photo.jpg", 10_000_000, 0, 10_000_000)  # the limit itself is accepted
    with pytest.raises(UnacceptedFile) as many:
        check_count(6, 5)
    assert many.value.field == "attachments"
    with pytest.raises(UnacceptedFile) as total:
        check_total(20_000_001, 20_000_000)
    assert total.value.field == "attachments"


@pytest.mark.parametrize("sent, kept", [("scan.pdf", "scan.pdf"), ("C:\\Users\\moi\\lettre.jpg", "lettre.jpg"),
                                        ("../../etc/passwd.png", "passwd.png"), ("  résumé.pdf ", "résumé.pdf")])
def test_a_file_keeps_only_the_last_part_of_its_name_in_nfc(sent, kept):
    assert file_name(sent, 0) == kept


@pytest.mark.parametrize("sent", [None, "", "dossier/", "x" * 201 + ".pdf", "facture‮gnp.pdf"])
def test_a_file_without_a_printable_name_of_200_characters_at_most_is_refused(sent):
    with pytest.raises(UnacceptedFile) as refused:
        file_name(sent, 3)
    assert refused.value.field == "attachments.3"


def test_only_a_received_complaint_is_acknowledged_and_nothing_is_answered_twice():
    may_acknowledge(Kind.COMPLAINT, RequestStatus.RECEIVED)
    with pytest.raises(AlreadyAcknowledged):
        may_acknowledge(Kind.REQUEST, RequestStatus.RECEIVED)
    with pytest.raises(AlreadyAcknowledged):
        may_acknowledge(Kind.COMPLAINT, RequestStatus.ACKNOWLEDGED)
    with pytest.raises(AlreadyAnswered):
        may_answer(RequestStatus.ANSWERED)


def test_a_request_is_overdue_past_its_acknowledgement_or_answer_deadline_until_answered():
    ack, answer = datetime(2027, 3, 10, tzinfo=PARIS), datetime(2027, 5, 1, tzinfo=PARIS)
    later = datetime(2027, 3, 11, tzinfo=PARIS)
    assert overdue(later, RequestStatus.RECEIVED, ack, answer)
    assert not overdue(later, RequestStatus.ACKNOWLEDGED, ack, answer)
    assert overdue(datetime(2027, 5, 2, tzinfo=PARIS), RequestStatus.ACKNOWLEDGED, ack, answer)
    assert not overdue(datetime(2027, 5, 2, tzinfo=PARIS), RequestStatus.ANSWERED, ack, answer)
