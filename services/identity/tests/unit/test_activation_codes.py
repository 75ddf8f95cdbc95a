"""ID-13: the secrets that activate a pre-registered employee's space: a link's token by email, a
code typed from a postal letter (read whatever its case, spaces and dashes); only hashes are stored."""

import re

from identity.domain.accounts import (
    ACTIVATION_CODE_ALPHABET, activation_token_hashes, hash_token, new_activation_code, new_secret_token,
)


def test_a_letter_code_is_sixteen_unambiguous_symbols_in_groups_of_four_and_its_hash_is_stored():
    printed, stored = new_activation_code()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", printed)
    assert not set(printed.replace("-", "")) - set(ACTIVATION_CODE_ALPHABET)
    assert not {"0", "O", "1", "I", "L"} & set(printed)
    assert stored == hash_token(printed.replace("-", "")) and printed not in stored.hex()


def test_a_typed_code_matches_whatever_its_case_spaces_and_dashes():
    printed, stored = new_activation_code()
    typed = " " + printed.lower().replace("-", " ") + " "
    assert stored in activation_token_hashes(typed)
    assert stored in activation_token_hashes(printed)


def test_a_link_token_matches_as_it_is_only():
    token, stored = new_secret_token()
    assert activation_token_hashes(token) == [stored]
    assert stored not in activation_token_hashes(token.upper())


def test_two_codes_differ():
    assert new_activation_code()[0] != new_activation_code()[0]


def test_an_employee_joins_an_existing_space_only_when_it_is_a_member_s_with_the_declared_birth_date():
    import uuid
    from datetime import UTC, date, datetime

    from identity.app.activation import joins_existing_account
    from ms_events.events.affiliation import EmployeeAffiliated, PostalAddress

    event = EmployeeAffiliated(
        employee_id=uuid.uuid4(), siren="732829320", company_name="Boulangerie Durand",
        group_contract_id=uuid.uuid4(), contract_number="GS-1", category="sante", first_name="Marie Inès",
        last_name="Martin", birth_date=date(1991, 6, 20), email="ines@example.org",
        address=PostalAddress(line1="3 place du Marché", postcode="69002", city="Lyon"),
        start_date=date(2025, 1, 1), source="online", affiliated_at=datetime.now(UTC))
    space = {"kind": "member", "person_id": uuid.uuid4(), "status": "active", "birth_date": date(1991, 6, 20),
             "first_name": "Inès", "last_name": "Martin"}
    assert joins_existing_account(space, event)  # the names typed differently do not matter
    assert joins_existing_account({**space, "status": "pending_confirmation"}, event)
    assert not joins_existing_account({**space, "birth_date": date(1991, 6, 21)}, event)
    assert not joins_existing_account({**space, "kind": "employer", "person_id": None}, event)
    assert not joins_existing_account({**space, "person_id": None}, event)
    assert not joins_existing_account({**space, "status": "deleted"}, event)
