"""A person's names as French civil status writes them (ID-1). No I/O.

Civil status uses the Latin alphabet: letters with their accents and diacritics (é, è, ç, ï,
œ, æ, and the ñ or ã of names like Fañch or João, as on the person's title), spaces between
names, hyphens of compound names and apostrophes (N'Diaye, d'Ornano, typed ' or ’). Nothing
else: no digits, no other punctuation, no other script, nothing invisible. The holder's name is
typed "tel qu'il figure sur votre carte de mutuelle" (s001), so the wording says so.
"""

from __future__ import annotations

import re
import unicodedata

from ms_platform.text import printable

NAME_MAX_LENGTH = 100
SEPARATORS = " -'\u2019"
TWO_SEPARATORS = re.compile("[ '\u2019-]{2}")
NAME_RULE = ("Saisissez le nom tel qu'il figure sur votre carte de mutuelle : lettres (accents compris), "
             "espaces, traits d'union et apostrophes uniquement.")

# The Latin blocks (Basic Latin to Latin Extended-B, Latin Extended Additional); not IPA,
# small capitals, fullwidth or mathematical letters, which only look Latin.
_LATIN_BLOCKS = ((0x41, 0x24F), (0x1E00, 0x1EFF))


def latin_letter(ch: str) -> bool:
    """A letter of the Latin alphabet, with or without diacritics (É, ç, œ, ß, ñ, ł)."""
    code = ord(ch)
    return (unicodedata.category(ch) in ("Lu", "Ll", "Lt")
            and any(low <= code <= high for low, high in _LATIN_BLOCKS)
            and unicodedata.name(ch, "").startswith("LATIN "))


def tidy(raw: str) -> str:
    """Printable (ms_platform.text), composed, trimmed, single spaces."""
    return re.sub(r" +", " ", printable(raw).strip())


def tidy_within(raw: str, max_length: int, too_long: str | None = None) -> str:
    """``tidy(raw)``, refused (ValueError, French) when empty or longer than ``max_length``."""
    value = tidy(raw)
    if not value:
        raise ValueError("Ce champ est obligatoire.")
    if len(value) > max_length:
        raise ValueError(too_long or f"{max_length} caractères au maximum.")
    return value


def person_name(raw: str) -> str:
    """The name as stored; ValueError with the French reason when civil status would not write it."""
    name = tidy_within(raw, NAME_MAX_LENGTH)
    if not all(latin_letter(ch) or ch in SEPARATORS for ch in name):
        raise ValueError(NAME_RULE)
    if name[0] in SEPARATORS or name[-1] in SEPARATORS or TWO_SEPARATORS.search(name):
        raise ValueError("Un espace, un trait d'union ou une apostrophe se place entre deux lettres.")
    return name
