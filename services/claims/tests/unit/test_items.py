"""Claims's rules for items: no server needed."""

import uuid

import pytest

from claims.domain.errors import InvalidTitle, TooManyItems
from claims.domain.model import clean_title, new_item


def test_a_title_is_trimmed_and_its_inner_spaces_collapsed():
    assert clean_title("  Mon   élément ") == "Mon élément"


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, "a\u0000b", "a\u202eb", "a\u200bb"])
def test_an_empty_overlong_or_invisible_character_title_is_refused(title):
    with pytest.raises(InvalidTitle):
        clean_title(title)


def test_an_account_cannot_keep_more_items_than_the_setting_allows():
    with pytest.raises(TooManyItems):
        new_item(uuid.uuid4(), "Un de trop", items_already=3, max_items=3)


def test_a_new_item_belongs_to_the_account_that_records_it():
    account = uuid.uuid4()
    assert new_item(account, "Titre", items_already=0, max_items=3).account_id == account
