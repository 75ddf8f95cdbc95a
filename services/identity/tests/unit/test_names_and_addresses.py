"""Names as French civil status writes them and French postal addresses, without a server."""

from __future__ import annotations

import pytest

from identity.domain.names import person_name
from identity.domain.profile import address_line, city


@pytest.mark.parametrize("name", [
    "Lefèvre", "Hélène", "N'Diaye", "N’Diaye", "Dupont-Moreau", "Da Silva", "de La Fontaine", "João", "Fañch",
    "Œdipe", "Lætitia", "Müller", "Łukasz", "Marie Hélène Louise", "Ÿvonne", "ÇA",
])
def test_a_name_civil_status_writes_is_accepted_as_typed(name):
    assert person_name(name) == name


def test_a_name_is_stored_composed_trimmed_and_with_single_spaces():
    assert person_name("  He\u0301le\u0300ne   Marie ") == "Hélène Marie"


@pytest.mark.parametrize("name", [
    "Claire2", "Cl@ire", "Claire!", "<b>Martin</b>", "Martin.", "M. Martin", "Клэр", "Μαρία", "ｃｌａｉｒｅ",
    "𝐂𝐥𝐚𝐢𝐫𝐞", "Claire 🙂", "ᴄʟᴀɪʀᴇ", "Jean_Pierre", "http://x.example",
])
def test_a_name_with_anything_but_latin_letters_spaces_hyphens_and_apostrophes_is_refused(name):
    with pytest.raises(ValueError, match="lettres"):
        person_name(name)


@pytest.mark.parametrize("name", ["Cl\u202eaire", "Cl\u200baire", "Claire\u200d", "\ufeffClaire", "Cl\x1baire",
                                  "Cl\x00aire", "Cl\ue000aire", "Cla\u00adire", "Claire\u2028",
                                  "Jean\tPierre"])
def test_a_name_with_an_invisible_or_reordering_character_is_refused(name):
    with pytest.raises(ValueError, match="invisible"):
        person_name(name)


@pytest.mark.parametrize("name", ["-Claire", "Claire-", "Jean--Pierre", "Jean -Pierre", "'Diaye", "N''Diaye"])
def test_separators_go_between_two_letters(name):
    with pytest.raises(ValueError, match="entre deux lettres"):
        person_name(name)


def test_a_name_is_required_and_at_most_100_characters():
    assert person_name("A" * 100) == "A" * 100
    for bad in ("", "   ", "A" * 101):
        with pytest.raises(ValueError):
            person_name(bad)


@pytest.mark.parametrize("line", [
    "12 rue des Tanneurs", "12 bis, rue de l'Église", "Bât. C, apt 4", "BP 12", "3 place Bellecour",
    "Résidence Les Tilleuls (entrée B)", "Lieu-dit Les Granges", "n° 7 chemin d’en Haut", "12/14 avenue Foch",
])
def test_a_postal_address_line_is_accepted_as_typed(line):
    assert address_line(line) == line


@pytest.mark.parametrize("line", ["12 rue <script>", "12 rue des Lilas; drop", "1 rue \"X\"", "rue #4",
                                  "12 rue des Lilas \u202e", "12\u200b rue", "12 rue\nBâtiment B", "...", "--"])
def test_a_postal_address_line_with_other_characters_is_refused(line):
    with pytest.raises(ValueError):
        address_line(line)


def test_an_address_line_is_at_most_38_characters_as_the_postal_standard_says():
    assert address_line("1" * 38)
    with pytest.raises(ValueError, match="38"):
        address_line("1" * 39)


@pytest.mark.parametrize("name", ["Lille", "Saint-Étienne", "L'Haÿ-les-Roses", "Paris Cedex 15",
                                  "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson", "Y"])
def test_a_commune_name_is_accepted_as_typed(name):
    assert city(name) == name


@pytest.mark.parametrize("name", ["75015", "Lille!", "Lille\u202e", "Li\u200blle", "Lille.", "-Lille", "Lille-",
                                  "Saint--Étienne", "Москва", "A" * 51, ""])
def test_a_city_that_is_not_a_commune_name_is_refused(name):
    with pytest.raises(ValueError):
        city(name)
