"""Secrets stored encrypted (AES-256-GCM from ``cryptography``), with a key id for rotation.

Stored form: ``v1:<key id>:<base64(nonce | ciphertext)>``. The first configured key seals;
every configured key opens, so a new key is added in front and the old one stays until
every value was written again. TOTP secrets are the first user: a copy of the database
must not be enough to produce a member's codes.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"


class SecretBox:
    def __init__(self, keys: dict[str, bytes]) -> None:
        if not keys:
            raise ValueError("no encryption key")
        for kid, key in keys.items():
            if len(key) != 32 or ":" in kid:
                raise ValueError(f"key {kid!r}: 32 bytes and a key id without ':' are required")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = next(iter(keys))

    @classmethod
    def from_setting(cls, value: str) -> "SecretBox":
        """``kid:base64key[,kid:base64key...]``, the first one sealing."""
        keys = {}
        for item in value.split(","):
            kid, _, encoded = item.strip().partition(":")
            keys[kid] = base64.b64decode(encoded)
        return cls(keys)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), self._current.encode())
        return f"{PREFIX}:{self._current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        prefix, kid, encoded = stored.split(":", 2)
        if prefix != PREFIX or kid not in self._keys:
            raise ValueError("sealed with an unknown format or key")
        raw = base64.b64decode(encoded)
        return self._keys[kid].decrypt(raw[:12], raw[12:], kid.encode()).decode()
