"""How names are compared: the holder check must not fail on accents, case or punctuation."""

from __future__ import annotations

import re
import unicodedata

# Hyphens and dashes of every kind, apostrophes (straight and typographic), dots and spaces.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015'\u2018\u2019\u02bc`\u00b4.]+")
# Ligatures NFKD leaves whole.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def normalise_name(value: str) -> str:
    """``"N'Diaye"``, ``"ndiaye"`` and ``"N DIAYE"`` all give ``"ndiaye"``."""
    decomposed = unicodedata.normalize("NFKD", value)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = without_marks.casefold().translate(_LIGATURES)
    return _SEPARATORS.sub("", folded)


def person_key(last_name: str, first_name: str) -> str:
    """The key one person is stored under (with the birth date): last and first name apart."""
    return f"{normalise_name(last_name)}|{normalise_name(first_name)}"


def same_person(last_a: str, first_a: str, last_b: str, first_b: str) -> bool:
    return person_key(last_a, first_a) == person_key(last_b, first_b)
