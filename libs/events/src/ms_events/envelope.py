"""CloudEvents 1.0 envelope (structured JSON mode) carrying a catalogue event as ``data``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ms_events.catalogue import Event, schema_url

SPECVERSION = "1.0"


class MalformedEvent(ValueError):
    """The bytes on the topic are not an envelope this platform can read."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    id: uuid.UUID
    source: str
    type: str
    specversion: Literal["1.0"] = SPECVERSION
    time: datetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    traceparent: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def wrap(
        cls, event: Event, *, traceparent: str | None = None, event_id: uuid.UUID | None = None
    ) -> "Envelope":
        return cls(
            id=event_id or uuid.uuid4(),
            source=f"/{event.meta().source}",
            type=event.meta().type,
            time=datetime.now(UTC),
            subject=event.key(),
            dataschema=schema_url(type(event)),
            traceparent=traceparent,
            data=event.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes | None) -> "Envelope":
        if not raw:
            raise MalformedEvent("empty message")
        try:
            return cls.model_validate_json(raw)
        except ValueError as exc:
            raise MalformedEvent(f"not a CloudEvents envelope: {exc.__class__.__name__}") from exc
