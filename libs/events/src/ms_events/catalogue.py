"""The event catalogue: every domain event integrators can subscribe to.

Each event is a pydantic model registered with its type, topic and key field. Changes
within a version are additive only (new optional fields); anything else is a new version
on a new topic. ``ms_events.schemas`` publishes the catalogue as JSON Schema + AsyncAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

# Where the published documents (libs/events/schemas/*.json) are served: the production API
# host (deploy/platform.toml, [environments.production] api_host), whose gateway serves that
# directory under /schemas/ (every gateway does: the local stack's at http://127.0.0.1:8080/schemas/).
# Each event schema's $id and each envelope's dataschema is a URL here that answers.
SCHEMA_BASE = "https://api.memberspace.example/schemas/"


@dataclass(frozen=True)
class EventMeta:
    type: str
    topic: str
    source: str
    key_field: str
    version: int
    summary: str
    tells_a_person: bool


class Event(BaseModel):
    """Base of every catalogue event. Unknown fields from newer producers are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    __meta__: ClassVar[EventMeta]

    @classmethod
    def meta(cls) -> EventMeta:
        return cls.__meta__

    def key(self) -> str:
        return str(getattr(self, self.meta().key_field))


CATALOGUE: dict[str, type[Event]] = {}
E = TypeVar("E", bound=type[Event])


def event(
    *,
    topic: str,
    key: str,
    summary: str,
    version: int = 1,
    tells_a_person: bool = False,
) -> Callable[[E], E]:
    """Register an event class in the catalogue under its class name."""

    def register(cls: E) -> E:
        name = cls.__name__
        if name in CATALOGUE:
            raise ValueError(f"event {name} registered twice")
        source = topic.split(".", 1)[0]
        cls.__meta__ = EventMeta(name, topic, source, key, version, summary, tells_a_person)
        CATALOGUE[name] = cls
        return cls

    return register


def schema_file(cls: type[Event]) -> str:
    """The event version's published JSON Schema, a file of libs/events/schemas/."""
    return f"{cls.meta().type}.v{cls.meta().version}.json"


def schema_url(cls: type[Event]) -> str:
    """The schema's ``$id`` and the envelopes' ``dataschema``: where the gateway serves it."""
    return f"{SCHEMA_BASE}{schema_file(cls)}"


def registered() -> dict[str, type[Event]]:
    """Every event of every context: reading the catalogue loads it (``ms_events.events``), so
    no reader depends on someone having imported the event modules first."""
    import ms_events.events  # noqa: F401  (each context's module registers its events)

    return CATALOGUE


def topics() -> list[str]:
    return sorted({cls.meta().topic for cls in registered().values()})


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def model_for(event_type: str) -> type[Event] | None:
    return registered().get(event_type)
