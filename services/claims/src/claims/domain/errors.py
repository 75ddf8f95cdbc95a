"""Claims's domain errors; the platform maps each kind to its problem+json answer."""

from __future__ import annotations

from ms_platform.errors import InvalidInput


class InvalidField(InvalidInput):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, field=field)

