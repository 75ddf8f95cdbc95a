"""Checks on a beneficiary added online, and the employer's contribution rule (AF-5)."""

from datetime import date

from contracts.domain.beneficiaries import NewBeneficiary, beneficiary_errors, company_contribution_changes
from contracts.domain.names import person_key

TODAY = date(2026, 11, 23)
HOLDER_BIRTH = date(1980, 4, 2)
CHILD_NIR = "2 14 07 75 123 456 42"


def child(**changes) -> NewBeneficiary:
    values = {"last_name": "Garnier", "first_name": "Lou", "birth_date": date(2014, 7, 9),
              "relationship": "child", "nir": CHILD_NIR, **changes}
    return NewBeneficiary(**values)


def fields(new: NewBeneficiary, present=frozenset()) -> list[str]:
    return [e.field for e in beneficiary_errors(new, HOLDER_BIRTH, set(present), TODAY)]


def test_a_child_with_a_valid_social_security_number_is_accepted():
    assert fields(child()) == []


def test_a_social_security_number_with_a_wrong_key_is_refused():
    assert fields(child(nir="2 14 07 75 123 456 43")) == ["nir"]


def test_a_social_security_number_of_another_birth_month_is_refused():
    assert fields(child(birth_date=date(2014, 8, 9))) == ["nir"]


def test_a_birth_date_in_the_future_is_refused():
    assert fields(child(birth_date=date(2027, 1, 1))) == ["birth_date"]


def test_a_child_older_than_the_holder_is_refused():
    assert fields(child(birth_date=date(1979, 11, 20), nir="1 79 11 20 123 456 08")) == ["birth_date"]


def test_a_person_already_on_the_contract_is_refused():
    present = {(person_key("GARNIER", "lou"), date(2014, 7, 9))}
    assert fields(child(), present) == ["last_name"]


def test_family_formula_changes_the_company_contribution_only_for_the_first_beneficiary():
    assert company_contribution_changes("family", 0, 1) is True
    assert company_contribution_changes("family", 1, 2) is False
    assert company_contribution_changes("family", 1, 0) is True


def test_supplementary_formula_changes_it_for_every_beneficiary():
    assert company_contribution_changes("supplementary_company_contribution", 2, 3) is True


def test_individual_contracts_have_no_company_contribution():
    assert company_contribution_changes(None, 0, 1) is False


def test_a_person_whose_social_security_number_is_already_on_the_contract_is_refused_under_another_name():
    errors = beneficiary_errors(child(first_name="Louise"), HOLDER_BIRTH, set(), TODAY, {"214077512345642"})
    assert [e.field for e in errors] == ["nir"]


def test_a_contract_takes_another_beneficiary_only_below_its_limit():
    from contracts.domain.beneficiaries import room_for_another

    assert room_for_another(11, 12) and not room_for_another(12, 12) and not room_for_another(29, 12)


def test_the_limit_refusals_are_conflicts_with_their_own_codes():
    from contracts.domain.errors import TooManyBeneficiaries, TooManyTerminationDrafts
    from ms_platform.problems import domain_problem

    assert (domain_problem(TooManyBeneficiaries(12)).status, TooManyBeneficiaries.code) == (409, "too-many-beneficiaries")
    drafts = domain_problem(TooManyTerminationDrafts(3))
    assert (drafts.status, drafts.type, drafts.field) == (409, "too-many-termination-drafts", "contract_id")
