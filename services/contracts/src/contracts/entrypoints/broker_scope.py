"""The broker's access from identity's token claims (ADR 0013): a FastAPI dependency.

Only tokens with the ``broker`` role get past ``require_roles`` (others: 403); a broker token
without a firm or with an unknown autonomy level is refused too, so nothing is ever read
without a firm to filter by.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends

from contracts.domain.broker import AUTONOMY_LEVELS, BrokerAccess
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.problems import Forbidden


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _limit(value: Any) -> Decimal | None:
    try:
        limit = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return limit if limit.is_finite() and limit >= 0 else None


def access_of(principal: Principal) -> BrokerAccess | None:
    claims = principal.claims
    firm_id, account_id = _uuid(claims.get("broker_firm_id")), _uuid(principal.subject)
    autonomy = claims.get("broker_autonomy")
    offers = claims.get("broker_offers")
    if firm_id is None or account_id is None or autonomy not in AUTONOMY_LEVELS or not isinstance(offers, list):
        return None
    limit = _limit(claims.get("broker_subscribe_limit_eur")) if autonomy == "subscribe_up_to" else None
    return BrokerAccess(account_id=account_id, firm_id=firm_id, admin=claims.get("broker_role") == "admin",
                        offers=frozenset(str(o) for o in offers), autonomy=autonomy, subscribe_limit_eur=limit)


async def broker_access(principal: Annotated[Principal, require_roles(Role.BROKER)]) -> BrokerAccess:
    access = access_of(principal)
    if access is None:
        raise Forbidden("Votre accès courtier est incomplet : reconnectez-vous.")
    return access


BrokerDep = Annotated[BrokerAccess, Depends(broker_access)]
