"""Access-token verification against identity's JWKS, and role dependencies.

Every service verifies tokens itself: signature (asymmetric, ``kid`` required), ``aud``,
``iss``, ``exp``. Revocation before expiry (sign-out, password change, refresh-token
reuse, deletion): identity's own routes check the session in their database; every other
service refuses a token whose ``sid`` is in the list of recently ended sessions that
identity publishes next to its JWKS (``/.well-known/revoked-sessions``), fetched again
every ``revocation_refresh_s`` seconds (incrementally). If identity cannot be reached the
last list known is used (a sign-out may then take up to the token's 15 minutes to reach
that service); the failure is logged.
"""

from __future__ import annotations

import asyncio
import time
import uuid
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


def key_algorithm(key: Any) -> str:
    """The one algorithm a verification key is used with: decided by the key, never by a token's header."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    raise ValueError(f"unsupported verification key: {type(key).__name__}")
SERVICE_SUBJECT_PREFIX = "service:"  # subject of the service tokens identity issues (ADR 0007)


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

    @property
    def person_id(self) -> uuid.UUID | None:
        """The member's person in contracts' registry (identity's ``person_id`` claim)."""
        try:
            return uuid.UUID(str(self.claims.get("person_id")))
        except ValueError:
            return None

    @property
    def holder_ids(self) -> list[uuid.UUID]:
        """The persons whose contracts are the member's own: ``person_id`` and those of the accounts
        they linked (``linked_person_ids``, ID-12); never one they are only a beneficiary of."""
        out = [self.person_id] if self.person_id is not None else []
        linked = self.claims.get("linked_person_ids")
        for value in linked if isinstance(linked, list) else []:
            try:
                holder = uuid.UUID(str(value))
            except ValueError:
                continue
            if holder not in out:
                out.append(holder)
        return out

    @property
    def calling_service(self) -> str | None:
        """The calling service's name for a service token (``sub = "service:<name>"``), else None."""
        if Role.SERVICE not in self.roles or not self.subject.startswith(SERVICE_SUBJECT_PREFIX):
            return None
        return self.subject.removeprefix(SERVICE_SUBJECT_PREFIX)


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
        revocations_url: str | None = "derive",
        revocation_refresh_s: float = 2.0,
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
        if revocations_url == "derive":
            suffix = "/.well-known/jwks.json"
            revocations_url = jwks_url[: -len(suffix)] + "/.well-known/revoked-sessions" \
                if jwks_url.endswith(suffix) else None
        self._revocations = RevokedSessions(revocations_url, revocation_refresh_s, timeout_s) \
            if revocations_url else None
        self._client: httpx.AsyncClient | None = None  # the JWKS fetch's, kept

    async def aclose(self) -> None:
        """Close the kept HTTP clients (the app factory's lifespan does, at shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._revocations is not None:
            await self._revocations.aclose()

    async def _refresh(self, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age < self._min_refetch_interval_s or (not force and age < self._refresh_interval_s):
                return
            try:
                if self._client is None:
                    self._client = httpx.AsyncClient(timeout=self._timeout_s)
                response = await self._client.get(self._jwks_url)
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
                    try:
                        keys[jwk["kid"]] = jwt.PyJWK.from_dict(jwk).key
                        key_algorithm(keys[jwk["kid"]])
                    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                        keys.pop(jwk["kid"], None)
                        log.warning("auth.jwks_key_ignored", kid=str(jwk["kid"])[:64])
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
        principal = self._verified.get(token)
        if principal is not None and principal.claims["exp"] <= time.time():
            del self._verified[token]
            principal = None
        if principal is None:
            principal = await self._verify_signature_and_claims(token)
            self._verified[token] = principal
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        if self._revocations is not None and await self._revocations.is_revoked(principal.claims.get("sid")):
            raise Unauthorized("Votre session est terminée. Veuillez vous reconnecter.")
        return principal

    async def _verify_signature_and_claims(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("Jeton invalide.") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or header.get("alg") not in ALLOWED_ALGORITHMS:
            raise Unauthorized("Jeton invalide.")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key=key,
                # The key's own algorithm: a header naming another one (RS256 with an EC key,
                # HS256 with the public key as secret) fails here.
                algorithms=[key_algorithm(key)],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Votre session a expiré. Veuillez vous reconnecter.") from exc
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # Whatever the library raises on a token it cannot use, the caller is not recognised.
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


class RevokedSessions:
    """Session ids ended before their tokens expire, learnt from identity (incremental polling)."""

    def __init__(self, url: str, refresh_s: float, timeout_s: float) -> None:
        self._url = url
        self._refresh_s = refresh_s
        self._timeout_s = timeout_s
        self._revoked: set[str] = set()
        self._cursor: str | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._client_factory = httpx.AsyncClient
        # One client, kept with its connection: a new one every poll cost tens of milliseconds
        # of CPU (its TLS context) every two seconds in every process.
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._client_factory(timeout=self._timeout_s)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def is_revoked(self, sid: Any) -> bool:
        if not sid:
            return False
        if time.monotonic() - self._fetched_at >= self._refresh_s:
            await self._refresh()
        return str(sid) in self._revoked

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._refresh_s:
                return
            params = {"since": self._cursor} if self._cursor else {}
            try:
                response = await self._http().get(self._url, params=params)
                response.raise_for_status()
                body = response.json()
                self._revoked.update(body["revoked"])
                self._cursor = body["cursor"]
                if len(self._revoked) > 200_000:  # tokens live 15 minutes: start again
                    self._revoked.clear()
                    self._cursor = None
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.warning("auth.revocations_fetch_failed", error=type(exc).__name__)
            self._fetched_at = time.monotonic()


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

    dependency.refuses_with_403 = True  # type: ignore[attr-defined]  (read by ms_platform.openapi)
    dependency.roles = tuple(roles)  # type: ignore[attr-defined]  (the document's x-roles)
    return Depends(dependency)


def require_service(*callers: str) -> Any:
    """A dependency for internal routes: a service token, from one of ``callers`` if given.

    ``require_roles(Role.SERVICE)`` lets the same tokens through; this also checks who calls.
    """

    async def dependency(principal: CurrentPrincipal) -> Principal:
        caller = principal.calling_service
        if caller is None or (callers and caller not in callers):
            raise Forbidden()
        structlog.contextvars.bind_contextvars(calling_service=caller)
        return principal

    dependency.refuses_with_403 = True  # type: ignore[attr-defined]  (read by ms_platform.openapi)
    return Depends(dependency)


ServicePrincipal = Annotated[Principal, require_service()]
