"""Printable text: invisible and reordering characters are refused, everything readable passes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from ms_platform.text import MESSAGE, PrintableLine, PrintableText, printable, refused_characters

INVISIBLE = {
    "NUL": "\x00", "bell": "\x07", "escape": "\x1b", "DEL": "\x7f", "C1 next line": "\x85",
    "right-to-left override": "\u202e", "left-to-right embedding": "\u202a", "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069", "right-to-left mark": "\u200f", "arabic letter mark": "\u061c",
    "zero-width space": "\u200b", "zero-width joiner": "\u200d", "word joiner": "\u2060",
    "byte order mark": "\ufeff", "soft hyphen": "\u00ad", "tag letter": "\U000e0041",
    "private use": "\ue000", "supplementary private use": "\U000f0000", "unassigned": "\u0378",
    "lone surrogate": "\ud800", "line separator": "\u2028", "paragraph separator": "\u2029",
}


@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_an_invisible_or_reordering_character_anywhere_is_refused(character):
    for text in (f"{character}Claire", f"Cla{character}ire", f"Claire{character}"):
        assert refused_characters(text) == [f"U+{ord(character):04X}"]
        with pytest.raises(ValueError, match="invisible"):
            printable(text)


@pytest.mark.parametrize("text", [
    "Hélène Lefèvre", "N'Diaye", "Dupont–Moreau", "12 bis, rue de l’Église", "Œuvre & Cœur", "São João",
    "Łukasz Żółć", "Nguyễn Thị Minh Khai", "Αθήνα", "合同", "Prix : 12,50 €", "Merci 🙂", "a\u00a0:",
])
def test_readable_text_in_any_script_passes_unchanged(text):
    assert refused_characters(text) == [] and printable(text) == text


def test_decomposed_accents_are_stored_composed():
    assert printable("He\u0301le\u0300ne") == "Hélène"


def test_more_than_two_combining_marks_on_one_character_are_refused():
    assert printable("e\u0302\u0301") == "ế"  # Vietnamese stacks two
    with pytest.raises(ValueError):
        printable("e" + "\u0301\u0302\u0303")


def test_line_breaks_and_tabs_are_allowed_only_in_multi_line_text():
    assert printable("Bonjour,\r\n\tmerci", multiline=True) == "Bonjour,\r\n\tmerci"
    assert refused_characters("Bonjour,\nmerci") == ["U+000A"]
    assert refused_characters("a\u202eb\nc", multiline=True) == ["U+202E"]


def test_the_annotated_types_refuse_with_the_members_wording_and_normalise():
    class Body(BaseModel):
        name: PrintableLine
        message: PrintableText

    assert Body(name="Cle\u0301ment", message="Ligne 1\nLigne 2").name == "Clément"
    with pytest.raises(ValidationError) as refused:
        Body(name="Cl\u200bement", message="ok")
    [error] = refused.value.errors()
    assert error["loc"] == ("name",) and str(error["ctx"]["error"]) == MESSAGE
    with pytest.raises(ValidationError):
        Body(name="ok", message="\x1b[31mrouge")
