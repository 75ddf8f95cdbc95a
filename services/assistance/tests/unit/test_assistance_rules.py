"""Assistance's rules with no server: catalogue and guarantees, selections, completeness, health
data sealing, postcodes."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from assistance.adapters.health_cipher import HealthCipher, UnreadableHealthData
from assistance.domain import errors
from assistance.domain.addresses import PostcodeBook, city_key
from assistance.domain.catalogue import SERVICES, LifeEvent, recommended
from assistance.domain.guarantees import GuaranteeBook
from assistance.domain.requests import (
    Declaration, Selection, SlotRules, check_answers, check_declaration, missing_for_case, mobile_phone, place,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
RULES = SlotRules.parse(["08:00-10:00", "14:00-16:00"], "Europe/Paris", 90, 90, 180)
BOOK = GuaranteeBook.load()
HOSPI = Declaration(LifeEvent.HOSPITALISATION, date(2026, 12, 10), 5)
HOME = uuid.uuid4()


def test_the_catalogue_has_the_required_services_each_described_in_french_and_none_with_a_price():
    assert {"home_help", "childcare", "school_transport", "meal_delivery", "pet_care", "relative_at_bedside",
            "remote_alarm"} <= set(SERVICES)
    for s in SERVICES.values():
        assert len(s.description) > 60 and not re.search(r"€|\beuros?\b|\bprix\b|\btarif", s.description.lower())


def test_a_products_guarantees_give_the_services_for_an_event_with_quota_and_french_conditions():
    services = {g.service: g for g in BOOK.for_event("SANTE-CONFORT", LifeEvent.HOSPITALISATION)}
    assert {"home_help", "school_transport"} <= set(services)
    assert "Hospitalisation de plus de 2 jours" in services["home_help"].conditions.labels(LifeEvent.HOSPITALISATION)
    assert not BOOK.covers("RETRAITE-HORIZON")


def test_the_questionnaire_recommends_services_from_yes_answers_only():
    answers = check_answers(LifeEvent.HOSPITALISATION, {"needs_housework_help": True, "has_pets": False,
                                                        "duration_days": 4})
    assert recommended(LifeEvent.HOSPITALISATION, answers) == {"home_help"}


@pytest.mark.parametrize("answers", [{"unknown": True}, {"has_pets": 3}, {"duration_days": 0}, {"duration_days": True}])
def test_a_bad_answer_is_refused_naming_the_question(answers):
    with pytest.raises(errors.InvalidAnswer) as refused:
        check_answers(LifeEvent.HOSPITALISATION, answers)
    assert refused.value.field == f"answers.{next(iter(answers))}"


def test_an_event_may_be_planned_but_not_beyond_the_settings_horizon():
    assert check_declaration(RULES, LifeEvent.BIRTH, date(2027, 3, 1), None, NOW).event is LifeEvent.BIRTH
    with pytest.raises(errors.EventDateOutOfRange):
        check_declaration(RULES, LifeEvent.BIRTH, date(2028, 3, 1), None, NOW)


def _place(*selections: Selection, declaration: Declaration = HOSPI, used: dict | None = None):
    return place(RULES, BOOK, "SANTE-CONFORT", declaration, list(selections), {HOME}, used or {}, NOW)


def test_a_selection_gets_its_slot_in_paris_time():
    (placed,) = _place(Selection("home_help", date(2026, 12, 11), "08:00-10:00", 4, HOME))
    assert placed.slot_start == datetime(2026, 12, 11, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("selection,error,field", [
    (Selection("home_help", date(2026, 12, 6), "08:00-10:00", 2, HOME), errors.SlotInThePast, "selections.0.day"),
    (Selection("home_help", date(2026, 12, 11), "09:00-11:00", 2, HOME), errors.SlotRefused, "selections.0.slot"),
    (Selection("home_help", date(2026, 12, 11), "08:00-10:00", 2, None), errors.AddressRequired,
     "selections.0.address_id"),
    (Selection("home_help", date(2026, 12, 11), "08:00-10:00", 2, uuid.uuid4()), errors.AddressNotFound,
     "selections.0.address_id"),
    (Selection("home_help", date(2026, 12, 11), "08:00-10:00", 11, HOME), errors.QuotaExceeded,
     "selections.0.quantity"),
    (Selection("home_help", date(2027, 2, 1), "08:00-10:00", 2, HOME), errors.ConditionNotMet, "selections.0.day"),
])
def test_a_selection_breaking_a_rule_is_refused_naming_the_field(selection, error, field):
    with pytest.raises(error) as refused:
        _place(selection)
    assert refused.value.field == field


def test_a_service_outside_the_contract_for_the_event_is_refused():
    with pytest.raises(errors.ServiceNotInContract):
        place(RULES, BOOK, "SANTE-ESSENTIEL", HOSPI, [Selection("pet_care", date(2026, 12, 11), "08:00-10:00", 1, HOME)],
              {HOME}, {}, NOW)


def test_the_quota_counts_what_other_requests_for_the_same_event_took():
    with pytest.raises(errors.QuotaExceeded) as refused:
        _place(Selection("home_help", date(2026, 12, 11), "08:00-10:00", 3, HOME), used={"home_help": 8})
    assert refused.value.extra["remaining"] == 2


def test_a_too_short_hospitalisation_is_refused_and_an_unknown_duration_goes_to_the_agents():
    short = Declaration(LifeEvent.HOSPITALISATION, date(2026, 12, 10), 1)
    with pytest.raises(errors.ConditionNotMet):
        _place(Selection("home_help", date(2026, 12, 11), "08:00-10:00", 2, HOME), declaration=short)
    unknown = Declaration(LifeEvent.HOSPITALISATION, date(2026, 12, 10), None)
    assert _place(Selection("home_help", date(2026, 12, 11), "08:00-10:00", 2, HOME), declaration=unknown)
    missing = missing_for_case(BOOK, "SANTE-CONFORT", unknown, ["home_help"], "+33612345678")
    assert len(missing) == 1 and "durée" in missing[0]


def test_a_request_without_a_mobile_number_is_incomplete():
    assert missing_for_case(BOOK, "SANTE-CONFORT", HOSPI, ["home_help"], None)
    assert missing_for_case(BOOK, "SANTE-CONFORT", HOSPI, ["home_help"], "+33612345678") == []


def test_only_a_french_mobile_number_is_taken_for_the_case_number_sms():
    assert mobile_phone("06 12 34 56 78") == "+33612345678"
    for bad in ("01 23 45 67 89", "12", "+44 20 7946 0958"):
        with pytest.raises(errors.InvalidPhone):
            mobile_phone(bad)


# ---- health data sealing (AS-10) -----------------------------------------------------------

OLD = "k1:" + "11" * 32
NEW = "k2:" + "22" * 32


def test_a_sealed_value_names_its_key_hides_its_content_and_opens_only_in_its_context():
    cipher = HealthCipher.from_text(NEW)
    sealed = cipher.seal({"event": "hospitalisation"}, "req-1:declaration")
    assert sealed.startswith("v1.k2.") and "hospitalisation" not in sealed
    assert cipher.open(sealed, "req-1:declaration") == {"event": "hospitalisation"}
    with pytest.raises(UnreadableHealthData):
        cipher.open(sealed, "req-2:declaration")


def test_after_a_rotation_the_new_key_seals_and_the_old_one_still_opens():
    before = HealthCipher.from_text(OLD).seal({"a": 1}, "ctx")
    rotated = HealthCipher.from_text(f"{NEW},{OLD}")
    assert rotated.open(before, "ctx") == {"a": 1}
    assert rotated.key_id(rotated.seal({"a": 1}, "ctx")) == "k2"
    assert HealthCipher.from_text(OLD).fingerprints("x")[0] in rotated.fingerprints("x")
    with pytest.raises(UnreadableHealthData):
        HealthCipher.from_text(NEW).open(before, "ctx")


def test_a_key_in_the_platforms_base64_keyring_format_is_the_same_key_as_in_hex():
    import base64

    as_base64 = "k2:" + base64.b64encode(bytes.fromhex("22" * 32)).decode()
    sealed = HealthCipher.from_text(NEW).seal({"a": 1}, "ctx")
    assert HealthCipher.from_text(as_base64).open(sealed, "ctx") == {"a": 1}


@pytest.mark.parametrize("text", ["", "k1:abcd", "k1:" + "11" * 32 + ",k1:" + "22" * 32])
def test_malformed_keys_are_refused(text):
    with pytest.raises(ValueError):
        HealthCipher.from_text(text)


# ---- addresses (AS-8) ------------------------------------------------------------------------


def test_a_city_is_compared_the_way_la_poste_writes_it():
    assert city_key("Saint-Étienne") == "ST ETIENNE" and city_key("L'Haÿ-les-Roses") == "L HAY LES ROSES"


@pytest.mark.parametrize("postcode,city", [("69003", "Lyon"), ("42000", "Saint-Étienne"), ("75013", "Paris"),
                                           ("13008", "Marseille 8e")])
def test_a_postcode_of_the_city_is_accepted(postcode, city):
    PostcodeBook.load().check(postcode, city)


@pytest.mark.parametrize("postcode,city", [("75001", "Lyon"), ("00000", "Paris")])
def test_a_postcode_of_another_city_is_refused_naming_the_field(postcode, city):
    with pytest.raises(errors.PostcodeNotInCity) as refused:
        PostcodeBook.load().check(postcode, city)
    assert refused.value.field == "postcode"
