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
