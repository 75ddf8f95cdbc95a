"""What stored text may contain: names, postal addresses, account holders and free text.

Shared by every service that stores people's names and addresses (contracts, affiliation, ...): what
they store is shown again (cards, attestations, employee lists, emails, the back office), so
text that hides or reorders what a reader sees (bidi overrides, zero-width characters, control
characters) is refused everywhere. Names follow French civil status: letters of the Latin alphabet
with their diacritics (the French ones of the circulaire du 23 juillet 2014, and those of names
transcribed from other civil registers that the insurer's records keep, such as "João"),
spaces, hyphens and apostrophes; no digits, no other punctuation, no other script. Each function returns the French reason for a refusal, or None.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Annotated, Callable

from pydantic import AfterValidator, StringConstraints

from ms_platform.text import refused_characters



def _latin_letter(c: str) -> bool:
    return unicodedata.category(c) in ("Lu", "Ll") and unicodedata.name(c, "").startswith("LATIN ")


# Every precomposed Latin letter of the Basic Multilingual Plane (after NFC, what people type).
LETTERS = frozenset(c for c in map(chr, range(0x41, 0x2C00)) if _latin_letter(c))
_NAME_SEPARATORS = frozenset(" -'’")
_ADDRESS_EXTRA = frozenset(string.digits + " -'’,./°()«»–&")
_HOLDER_EXTRA = frozenset(string.digits + " -'’,./&()")

NAME_MESSAGE = "Seules les lettres (accents compris), les espaces, les traits d'union et les apostrophes sont acceptés."
ADDRESS_MESSAGE = "Adresse invalide : lettres, chiffres, espaces et la ponctuation d'une adresse postale seulement."
HOLDER_MESSAGE = "Titulaire invalide : lettres, chiffres, espaces, points, virgules, traits d'union et apostrophes seulement."
FREE_TEXT_MESSAGE = "Ce texte contient des caractères invisibles ou de contrôle."


def composed(value: str) -> str:
    """The NFC form, the one stored: "Zoe" + combining diaeresis is stored as "Zoë"."""
    return unicodedata.normalize("NFC", value)


def name_error(value: str) -> str | None:
    """A last or first name: letters, then single spaces, hyphens or apostrophes between letters."""
    text = composed(value)
    if not text or any(c not in LETTERS and c not in _NAME_SEPARATORS for c in text):
        return NAME_MESSAGE
    if text[0] not in LETTERS or text[-1] not in LETTERS:
        return NAME_MESSAGE
    if any(a in _NAME_SEPARATORS and b in _NAME_SEPARATORS for a, b in zip(text, text[1:])):
        return NAME_MESSAGE
    return None


def address_error(value: str) -> str | None:
    """A postal address line or a city: letters, digits, spaces and an address's punctuation."""
    text = composed(value)
    if any(c not in LETTERS and c not in _ADDRESS_EXTRA for c in text):
        return ADDRESS_MESSAGE
    return None


def account_holder_error(value: str) -> str | None:
    """A bank account's holder as written on the account: people, initials or a company."""
    text = composed(value)
    if any(c not in LETTERS and c not in _HOLDER_EXTRA for c in text):
        return HOLDER_MESSAGE
    return None


def free_text_error(value: str) -> str | None:
    """A summary or message: anything printable, with line breaks, but nothing hidden (ms_platform.text)."""
    return FREE_TEXT_MESSAGE if refused_characters(value, multiline=True) else None


def checked(rule: Callable[[str], str | None]) -> AfterValidator:
    """A pydantic validator applying one of these rules: a refusal is a ValueError (so a 422
    naming the field, or an import line refused naming it), accepted text its composed form."""
    def check(value: str) -> str:
        error = rule(value)
        if error is not None:
            raise ValueError(error)
        return composed(value)

    return AfterValidator(check)


# A person's name and a line of an address, as request bodies and import lines both take them.
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), checked(name_error)]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                        checked(address_error)]
