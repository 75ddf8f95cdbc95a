"""Contact details a person may change (ID-10): the French postal address. No I/O.

A French postal address (La Poste, norme AFNOR NF Z10-011) has lines of at most 38 characters
of letters, digits, spaces and a little punctuation ("12 bis, rue de l'Église", "Bât. C, apt 4",
"BP 12"), a 5-digit postcode and a city: the commune's full name (up to 45 characters, as in
Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson) or its CEDEX label with digits. Anything else,
invisible characters included, is refused.
"""

from __future__ import annotations

import re

from identity.domain.names import SEPARATORS, TWO_SEPARATORS, latin_letter, tidy_within

_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
ADDRESS_LINE_MAX_LENGTH = 38
CITY_MAX_LENGTH = 50
ADDRESS_PUNCTUATION = ",./()°"
ADDRESS_RULE = ("Lettres, chiffres, espaces et ponctuation d'une adresse postale (' - , . / ( ) °) "
                "uniquement.")
CITY_RULE = "Nom de commune : lettres, chiffres (CEDEX), espaces, traits d'union et apostrophes uniquement."


def valid_postcode(postcode: str) -> bool:
    """A French postcode (metropolitan and overseas departments)."""
    return bool(_POSTCODE.fullmatch(postcode))


def _digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def address_line(raw: str) -> str:
    """A line of a French postal address as stored; ValueError with the French reason otherwise."""
    line = tidy_within(raw, ADDRESS_LINE_MAX_LENGTH,
                       f"{ADDRESS_LINE_MAX_LENGTH} caractères au maximum par ligne (norme postale).")
    if not all(latin_letter(ch) or _digit(ch) or ch in SEPARATORS or ch in ADDRESS_PUNCTUATION for ch in line):
        raise ValueError(ADDRESS_RULE)
    if not any(latin_letter(ch) or _digit(ch) for ch in line):
        raise ValueError(ADDRESS_RULE)
    return line


def city(raw: str) -> str:
    """A commune's name (or CEDEX label) as stored; ValueError with the French reason otherwise."""
    name = tidy_within(raw, CITY_MAX_LENGTH)
    if not all(latin_letter(ch) or _digit(ch) or ch in SEPARATORS for ch in name) or not latin_letter(name[0]):
        raise ValueError(CITY_RULE)
    if name[-1] in SEPARATORS or TWO_SEPARATORS.search(name):
        raise ValueError(CITY_RULE)
    return name
