"""IBANs: checked by schwifty, shown masked."""

from contracts.domain.bank_accounts import mask_iban, parse_iban


def test_a_valid_iban_is_accepted_in_any_spacing():
    iban, _, errors = parse_iban("fr76 3000 6000 0112 3456 7890 189")
    assert errors == [] and iban == "FR7630006000011234567890189"


def test_an_iban_with_a_wrong_checksum_is_refused_naming_the_field():
    _, _, errors = parse_iban("FR76 3000 6000 0112 3456 7890 188")
    assert [e.field for e in errors] == ["iban"]


def test_the_iban_is_masked_but_for_country_key_and_last_four():
    assert mask_iban("FR7630006000011234567890189") == "FR76 **** **** **** **** ***0 189"
