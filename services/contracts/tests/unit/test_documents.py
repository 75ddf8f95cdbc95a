"""What the attestation and the card say: periods, wording, the Data Matrix content."""

from datetime import date
from decimal import Decimal

from contracts.adapters.card_image import datamatrix_modules, fits
from contracts.domain.documents import datamatrix_payload, guarantee_summary, tiers_payant_level, validity

TODAY = date(2026, 11, 23)


def test_rights_run_to_the_end_of_the_calendar_year():
    assert validity(date(2024, 1, 1), None, TODAY) == (date(2026, 1, 1), date(2026, 12, 31))


def test_rights_stop_at_the_contracts_end_date():
    assert validity(date(2026, 3, 1), date(2026, 12, 1), TODAY) == (date(2026, 3, 1), date(2026, 12, 1))


def test_a_lapsed_contract_opens_no_rights():
    assert validity(date(2020, 1, 1), date(2025, 12, 31), TODAY) is None


def test_each_rule_type_is_worded_for_the_member():
    pct = {"label": "Consultation", "rule_type": "pct_br_incl_ss", "rate_pct": 150}
    top = {"label": "Prothèse", "rule_type": "on_top_ss", "rate_pct": 250}
    flat = {"label": "Lunettes", "rule_type": "forfait", "amount_eur": Decimal("1250.00"), "period": "per_2_years"}
    assert guarantee_summary(pct) == "Consultation : 150 % de la BR (Sécurité sociale incluse)"
    assert guarantee_summary(top) == "Prothèse : 250 % de la BR en plus de la Sécurité sociale"
    assert guarantee_summary(flat) == "Lunettes : forfait de 1\u202f250 € tous les 2 ans"
    assert tiers_payant_level(top) == "250%BR +SS" and tiers_payant_level(flat) == "FORFAIT 1250"


def card(people_count: int) -> dict:
    return {
        "amc_number": "912345678", "convention_type": "TP", "routing_criterion": "RO", "member_number": "2045871",
        "contract_number": "104233", "valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
        "people": [{"last_name": "Lefèvre-Dupont", "first_name": f"Timothée{i}", "birth_date": date(2002, 2, 18)}
                   for i in range(people_count)],
        "levels": [{"code": "CONSULT-GP", "level": "150%BR"}, {"code": "PHARMA", "level": "100%BR"}],
    }


def test_the_datamatrix_carries_every_field_of_a_small_family():
    payload = datamatrix_payload(card(2), fits)
    assert payload.startswith("TP1 AMC912345678 CONVTP AIGRO ADH2045871 CTR104233 DU20260101 AU20261231")
    assert "B LEFEVRE-DUPONT TIMOTHEE0 20020218" in payload and "G CONSULT-GP 150BR" in payload
    assert len(datamatrix_modules(payload)) == 44


def test_a_large_family_keeps_identifiers_and_says_how_many_people_are_left_out():
    payload = datamatrix_payload(card(9), fits)
    assert fits(payload) and "CTR104233" in payload
    assert "G CONSULT-GP" not in payload and "B +" in payload
