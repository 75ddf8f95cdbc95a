"""Who may see which contract: the one read rule every route applies.

- member: the contracts whose holder is the token's ``person_id`` and whose category is in
  its ``categories`` claim (linked accounts add theirs, ID-12);
- operator: every contract;
- employer: their company's group contracts. The registry holds no employer data yet, so an
  employer user sees nothing (empty lists, 404 on ids) until affiliation brings it;
- agents, brokers: nothing yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Mapping

from fastapi import Depends

from ms_platform.auth import CurrentPrincipal, Principal, Role
from ms_platform.problems import NotFound


@dataclass(frozen=True)
class Scope:
    account_id: uuid.UUID | None
    holder_id: uuid.UUID | None
    categories: frozenset[str] | None  # None: every category
    operator: bool = False

    @property
    def sees_nothing(self) -> bool:
        return not self.operator and self.holder_id is None

    def sees(self, contract: Mapping[str, Any]) -> bool:
        if self.operator:
            return True
        if self.holder_id is None or contract["holder_id"] != self.holder_id:
            return False
        return self.categories is None or contract["category"] in self.categories


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def scope_of(principal: Principal) -> Scope:
    account_id = _uuid(principal.subject)
    if Role.OPERATOR in principal.roles:
        return Scope(account_id, None, None, operator=True)
    if Role.MEMBER in principal.roles:
        categories = frozenset(str(c) for c in principal.claims.get("categories") or [])
        return Scope(account_id, _uuid(principal.claims.get("person_id")), categories)
    # Employers (no company data here yet), agents and brokers: nothing.
    return Scope(account_id, None, frozenset())


async def current_scope(principal: CurrentPrincipal) -> Scope:
    return scope_of(principal)


ScopeDep = Annotated[Scope, Depends(current_scope)]


def check_visible(contract: Mapping[str, Any] | None, scope: Scope) -> Mapping[str, Any]:
    """The contract if the caller may see it; 404 otherwise (never 403: ids are not disclosed)."""
    if contract is None or not scope.sees(contract):
        raise NotFound("contrat")
    return contract
