"""Contracts' HTTP routers, in the order the app includes them.

``home`` comes first: its ``/v1/contracts/summary`` must match before ``/v1/contracts/{contract_id}``.
"""

from contracts.entrypoints.http import (
    bank_accounts, beneficiaries, broker_offers, broker_projects, broker_quotes, claim_terms, contracts, coverage,
    documents, holders, home, imports, privacy, requests, terminations,
)

ROUTERS = [home.router, imports.router, contracts.router, holders.router, coverage.router, documents.router,
           beneficiaries.router, terminations.router, bank_accounts.router, requests.router, privacy.router,
           broker_offers.router, broker_quotes.router, broker_projects.router, claim_terms.router]
