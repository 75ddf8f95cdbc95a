"""POST /internal/v1/service-tokens: a short-lived token for one service to call another (ADR 0007).

The OAuth 2.0 client-credentials grant: the calling service authenticates with HTTP Basic
(its name and its secret), names the service it will call, and gets a JWT for that audience
with the role ``service``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from identity.adapters.service_clients import ServiceClients
from identity.adapters.tokens import SERVICE_TOKEN_TTL_S
from identity.entrypoints.deps import ServicesDep
from identity.entrypoints.schemas import Strict
from ms_platform.problems import Problem, Unauthorized

log = structlog.get_logger()

router = APIRouter(prefix="/internal/v1", tags=["internal"])

_basic = HTTPBasic(auto_error=False, realm="memberspace-services")


class ServiceTokenRequest(Strict):
    audience: str


class ServiceToken(Strict):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


@router.post("/service-tokens", response_model=ServiceToken)
async def issue_service_token(
    body: ServiceTokenRequest, request: Request, svc: ServicesDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> ServiceToken:
    """A token for the calling service to call ``audience``, valid a few minutes."""
    clients: ServiceClients = request.app.state.service_clients
    if credentials is None or not clients.authenticate(credentials.username, credentials.password):
        log.warning("service_token.refused", client_id=credentials.username if credentials else None)
        raise Unauthorized("Identifiants de service invalides.")
    audiences = request.app.state.settings.token_audiences
    if body.audience not in audiences:
        raise Problem(422, "unknown-audience", "Unknown audience", "Service inconnu.", field="audience")
    token = svc.issuer.service_token(body.audience, caller=credentials.username)
    log.info("service_token.issued", client_id=credentials.username, audience=body.audience)
    return ServiceToken(access_token=token, expires_in=SERVICE_TOKEN_TTL_S)
