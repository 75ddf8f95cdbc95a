"""The events identity's worker consumes, and the use case each one runs."""

from __future__ import annotations

from datetime import timedelta

from identity.app.activation import PreRegistration, employee_person_known
from identity.app.professional import company_registered
from ms_events.catalogue import Event
from ms_events.consumer import Handler
from ms_events.events.affiliation import CompanyRegistered, EmployeeAffiliated
from ms_events.events.contracts import ContractRegistered


def subscriptions(activation_ttl: timedelta = timedelta(days=30)) -> dict[type[Event], Handler]:
    """ID-13: an affiliated employee is pre-registered and their activation sent; their registry
    person comes with contracts' ContractRegistered (AF-3) (or, when the employee's email already had a
    member space, the membership joins that account). Issue 15: the names of the employer space's
    companies (CompanyRegistered), which an employer user's invitation shows."""
    return {EmployeeAffiliated: PreRegistration(activation_ttl), ContractRegistered: employee_person_known,
            CompanyRegistered: company_registered}
