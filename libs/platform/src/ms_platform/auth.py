"""Access-token verification against identity's JWKS, and role dependencies.

Every service verifies tokens itself: signature (asymmetric, ``kid`` required), ``aud``,
``iss``, ``exp``. Revocation before expiry (sign-out) is checked by identity's own
routes; other services rely on the short token lifetime.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterable

import httpx
import jwt
import structlog
from fastapi import Depends, Request

from ms_platform.problems import Forbidden, ServiceUnavailable, Unauthorized

log = structlog.get_logger()

ALLOWED_ALGORITHMS = ["ES256", "EdDSA", "RS256"]


class Role:
    MEMBER = "member"
    EMPLOYER = "employer"
    BROKER = "broker"
    AGENT = "agent"
    OPERATOR = "operator"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the token's subject and roles."""

    subject: str
    roles: frozenset[str]
    token_id: str
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles.intersection(roles))


class TokenVerifier:
    """Verifies JWTs with keys fetched from a JWKS URL, refetched on an unknown ``kid``."""

    def __init__(
        self,
        jwks_url: str,
        audience: str,
        issuer: str,
        *,
        refresh_interval_s: float = 300.0,
        min_refetch_interval_s: float = 5.0,
        timeout_s: float = 2.0,
        keys: dict[str, Any] | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self._jwks_url = jwks_url
        self._audience = audience
        self._issuer = issuer
        self._keys: dict[str, Any] = dict(keys or {})
        self._fetched_at = time.monotonic() if keys else 0.0
        self._refresh_interval_s = refresh_interval_s
        self._min_refetch_interval_s = min_refetch_interval_s
        self._timeout_s = timeout_s
        self._lock = asyncio.Lock()
        # Tokens already verified, until they expire: a client sends the same token on
        # every call for 15 minutes, and a signature check costs more than the request.
        self._verified: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size

    async def _refresh(self, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age < self._min_refetch_interval_s or (not force and age < self._refresh_interval_s):
                return
            try:
                async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                    response = await client.get(self._jwks_url)
                    response.raise_for_status()
                    jwks = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("auth.jwks_fetch_failed", error=type(exc).__name__)
                if not self._keys:
                    raise ServiceUnavailable("identity-jwks") from exc
                return
            keys = {}
            for jwk in jwks.get("keys", []):
                if jwk.get("kid") and jwk.get("use", "sig") == "sig":
                    keys[jwk["kid"]] = jwt.PyJWK.from_dict(jwk).key
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> Any:
        await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("Jeton signé par une clé inconnue.")
        return key

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if cached.claims["exp"] > time.time():
                return cached
            del self._verified[token]
        principal = await self._verify_signature_and_claims(token)
        self._verified[token] = principal
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify_signature_and_claims(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("Jeton invalide.") from exc
        kid = header.get("kid")
        if not kid or header.get("alg") not in ALLOWED_ALGORITHMS:
            raise Unauthorized("Jeton invalide.")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[header["alg"]],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Votre session a expiré. Veuillez vous reconnecter.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Jeton invalide.") from exc
        roles = claims.get("roles") or []
        if not isinstance(roles, list):
            raise Unauthorized("Jeton invalide.")
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(str(r) for r in roles),
            token_id=str(claims["jti"]),
            claims=claims,
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(bearer_token(request))
    structlog.contextvars.bind_contextvars(subject=principal.subject)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """A dependency that lets through only principals holding one of ``roles``."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(roles):
            raise Forbidden()
        return principal

    return Depends(dependency)
