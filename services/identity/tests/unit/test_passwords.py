from datetime import date

import pytest

from identity.domain.passwords import PasswordPolicy

STRICT = PasswordPolicy()  # ID-2 default: 12 chars, upper, lower, special
S001 = PasswordPolicy(min_length=8, require_special=False, require_digit=True)


def test_accepts_a_long_mixed_password_under_the_default_policy():
    assert STRICT.problems("Violette-Ecluse#2031") == []


def test_refuses_a_password_shorter_than_the_minimum():
    assert any("12 caractères" in p for p in STRICT.problems("Court#Aa1"))


@pytest.mark.parametrize(
    ("password", "missing"),
    [("violette-ecluse#2031", "majuscule"), ("VIOLETTE-ECLUSE#2031", "minuscule"), ("VioletteEcluse2031", "spécial")],
)
def test_names_each_missing_character_class(password, missing):
    assert any(missing in p for p in STRICT.problems(password))


def test_the_s001_policy_of_eight_characters_with_a_digit_is_expressible():
    assert S001.problems("Rivage42") == []
    assert any("chiffre" in p for p in S001.problems("Rivagess"))


@pytest.mark.parametrize("password", ["0000", "1234", "Azerty123", "Motdepasse1!", "aaaaaaaaaaaa"])
def test_refuses_obvious_passwords(password):
    assert any("trop courant" in p for p in S001.problems(password) + STRICT.problems(password))


def test_refuses_a_password_containing_the_members_first_name_even_with_accents():
    problems = STRICT.problems("Helene-Soleil#77", first_name="Hélène", last_name="Lefèvre")
    assert any("prénom" in p for p in problems)


def test_refuses_a_password_containing_the_birth_year_or_city():
    assert any("naissance" in p for p in STRICT.problems("Grand-Chene#1984", birth_date=date(1984, 3, 12)))
    assert any("ville" in p for p in STRICT.problems("Vive-Lyon-Rouge#", city="Lyon"))
