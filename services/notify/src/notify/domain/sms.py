"""SMS sizing: GSM-7 (160 characters a message) unless a character forces UCS-2 (70)."""

from __future__ import annotations

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")  # two units each


def is_gsm7(text: str) -> bool:
    return all(c in GSM7 or c in GSM7_EXTENDED for c in text)


def gsm7_units(text: str) -> int:
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def fits_one_sms(text: str) -> bool:
    return is_gsm7(text) and gsm7_units(text) <= 160
