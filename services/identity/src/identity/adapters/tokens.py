"""Signing keys (ES256, one ``kid`` per key file), access tokens and the public JWKS."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ms_platform.auth import SERVICE_SUBJECT_PREFIX, Role
from ms_platform.service_tokens import CachedServiceTokens

SERVICE_TOKEN_TTL_S = 300


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: EllipticCurvePrivateKey


class KeyRing:
    """Every key in the directory is published; the newest (by file name) signs.

    Rotation without downtime: add a new key file and restart identity; tokens signed by
    the previous key stay valid until they expire, because its public half stays published
    until its file is removed.
    """

    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise ValueError("no signing key")
        self._keys = sorted(keys, key=lambda k: k.kid)

    @classmethod
    def from_directory(cls, directory: Path) -> "KeyRing":
        keys = []
        for path in sorted(directory.glob("*.pem")):
            key = load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, EllipticCurvePrivateKey):
                raise ValueError(f"{path.name}: only EC P-256 keys are supported")
            keys.append(SigningKey(path.stem, key))
        return cls(keys)

    @property
    def current(self) -> SigningKey:
        return self._keys[-1]

    def public_keys(self) -> dict[str, Any]:
        return {k.kid: k.private_key.public_key() for k in self._keys}

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key in self._keys:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.private_key.public_key()))
            keys.append({**jwk, "kid": key.kid, "use": "sig", "alg": "ES256"})
        return {"keys": keys}


class TokenIssuer:
    def __init__(self, keyring: KeyRing, issuer: str, audiences: tuple[str, ...], ttl_s: int) -> None:
        self._keyring = keyring
        self._issuer = issuer
        self._audiences = list(audiences)
        self.ttl_s = ttl_s

    def access_token(self, subject: str, roles: list[str], session_id: str, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self._issuer, "sub": subject, "aud": self._audiences, "iat": now,
            "nbf": now, "exp": now + self.ttl_s, "jti": uuid.uuid4().hex, "sid": session_id,
            "roles": roles, **claims,
        }
        return self._sign(payload)

    def service_token(self, audience: str, ttl_s: int = SERVICE_TOKEN_TTL_S, caller: str = "identity") -> str:
        """A token for ``caller`` to call ``audience`` (ADR 0007): no session, role service."""
        now = int(time.time())
        return self._sign({
            "iss": self._issuer, "sub": SERVICE_SUBJECT_PREFIX + caller, "aud": audience, "iat": now,
            "exp": now + ttl_s, "jti": uuid.uuid4().hex, "roles": [Role.SERVICE],
        })

    def _sign(self, payload: dict[str, Any]) -> str:
        key = self._keyring.current
        return jwt.encode(payload, key.private_key, algorithm="ES256", headers={"kid": key.kid})


class LocalServiceTokens(CachedServiceTokens):
    """Identity's own service tokens, signed here rather than asked for over HTTP."""

    def __init__(self, issuer: TokenIssuer) -> None:
        super().__init__()
        self._issuer = issuer

    async def _mint(self, audience: str) -> tuple[str, float]:
        return self._issuer.service_token(audience), SERVICE_TOKEN_TTL_S
