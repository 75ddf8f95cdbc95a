"""AF-3: an affiliated employee's membership of the group contract has an id derived from the
employee's (a second delivery finds it) and the group contract's number followed by the member's."""

import uuid

from contracts.app.affiliation import membership_id, membership_number
from contracts.entrypoints.worker import subscriptions
from ms_events.events.affiliation import EmployeeAffiliated
from ms_events.events.identity import AccountDeleted, ExistingAccountAffiliated


def test_the_membership_id_is_the_same_for_the_same_employee_and_differs_between_employees():
    employee = uuid.uuid4()
    assert membership_id(employee) == membership_id(uuid.UUID(str(employee)))
    assert membership_id(employee) != membership_id(uuid.uuid4())


def test_the_membership_number_is_the_group_contract_s_followed_by_the_member_number():
    assert membership_number("GS-732829320", "9000001") == "GS-732829320-9000001"


def test_the_worker_adds_affiliated_employees_hands_memberships_to_existing_spaces_and_erases_deleted_accounts():
    handlers = subscriptions({"sante": "SANTE-ENTREPRISE"})
    assert set(handlers) == {AccountDeleted, EmployeeAffiliated, ExistingAccountAffiliated}
    assert handlers[EmployeeAffiliated].group_products == {"sante": "SANTE-ENTREPRISE"}
