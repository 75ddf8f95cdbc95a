"""The domain rules of French health insurance, one computation per test (CT-8, CL-1)."""

from decimal import Decimal as D

import pytest

from coverage_rules import Guarantee, Scenario, UnknownCareType, simulate


def pct(rate: int, care_type: str = "consultation_gp") -> Guarantee:
    return Guarantee("G", care_type, "pct_br_incl_ss", rate_pct=rate)


def codes(result) -> list[str]:
    return [r.code for r in result.rules]


GP = Scenario(care_type="consultation_gp", billed=D("35"), br=D("30"))


def test_worked_example_at_100_percent_br_leaves_7_euros():
    result = simulate(GP, pct(100))
    assert (result.amo, result.amc, result.out_of_pocket) == (D("19.00"), D("9.00"), D("7.00"))
    assert result.participation_forfaitaire == D("2.00")
    assert codes(result) == ["amo_rate_70", "pf_deducted", "amc_pct_br_incl_ss"]


def test_worked_example_at_200_percent_br_leaves_only_the_participation_forfaitaire():
    result = simulate(GP, pct(200))
    assert (result.amo, result.amc, result.out_of_pocket) == (D("19.00"), D("14.00"), D("2.00"))


def test_a_gp_visit_outside_the_care_path_is_paid_30_percent():
    result = simulate(Scenario("consultation_gp", D("30"), D("30"), in_care_path=False), pct(100))
    assert result.amo == D("7.00")  # 0.30 × 30 − 2
    assert result.amc == D("21.00")  # 30 − 9 (AMO before the participation)
    assert result.out_of_pocket == D("2.00")
    assert "amo_outside_care_path_30" in codes(result)


def test_a_minor_pays_no_participation_forfaitaire():
    result = simulate(Scenario("consultation_gp", D("30"), D("30"), patient_age=9), pct(100))
    assert (result.amo, result.amc, result.out_of_pocket) == (D("21.00"), D("9.00"), D("0.00"))
    assert "pf_exempt_minor" in codes(result)


def test_a_css_beneficiary_pays_no_participation_forfaitaire():
    result = simulate(Scenario("biology", D("40"), D("40"), css=True), pct(100, "biology"))
    assert result.participation_forfaitaire == D("0.00")
    assert "pf_exempt_css" in codes(result)


def test_the_participation_forfaitaire_stops_at_50_euros_a_year():
    result = simulate(Scenario("radiology", D("50"), D("50"), participation_paid_this_year=D("49")), pct(100, "radiology"))
    assert result.participation_forfaitaire == D("1.00")
    assert result.amo == D("34.00")  # 0.70 × 50 − 1
    assert "pf_annual_cap" in codes(result)


def test_nothing_more_is_deducted_once_the_annual_cap_is_reached():
    result = simulate(Scenario("consultation_specialist", D("30"), D("30"), participation_paid_this_year=D("50")), pct(100))
    assert result.participation_forfaitaire == D("0.00")
    assert result.out_of_pocket == D("0.00")


def test_medicines_bear_no_participation_forfaitaire_and_are_paid_65_percent():
    result = simulate(Scenario("pharmacy", D("10"), D("10")), pct(100, "pharmacy"))
    assert (result.amo, result.amc, result.out_of_pocket) == (D("6.50"), D("3.50"), D("0.00"))
    assert codes(result)[:1] == ["amo_rate_65"]


def test_paramedical_acts_are_paid_60_percent_by_the_amo():
    result = simulate(Scenario("paramedical", D("20"), D("16.13")), pct(150, "paramedical"))
    assert result.amo == D("9.68")
    assert result.amc == D("10.32")  # min(20, 24.195) − 9.68, capped at the remainder
    assert result.out_of_pocket == D("0.00")


def test_an_optics_forfait_pays_its_flat_amount():
    g = Guarantee("OPT", "optics_glasses", "forfait", amount_eur=D("250"), period="per_2_years")
    result = simulate(Scenario("optics_glasses", D("450"), D("0.09")), g)
    assert result.amo == D("0.05")
    assert result.amc == D("250.00")
    assert result.out_of_pocket == D("199.95")
    assert "amc_forfait" in codes(result)


def test_an_optics_forfait_already_partly_used_pays_only_what_is_left():
    g = Guarantee("OPT", "optics_glasses", "forfait", amount_eur=D("250"), period="per_2_years")
    result = simulate(Scenario("optics_glasses", D("450"), D("0"), forfait_used_in_period=D("180")), g)
    assert result.amc == D("70.00")
    assert "amc_forfait_remaining" in codes(result)


def test_a_yearly_dental_implant_forfait_is_spent_once_the_year_cap_is_reached():
    g = Guarantee("IMP", "dental_implant", "forfait", amount_eur=D("300"), period="per_year")
    result = simulate(Scenario("dental_implant", D("1200"), D("0"), forfait_used_in_period=D("300")), g)
    assert (result.amo, result.amc, result.out_of_pocket) == (D("0.00"), D("0.00"), D("1200.00"))


def test_a_dental_prosthesis_at_200_percent_br():
    result = simulate(Scenario("dental_prosthesis", D("500"), D("120")), pct(200, "dental_prosthesis"))
    assert result.amo == D("72.00")
    assert result.amc == D("168.00")  # 240 − 72
    assert result.out_of_pocket == D("260.00")


def test_a_dental_prosthesis_on_top_of_social_security():
    g = Guarantee("PRO", "dental_prosthesis", "on_top_ss", rate_pct=250)
    result = simulate(Scenario("dental_prosthesis", D("500"), D("120")), g)
    assert result.amc == D("300.00")  # 2.5 × 120, on top of the 72 € AMO
    assert result.out_of_pocket == D("128.00")


def test_a_hospital_stay_is_paid_80_percent_by_the_amo():
    result = simulate(Scenario("hospital_stay", D("1000"), D("1000")), pct(100, "hospital_stay"))
    assert (result.amo, result.amc, result.out_of_pocket) == (D("800.00"), D("200.00"), D("0.00"))
    assert "pf_deducted" not in codes(result)


def test_long_term_illness_raises_the_amo_share_to_100_percent():
    result = simulate(Scenario("hospital_fees", D("300"), D("200"), ald=True), pct(300, "hospital_fees"))
    assert result.amo == D("200.00")
    assert result.amc == D("100.00")  # min(300, 600) − 200
    assert "amo_ald_100" in codes(result)


def test_the_insurer_never_pays_more_than_what_remains():
    g = Guarantee("SPE", "consultation_specialist", "on_top_ss", rate_pct=250)
    result = simulate(Scenario("consultation_specialist", D("100"), D("50")), g)
    assert result.amc == D("65.00")  # 125 asked, 100 − 35 left
    assert result.out_of_pocket == D("2.00")
    assert "amc_capped_at_remainder" in codes(result)


def test_care_without_a_guarantee_leaves_the_amo_share_only():
    result = simulate(Scenario("alternative_medicine", D("60"), D("0")), None)
    assert (result.amo, result.amc, result.out_of_pocket) == (D("0.00"), D("0.00"), D("60.00"))
    assert codes(result) == ["amo_not_covered", "amc_no_guarantee"]


def test_an_unknown_care_type_is_refused():
    with pytest.raises(UnknownCareType):
        simulate(Scenario("teleportation", D("10"), D("10")), None)
