"""A processed claim's amounts come from the one copy of the coverage rules (coverage_rules, ADR
0012), under the guarantee contracts gives: the same numbers as contracts' simulator."""

from datetime import date
from decimal import Decimal as D

from claims.domain.amounts import age_on, assistance_amounts, care_amounts, guarantee_of
from coverage_rules import Guarantee, Scenario, simulate

TERMS = {"guarantee": {"code": "G-GP", "label": "Consultations", "care_type": "consultation_gp",
                       "rule_type": "pct_br_incl_ss", "rate_pct": 100, "amount_eur": None, "period": "per_act"},
         "holder": {"last_name": "Martin", "first_name": "Léa", "birth_date": "1990-04-02"}}


def test_a_gp_consultation_under_a_100_percent_guarantee_leaves_the_participation_forfaitaire():
    amounts = care_amounts("consultation_gp", D("30.00"), D("30.00"), care_date=date(2026, 5, 4),
                           patient_birth_date=date(1990, 4, 2), in_care_path=True, guarantee=guarantee_of(TERMS))
    assert (amounts.amo, amounts.amc, amounts.out_of_pocket, amounts.participation_forfaitaire) == (
        D("19.00"), D("9.00"), D("2.00"), D("2.00"))
    assert amounts.amo + amounts.amc + amounts.out_of_pocket == amounts.billed
    assert {r["code"] for r in amounts.rules} >= {"amo_rate_70", "pf_deducted", "amc_pct_br_incl_ss"}


def test_the_amounts_are_the_coverage_rules_own_for_the_patient_s_age_on_the_care_date():
    guarantee = Guarantee("G-DP", "dental_prosthesis", "on_top_ss", 200)
    child = care_amounts("biology", D("40.00"), D("30.00"), care_date=date(2026, 1, 10),
                         patient_birth_date=date(2010, 1, 11), in_care_path=True, guarantee=None)
    assert age_on(date(2010, 1, 11), date(2026, 1, 10)) == 15 and child.participation_forfaitaire == D("0.00")
    for care, billed, br, in_path in [("dental_prosthesis", D("600.00"), D("107.50"), True),
                                      ("consultation_specialist", D("60.00"), D("30.00"), False)]:
        got = care_amounts(care, billed, br, care_date=date(2026, 5, 4), patient_birth_date=date(1980, 1, 1),
                           in_care_path=in_path, guarantee=guarantee if care == "dental_prosthesis" else None)
        expected = simulate(Scenario(care, billed, br, in_care_path=in_path, patient_age=46),
                            guarantee if care == "dental_prosthesis" else None)
        assert (got.amo, got.amc, got.out_of_pocket) == (expected.amo, expected.amc, expected.out_of_pocket)


def test_no_guarantee_for_the_care_means_no_insurer_share():
    amounts = care_amounts("alternative_medicine", D("50.00"), D("0.00"), care_date=date(2026, 5, 4),
                           patient_birth_date=date(1980, 1, 1), in_care_path=True, guarantee=guarantee_of({"guarantee": None}))
    assert (amounts.amo, amounts.amc, amounts.out_of_pocket) == (D("0.00"), D("0.00"), D("50.00"))


def test_an_assistance_service_s_advanced_costs_are_paid_back_whole():
    amounts = assistance_amounts(D("84.00"))
    assert (amounts.amo, amounts.amc, amounts.out_of_pocket) == (D("0.00"), D("84.00"), D("0.00"))


def test_the_participation_forfaitaire_stops_at_its_annual_cap_given_the_year_s_earlier_claims():
    amounts = care_amounts("consultation_gp", D("30.00"), D("30.00"), care_date=date(2026, 11, 4),
                           patient_birth_date=date(1990, 4, 2), in_care_path=True, guarantee=guarantee_of(TERMS),
                           participation_paid_this_year=D("49.00"))
    assert (amounts.participation_forfaitaire, amounts.amo) == (D("1.00"), D("20.00"))
    assert "pf_annual_cap" in {r["code"] for r in amounts.rules}

