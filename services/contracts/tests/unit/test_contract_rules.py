"""Name matching and the in-force rule: no server, no database."""

from datetime import date, timedelta

from contracts.domain.contracts import age_on, in_force
from contracts.domain.names import normalise_name, person_key, same_person

TODAY = date(2026, 11, 23)


def test_names_match_whatever_the_case_and_accents():
    assert normalise_name("Hélène") == normalise_name("HELENE") == "helene"
    assert normalise_name("Lefèvre") == normalise_name("lefevre")
    assert normalise_name("João") == normalise_name("joao")


def test_names_match_without_hyphens_apostrophes_or_spaces():
    assert normalise_name("N'Diaye") == normalise_name("NDIAYE") == normalise_name("n diaye")
    assert normalise_name("N’Diaye") == normalise_name("ndiaye")
    assert normalise_name("Dupont-Moreau") == normalise_name("Dupont Moreau") == "dupontmoreau"
    assert normalise_name("Da Silva") == normalise_name("dasilva")


def test_ligatures_match_their_spelled_out_letters():
    assert normalise_name("Lætitia") == normalise_name("Laetitia")
    assert normalise_name("Cœur") == normalise_name("Coeur")


def test_different_names_do_not_match():
    assert normalise_name("Martin") != normalise_name("Martine")
    assert not same_person("Martin", "Claire", "Claire", "Martin")


def test_last_and_first_name_stay_apart_in_the_person_key():
    assert person_key("Jean", "Pierre Paul") != person_key("Jean Pierre", "Paul")


def test_a_contract_ending_today_is_still_in_force():
    assert in_force(date(2020, 1, 1), TODAY, TODAY)


def test_a_contract_that_ended_yesterday_is_not_in_force():
    assert not in_force(date(2020, 1, 1), TODAY - timedelta(days=1), TODAY)


def test_a_contract_starting_tomorrow_is_not_in_force():
    assert not in_force(TODAY + timedelta(days=1), None, TODAY)


def test_a_contract_starting_today_without_end_is_in_force():
    assert in_force(TODAY, None, TODAY)


def test_age_counts_completed_years_only():
    assert age_on(date(2008, 11, 23), TODAY) == 18
    assert age_on(date(2008, 11, 24), TODAY) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
