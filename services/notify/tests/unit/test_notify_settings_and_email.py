import uuid
from email import message_from_bytes, policy

import aiosmtplib
import pytest


from notify.adapters.repository import DueDelivery
from notify.adapters.smtp import _is_permanent, _plain_address, build_email, email_bytes
from notify.domain.model import Rendered, message_id
from notify.settings import NotifySettings

DB = "postgresql://notify:secret@db.internal:5432/notify"


def test_settings_read_the_smtp_server_without_prefix(monkeypatch):
    monkeypatch.setenv("NOTIFY_DATABASE_URL", DB)
    monkeypatch.setenv("MS_ENVIRONMENT", "local")
    monkeypatch.setenv("SMTP_HOST", "smtp.local")
    monkeypatch.setenv("SMTP_PORT", "2525")
    settings = NotifySettings()
    assert (settings.smtp_host, settings.smtp_port, settings.api_port) == ("smtp.local", 2525, 8003)
    assert settings.mail_from == "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"
    assert settings.delivery_max_attempts == 8


def test_settings_refuse_smtp_without_starttls_in_production(monkeypatch):
    monkeypatch.setenv("NOTIFY_DATABASE_URL", DB)
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("NOTIFY_JWKS_URL", "https://id.example/.well-known/jwks.json")
    monkeypatch.setenv("NOTIFY_PUBLIC_URL", "https://espace.example")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_URL", "https://sms.provider.example")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_KEY", "a-real-key")
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    # pydantic wraps the InsecureSettingsError raised by the validator in a ValidationError.
    with pytest.raises(ValueError, match="SMTP must use STARTTLS"):
        NotifySettings()
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    assert NotifySettings().smtp_starttls is True


def due_delivery() -> DueDelivery:
    event_id = uuid.uuid4()
    return DueDelivery(
        id=uuid.uuid4(), source_event_id=event_id, channel="email", template="account_created",
        account_id=uuid.uuid4(), recipient="a@example.org", message_id=message_id(event_id, "email"),
        attempts=0, content=Rendered("Confirmez votre adresse e-mail – Votre espace adhérent", "Bonjour", "<p>Bonjour</p>"),
    )


def test_the_email_carries_the_message_id_and_tracing_headers_with_both_parts():
    delivery = due_delivery()
    message = build_email(delivery, "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>")
    assert message["Message-ID"] == delivery.message_id
    assert message["X-Notify-Delivery-Id"] == str(delivery.id)
    assert message["X-Source-Event-Id"] == str(delivery.source_event_id)
    assert message["Subject"] == "Confirmez votre adresse e-mail – Votre espace adhérent"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_the_bytes_sent_on_the_wire_carry_the_same_headers_and_both_parts():
    delivery = due_delivery()
    sent = message_from_bytes(email_bytes(delivery, "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"),
                              policy=policy.default)
    built = build_email(delivery, "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>")
    for name in ("From", "To", "Subject", "Message-ID", "Auto-Submitted", "X-Notify-Delivery-Id", "X-Source-Event-Id"):
        assert sent[name] == built[name], name
    assert sent["Subject"] == "Confirmez votre adresse e-mail – Votre espace adhérent"
    assert sent.get_body(("plain",)).get_content() == "Bonjour"
    assert sent.get_body(("html",)).get_content() == "<p>Bonjour</p>"
    assert [p.get_content_type() for p in sent.iter_parts()] == ["text/plain", "text/html"]


def test_the_bytes_sent_on_the_wire_fold_long_headers_and_keep_line_breaks_out_of_them():
    base = due_delivery()
    subject = "Votre demande de modification de garanties a bien été reçue par votre mutuelle, merci " * 2
    delivery = DueDelivery(**{**base.__dict__, "content": Rendered(subject + "\r\nBcc: x@evil.example", "é" * 500, None)})
    raw = email_bytes(delivery, "Mutuelle Élan <ne-pas-repondre@mutuelle.example>")
    sent = message_from_bytes(raw, policy=policy.default)

    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert sent["Bcc"] is None and sent["Subject"] == subject + " Bcc: x@evil.example"
    assert sent["From"].addresses[0].display_name == "Mutuelle Élan"
    assert sent["From"].addresses[0].addr_spec == "ne-pas-repondre@mutuelle.example"
    assert sent.get_body(("plain",)).get_content() == "é" * 500
    assert sent.get_body(("html",)).get_content() == ""


def test_only_final_server_refusals_are_permanent():
    assert _is_permanent(aiosmtplib.SMTPResponseException(550, "no such user"))
    assert not _is_permanent(aiosmtplib.SMTPResponseException(451, "try later"))
    assert not _is_permanent(aiosmtplib.SMTPAuthenticationError(535, "bad credentials"))
    assert not _is_permanent(aiosmtplib.SMTPConnectError("refused"))
    assert not _is_permanent(ConnectionRefusedError())


def test_settings_refuse_an_sms_provider_over_plain_http_or_with_the_local_key_in_production(monkeypatch):
    monkeypatch.setenv("NOTIFY_DATABASE_URL", DB)
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("NOTIFY_JWKS_URL", "https://id.example/.well-known/jwks.json")
    monkeypatch.setenv("NOTIFY_PUBLIC_URL", "https://espace.example")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_URL", "http://sms.provider.example")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_KEY", "a-real-key")
    with pytest.raises(ValueError, match="sms_provider_url must be https"):
        NotifySettings()
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_URL", "https://sms.provider.example")
    monkeypatch.delenv("NOTIFY_SMS_PROVIDER_KEY")
    with pytest.raises(ValueError, match="local stand-in's key"):
        NotifySettings()


def test_settings_read_the_sms_provider_and_the_letter_outbox_and_hide_the_key(monkeypatch):
    monkeypatch.setenv("NOTIFY_DATABASE_URL", DB)
    monkeypatch.setenv("MS_ENVIRONMENT", "local")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_URL", "http://127.0.0.1:8090")
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER_KEY", "k-123")
    monkeypatch.setenv("NOTIFY_LETTER_OUTBOX", "/tmp/letters")
    settings = NotifySettings()
    assert settings.sms_provider_url == "http://127.0.0.1:8090"
    assert settings.sms_provider_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(settings)
    assert str(settings.letter_outbox) == "/tmp/letters"


def test_the_bytes_sent_on_the_wire_need_no_dot_stuffing_and_no_line_end_repair():
    base = due_delivery()
    delivery = DueDelivery(**{**base.__dict__, "content": Rendered(".Sujet", ".\n..\n.fin\n", "<p>\n.</p>")})
    raw = email_bytes(delivery, "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>")
    lines = raw.split(b"\r\n")
    assert not any(line.startswith(b".") for line in lines)  # sent as is, before the end-of-data dot
    assert b"\r" not in b"".join(lines) and b"\n" not in b"".join(lines)
    assert message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content() == ".\n..\n.fin\n"


def test_only_plain_addresses_go_into_smtp_commands_as_they_are():
    assert _plain_address("claire.martin+espace@exemple.fr")
    for address in ("a@b.fr>\r\nRCPT TO:<x@evil.example", "a b@c.fr", "<a@b.fr>", "é@b.fr", "a@b.fr ", ""):
        assert not _plain_address(address), address
