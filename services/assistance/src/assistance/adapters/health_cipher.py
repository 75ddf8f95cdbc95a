"""Field-level encryption of health data (AS-10, PL-4): AES-256-GCM from the maintained
`cryptography` library, a key id in every value for rotation, keys from settings.

A sealed value reads ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The associated data
binds it to its row and column (a value copied to another request does not open). The first key
seals; every key opens, so a new key is added first and old values stay readable until re-sealed
(``reseal``). Fingerprints (HMAC-SHA256 under a key derived with HKDF from each key) let a query
find "the same event" without reading it; one per key, so a rotation finds the old ones too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1"


class UnreadableHealthData(RuntimeError):
    """A sealed value that no configured key opens (a key removed too early, or tampering)."""


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _key_bytes(material: str) -> bytes:
    if len(material) == 64 and all(c in "0123456789abcdefABCDEF" for c in material):
        return bytes.fromhex(material)
    try:
        return base64.b64decode(material, validate=True)
    except ValueError as exc:
        raise ValueError("a health data key is 64 hex digits or base64") from exc


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """``kid:key,kid:key`` or bare ``key`` entries, each key 32 bytes as 64 hex digits or in base64
    (the platform's keyring format, as identity's TOTP keys); a bare key's id is the first 8 hex
    digits of its SHA-256. The first seals."""
    keys: list[tuple[str, bytes]] = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        kid, sep, material = entry.rpartition(":")
        key = _key_bytes(material if sep else entry)
        if len(key) != 32:
            raise ValueError("each health data key is 32 bytes (64 hex digits, or base64)")
        kid = kid if sep else key_id_of(key)
        if not kid.isalnum() or any(kid == k for k, _ in keys):
            raise ValueError(f"key id {kid!r} must be alphanumeric and unique")
        keys.append((kid, key))
    if not keys:
        raise ValueError("at least one health data key is needed")
    return keys


@dataclass(frozen=True)
class HealthCipher:
    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_text(cls, text: str) -> "HealthCipher":
        return cls(tuple(parse_keys(text)))

    @property
    def current_key_id(self) -> str:
        return self.keys[0][0]

    def seal(self, value: Any, context: str) -> str:
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = AESGCM(key).encrypt(nonce, plain, f"{kid}|{context}".encode())
        return f"{PREFIX}.{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, context: str) -> Any:
        try:
            prefix, kid, data = token.split(".", 2)
            raw = base64.urlsafe_b64decode(data)
        except ValueError as exc:
            raise UnreadableHealthData("malformed sealed value") from exc
        key = dict(self.keys).get(kid)
        if prefix != PREFIX or key is None:
            raise UnreadableHealthData(f"no key {kid!r} configured")
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], f"{kid}|{context}".encode())
        except InvalidTag as exc:
            raise UnreadableHealthData("sealed value does not open in this context") from exc
        return json.loads(plain)

    def key_id(self, token: str) -> str:
        return token.split(".", 2)[1]

    def fingerprints(self, text: str) -> list[str]:
        """One fingerprint per key, the sealing key's first."""
        return [f"{kid}.{hmac.new(mac_key, text.encode(), hashlib.sha256).hexdigest()}"
                for kid, mac_key in self._mac_keys]

    @cached_property
    def _mac_keys(self) -> tuple[tuple[str, bytes], ...]:
        """The fingerprint keys, derived once per cipher (HKDF from each health data key)."""
        return tuple((kid, HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                info=b"assistance-fingerprint").derive(key)) for kid, key in self.keys)
