"""What the use cases need from the settings, built once by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from assistance.adapters.health_cipher import HealthCipher
from assistance.domain.addresses import PostcodeBook
from assistance.domain.guarantees import GuaranteeBook
from assistance.domain.requests import SlotRules


@dataclass(frozen=True)
class Assistance:
    book: GuaranteeBook
    slots: SlotRules
    cipher: HealthCipher
    postcodes: PostcodeBook
    check_deadline_hours: int = 48
    max_selections: int = 20
    max_addresses: int = 20
    callback_booking_path: str = "/v1/callbacks"
    callback_slots_path: str = "/v1/callback-slots"


def build(settings) -> Assistance:  # type: ignore[no-untyped-def]
    return Assistance(
        book=GuaranteeBook.load(settings.guarantees_file), slots=settings.slot_rules(), cipher=settings.cipher(),
        postcodes=PostcodeBook.load(), check_deadline_hours=settings.check_deadline_hours,
        max_selections=settings.max_selections, max_addresses=settings.max_addresses,
        callback_booking_path=settings.callback_booking_path, callback_slots_path=settings.callback_slots_path)
