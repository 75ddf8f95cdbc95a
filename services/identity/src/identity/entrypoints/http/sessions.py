"""Sign-in, second factor, refresh and sign-out (ID-6, ID-9), and the keys other services verify with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from identity.app import sessions
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep

router = APIRouter()


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    identifier: Annotated[str, Field(min_length=1, max_length=254, description="email or member number")]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class SessionResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class SecondFactorRequired(BaseModel):
    second_factor_required: bool
    challenge_token: str
    method: str
    expires_in: int


@router.post("/v1/sessions", status_code=201, tags=["sessions"],
             responses={201: {"model": SessionResponse}, 202: {"model": SecondFactorRequired},
                        401: {"description": "Wrong identifier or password (the same answer for both)"}})
async def sign_in(body: SignInRequest, request: Request, svc: ServicesDep, ip: ClientIp) -> Response:
    """Sign in with email or member number and password (ID-6); 202 when a second factor is needed (ID-9)."""
    answer = await sessions.sign_in(svc, body.identifier, body.password, ip, request.headers.get("user-agent"))
    return JSONResponse(answer, status_code=202 if answer.get("second_factor_required") else 201)


class SecondFactorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    challenge_token: Annotated[str, Field(min_length=10, max_length=200)]
    code: Annotated[str, Field(min_length=6, max_length=20)]


@router.post("/v1/sessions/second-factor", status_code=201, response_model=SessionResponse, tags=["sessions"],
             responses={401: {"description": "Wrong or expired code, or an unknown challenge"}})
async def second_factor(body: SecondFactorRequest, svc: ServicesDep, ip: ClientIp) -> dict:
    """Complete a sign-in with a TOTP, SMS or recovery code."""
    return await sessions.complete_second_factor(svc, body.challenge_token, body.code, ip)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: Annotated[str, Field(min_length=10, max_length=200)]


@router.post("/v1/sessions/refresh", response_model=SessionResponse, tags=["sessions"],
             responses={401: {"description": "Unknown, expired or reused refresh token (a reuse ends the session)"}})
async def refresh(body: RefreshRequest, svc: ServicesDep, ip: ClientIp) -> dict:
    """A new token pair; the refresh token used is spent (reusing it ends the session everywhere)."""
    return await sessions.refresh(svc, body.refresh_token, ip)


@router.delete("/v1/sessions/current", status_code=204, tags=["sessions"])
async def sign_out(me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Sign out: the session ends and its tokens are refused by every service."""
    await sessions.sign_out(svc, me.id, me.session_id, ip)
    return Response(status_code=204)


@router.get("/.well-known/revoked-sessions", tags=["keys"])
async def revoked_sessions(svc: ServicesDep, since: datetime | None = None) -> dict:
    """Sessions ended before their access tokens expire, for every service's token check."""
    floor = datetime.now(UTC) - timedelta(seconds=svc.issuer.ttl_s + 60)
    return await sessions.revoked_sessions(svc, max(since, floor) if since and since.tzinfo else floor)


@router.get("/.well-known/jwks.json", tags=["keys"])
async def jwks(request: Request, response: Response) -> dict:
    """Public keys that verify identity's tokens."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return request.app.state.keyring.jwks()
