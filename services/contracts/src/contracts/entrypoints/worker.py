"""The events contracts' worker consumes, and the use case each one runs."""

from __future__ import annotations

from contracts.app.affiliation import GroupMembership, existing_account_affiliated
from contracts.app.privacy import erase_account
from ms_events.consumer import Handler
from ms_events.catalogue import Event
from ms_events.events.affiliation import EmployeeAffiliated
from ms_events.events.identity import AccountDeleted, ExistingAccountAffiliated

DEFAULT_GROUP_PRODUCTS = {"sante": "SANTE-ENTREPRISE"}


def subscriptions(group_products: dict[str, str] | None = None) -> dict[type[Event], Handler]:
    """AccountDeleted: erasure (ID-11); EmployeeAffiliated: the employee joins the group contract (AF-3);
    ExistingAccountAffiliated: that membership goes to the member space the employee already had (ID-13)."""
    return {
        AccountDeleted: erase_account,
        EmployeeAffiliated: GroupMembership(DEFAULT_GROUP_PRODUCTS if group_products is None else group_products),
        ExistingAccountAffiliated: existing_account_affiliated,
    }
