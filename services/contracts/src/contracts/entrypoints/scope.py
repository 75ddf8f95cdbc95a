"""Who may see which contract: the one read rule every route applies.

- member: the contracts whose holder is the token's ``person_id`` or one of its
  ``linked_person_ids`` (accounts linked under "Réunir vos comptes", ID-12) and whose category
  is in its ``categories`` claim (which covers every linked category). Reads and writes alike:
  a linked holder's contracts are the member's own;
- operator: every contract;
- employer: the group contracts of the company named by the token's ``company_siren`` claim
  (imported with the contract), on the contract list and a contract's page only: no
  beneficiaries, documents, bank accounts or requests, which are the employees' own;
- agents, brokers: nothing yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Mapping

from fastapi import Depends, Request

from ms_platform.auth import Principal, Role, current_principal
from ms_platform.problems import Forbidden, NotFound


@dataclass(frozen=True)
class Scope:
    account_id: uuid.UUID | None
    holder_id: uuid.UUID | None  # the token's own person_id
    categories: frozenset[str] | None  # None: every category
    operator: bool = False
    linked_holder_ids: frozenset[uuid.UUID] = frozenset()
    company_siren: str | None = None  # employers: the company whose group contracts they see

    @property
    def holder_ids(self) -> frozenset[uuid.UUID]:
        """Every holder whose contracts this member manages: their own and linked accounts'."""
        own = frozenset() if self.holder_id is None else frozenset({self.holder_id})
        return own | self.linked_holder_ids

    @property
    def sees_nothing(self) -> bool:
        return not self.operator and not self.holder_ids

    def sees_as_employer(self, contract: Mapping[str, Any]) -> bool:
        """Whether an employer user may see this contract on the list or its page."""
        return self.company_siren is not None and contract.get("company_siren") == self.company_siren

    def holds(self, holder_id: uuid.UUID | None) -> bool:
        """Whether a member acts as this holder (changes people, accounts, requests, terminations)."""
        return not self.operator and holder_id is not None and holder_id in self.holder_ids

    def sees(self, contract: Mapping[str, Any]) -> bool:
        if self.operator:
            return True
        if contract["holder_id"] not in self.holder_ids:
            return False
        return self.categories is None or contract["category"] in self.categories


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _uuids(values: Any) -> frozenset[uuid.UUID]:
    if not isinstance(values, list):
        return frozenset()
    return frozenset(u for u in (_uuid(v) for v in values) if u is not None)


def scope_of(principal: Principal) -> Scope:
    account_id = _uuid(principal.subject)
    if Role.OPERATOR in principal.roles:
        return Scope(account_id, None, None, operator=True)
    if Role.MEMBER in principal.roles:
        categories = frozenset(str(c) for c in principal.claims.get("categories") or [])
        return Scope(account_id, _uuid(principal.claims.get("person_id")), categories,
                     linked_holder_ids=_uuids(principal.claims.get("linked_person_ids")))
    if Role.EMPLOYER in principal.roles:
        siren = principal.claims.get("company_siren")
        return Scope(account_id, None, frozenset(), company_siren=str(siren) if siren else None)
    # Agents and brokers: nothing yet (cases and portfolios arrive with their contexts).
    return Scope(account_id, None, frozenset())


async def current_scope(request: Request) -> Scope:
    """The caller's scope; one dependency with no sub-dependencies (each costs on every request)."""
    return scope_of(await current_principal(request))


def scope_with_roles(*roles: str) -> Any:
    """The caller's scope, for principals holding one of ``roles`` only (403 otherwise)."""

    async def dependency(request: Request) -> Scope:
        principal = await current_principal(request)
        if not principal.has_any(roles):
            raise Forbidden()
        return scope_of(principal)

    return Depends(dependency)


ScopeDep = Annotated[Scope, Depends(current_scope)]
# Employers read their company's group contracts (list and page only).
ReaderScope = Annotated[Scope, scope_with_roles(Role.MEMBER, Role.OPERATOR, Role.EMPLOYER)]
MemberScope = Annotated[Scope, scope_with_roles(Role.MEMBER)]


def check_visible(contract: Mapping[str, Any] | None, scope: Scope) -> Mapping[str, Any]:
    """The contract if the caller may see it; 404 otherwise (never 403: ids are not disclosed)."""
    if contract is None or not scope.sees(contract):
        raise NotFound("contrat")
    return contract
