"""The caller's scope from its token: FastAPI dependencies over contracts.app.scope.

The rule itself (who sees which contract) is ``contracts.app.scope``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request

from contracts.app.scope import Scope, check_visible
from ms_platform.auth import Principal, Role, current_principal
from ms_platform.problems import Forbidden

__all__ = ["MemberScope", "ReaderScope", "Scope", "ScopeDep", "check_visible", "current_scope", "scope_of"]


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
