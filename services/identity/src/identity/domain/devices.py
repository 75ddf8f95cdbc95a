"""A short, non-identifying description of the browser or app (for NewDeviceSignedIn). No I/O."""

from __future__ import annotations

import hashlib
import re

_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux")]


def describe(user_agent: str | None) -> str:
    ua = user_agent or ""
    browser = next((name for key, name in _BROWSERS if key in ua), None)
    system = next((name for key, name in _SYSTEMS if key in ua), None)
    if browser and system:
        return f"{browser} sur {system}"
    if browser or system:
        return browser or system  # type: ignore[return-value]
    return re.split(r"[/\s]", ua, maxsplit=1)[0][:40] or "Appareil inconnu"


def fingerprint(account_id: str, user_agent: str | None) -> bytes:
    """The same browser on the same account gives the same value; nothing is stored in clear."""
    return hashlib.sha256(f"{account_id}|{describe(user_agent)}|{user_agent or ''}".encode()).digest()
