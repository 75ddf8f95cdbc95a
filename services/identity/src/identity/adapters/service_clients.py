"""The services that may ask identity for service tokens, each known by its secret's SHA-256."""

from __future__ import annotations

import hashlib
import hmac

from ms_platform.settings import development_service_secret


def secret_digest(secret: str) -> str:
    """What identity keeps of a service secret (secrets are 256 random bits: no slow hash needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ServiceClients:
    def __init__(self, digests: dict[str, str]) -> None:
        self._digests = {name: digest.lower() for name, digest in digests.items()}

    @classmethod
    def development(cls, services: tuple[str, ...]) -> "ServiceClients":
        """Every service with its documented development secret (local/test only)."""
        return cls({name: secret_digest(development_service_secret(name)) for name in services})

    def authenticate(self, client_id: str, secret: str) -> bool:
        """Whether ``secret`` is ``client_id``'s (in constant time, known or not)."""
        expected = self._digests.get(client_id, "0" * 64)
        return hmac.compare_digest(expected, secret_digest(secret)) and client_id in self._digests
