"""Signing secrets stored sealed: ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256), keys
from ``WEBHOOKS_SECRET_KEYS``. A copy of the database is not enough to sign a webhook.

Several keys rotate (``MultiFernet``): the first seals, every one opens. To rotate, put a new
key in front, restart, and every secret is sealed again with it at its next rotation (or
re-seal them all: ``SecretBox.reseal``); remove the old key once nothing uses it.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    def __init__(self, hex_keys: list[str]) -> None:
        if not hex_keys:
            raise ValueError("no sealing key")
        fernets = []
        for key in hex_keys:
            raw = bytes.fromhex(key)
            if len(raw) != 32:
                raise ValueError("a sealing key is 64 hex digits (32 bytes)")
            fernets.append(Fernet(base64.urlsafe_b64encode(raw)))
        self._box = MultiFernet(fernets)

    def seal(self, secret: str) -> str:
        return self._box.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._box.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("sealed with a key this process does not have") from exc

    def reseal(self, sealed: str) -> str:
        """The same secret sealed with the current (first) key."""
        return self._box.rotate(sealed.encode()).decode()
