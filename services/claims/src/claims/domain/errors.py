"""Claims's domain errors; the platform maps each kind to its problem+json answer."""

from __future__ import annotations

from ms_platform.errors import Conflict, InvalidInput


class InvalidTitle(InvalidInput):
    code = "invalid-title"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="title")


class TooManyItems(Conflict):
    code = "too-many-items"
