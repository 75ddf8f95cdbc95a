"""Printable text: what a person types that others will read, print or be shown (every service).

A mechanism, not a rule: what a name, an address or a message is belongs to each context. This
module only says which characters never belong in stored text that is echoed into cards,
emails, letters and back-office screens, because they are invisible or change what the
reader sees without being seen themselves:

- control characters (``Cc``: C0, DEL, C1), except line breaks and tabs in multi-line text;
- format characters (``Cf``): bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069,
  U+200E/F, U+061C), zero-width space, joiners and no-break (U+200B..U+200D, U+2060, U+FEFF),
  soft hyphen, tag characters;
- private-use (``Co``), surrogate (``Cs``) and unassigned (``Cn``) code points;
- line and paragraph separators (``Zl``, ``Zp``);
- more than two combining marks on one character ("Zalgo" text; Vietnamese needs two).

Text is compared and stored in NFC, so ``e`` + U+0301 and ``é`` are the same name.
Use ``printable`` in a pydantic validator (its ValueError message is the member's French
wording, which the platform's problem+json names with the field), or the ``PrintableLine`` and
``PrintableText`` annotated types.
"""

from __future__ import annotations

import unicodedata
from functools import partial
from typing import Annotated

from pydantic import AfterValidator

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
LINE_BREAKS = frozenset("\n\r\t")
MAX_COMBINING_MARKS = 2
MESSAGE = "Ce champ contient un caractère invisible ou non autorisé (caractère de contrôle, de mise en forme ou " \
          "de direction du texte)."


def refused_characters(text: str, *, multiline: bool = False) -> list[str]:
    """Each character of ``text`` that printable text may not hold, as ``U+XXXX``, in order of appearance."""
    found: list[str] = []
    combining = 0
    for ch in text:
        category = unicodedata.category(ch)
        combining = combining + 1 if category.startswith("M") else 0
        allowed_break = multiline and ch in LINE_BREAKS
        if (category in REFUSED_CATEGORIES and not allowed_break) or combining > MAX_COMBINING_MARKS:
            found.append(f"U+{ord(ch):04X}")
    return found


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` in NFC; ValueError with the member's French wording when it holds a refused character."""
    if refused_characters(text, multiline=multiline):
        raise ValueError(MESSAGE)
    return unicodedata.normalize("NFC", text)


PrintableLine = Annotated[str, AfterValidator(printable)]
PrintableText = Annotated[str, AfterValidator(partial(printable, multiline=True))]
