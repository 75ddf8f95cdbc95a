"""Affiliation's HTTP routers, in the order the app includes them."""

from affiliation.entrypoints.http import affiliations, companies, employees, invitations, journal, privacy, queue

ROUTERS = [companies.router, affiliations.router, invitations.router, employees.router, journal.router,
           queue.router, privacy.router]
