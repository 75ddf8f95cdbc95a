"""The event catalogue: every domain event, public or private.

Each event is a pydantic model registered with its type, topic and key field. Changes
within a version are additive only (new optional fields); anything else is a new version.
A version that is no longer published is recorded as retired (``retire``), never silently
dropped: ``python -m ms_events.schemas check`` compares the catalogue with the released
snapshots and knows which versions were retired, when, why and what replaces them.

Public topics are what integrators may read (``public_topics``): ``ms_events.schemas``
publishes their events as JSON Schema + AsyncAPI, served by the gateway under /schemas/.
Private topics (``private_topic``, named ``<context>.secret.v<N>``) carry single-use
secrets (confirmation and reset tokens, one-time codes) from a context to the few services
declared as their readers (``private_readers``); their events are registered with
``private=True``, are documented only internally (libs/events/schemas/internal/) and are
never readable by an integrator or delivered by a webhook. A public event may not carry a
secret: a field marked ``secret(...)``, or whose name reads as one (``looks_secret``), is
refused at registration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# Where the published documents (libs/events/schemas/*.json) are served: the production API
# host (deploy/platform.toml, [environments.production] api_host), whose gateway serves that
# directory under /schemas/ (every gateway does: the local stack's at http://127.0.0.1:8080/schemas/).
# Each event schema's $id and each envelope's dataschema is a URL here that answers.
SCHEMA_BASE = "https://api.memberspace.example/schemas/"
# Private events' schemas are not served anywhere: their $id names them without a location.
INTERNAL_SCHEMA_BASE = "urn:memberspace:internal-schemas:"
# The JSON Schema keyword ``secret()`` sets on a field.
SECRET_KEYWORD = "x-secret"
# A field name reads as a secret when one of its words is one of these, or when it is "code".
SECRET_WORDS = frozenset({"token", "secret", "password", "passcode", "otp"})
PRIVATE_TOPIC = re.compile(r"^[a-z][a-z0-9-]*\.secret\.v[0-9]+$")


@dataclass(frozen=True)
class EventMeta:
    type: str
    topic: str
    source: str
    key_field: str
    version: int
    summary: str
    tells_a_person: bool
    private: bool = False


@dataclass(frozen=True)
class PrivateTopic:
    """A topic only its publisher and ``readers`` may use (Kafka ACLs, deploy declarations)."""

    name: str
    source: str
    readers: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Retired:
    """An event version that was released and is no longer published.

    Its released snapshot stays in libs/events/schemas/released/ and, for a public one, its
    schema stays served (records already on the topic keep naming it as their dataschema).
    """

    type: str
    version: int
    topic: str
    retired_on: str  # ISO date
    reason: str
    instead: str  # what to use instead (or why nothing replaces it)


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
PRIVATE_TOPICS: dict[str, PrivateTopic] = {}
RETIRED: list[Retired] = []
E = TypeVar("E", bound=type[Event])


def secret(description: str, **kwargs: Any) -> Any:
    """A field that holds a secret (token, one-time code): allowed on private events only."""
    return Field(description=description, json_schema_extra={SECRET_KEYWORD: True}, **kwargs)


def looks_secret(field_name: str) -> bool:
    """Whether a field's name reads as a secret (``reset_token``, ``code``, ``password``...)."""
    words = field_name.lower().split("_")
    return field_name.lower() == "code" or any(word in SECRET_WORDS for word in words)


def secret_fields(cls: type[BaseModel]) -> list[str]:
    """Every field of the event, at any depth, marked ``secret()`` or named like a secret (unless
    explicitly marked as none: ``Field(json_schema_extra={"x-secret": False})``, e.g. a
    ``password_changed_at``)."""
    schema = cls.model_json_schema(mode="serialization")
    found: list[str] = []

    def walk(node: Any, path: str, seen: frozenset[str]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
                walk(schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {}), path, seen | {ref})
            for name, spec in (node.get("properties") or {}).items():
                where = f"{path}.{name}" if path else name
                marked = spec.get(SECRET_KEYWORD) if isinstance(spec, dict) else None
                if marked or (marked is None and looks_secret(name)):
                    found.append(where)
                walk(spec, where, seen)
            for key in ("anyOf", "oneOf", "allOf"):
                for branch in node.get(key, []):
                    walk(branch, path, seen)
            if isinstance(node.get("items"), dict):
                walk(node["items"], f"{path}[]", seen)

    walk(schema, "", frozenset())
    return sorted(set(found))


def _refuse_secrets(name: str, topic: str, cls: type[BaseModel]) -> None:
    secrets = secret_fields(cls)
    if secrets:
        raise ValueError(f"{name} is on the public topic {topic} but carries secret field(s) "
                         f"{', '.join(secrets)}: put it on a private topic")


def private_topic(name: str, *, readers: Iterable[str], summary: str) -> str:
    """Declare a private topic, named ``<context>.secret.v<N>``, and the only services that may
    consume it; returns its name for ``@event(topic=..., private=True)``."""
    if not PRIVATE_TOPIC.match(name):
        raise ValueError(f"private topic {name} must be named <context>.secret.v<N>")
    readers = tuple(sorted(set(readers)))
    if not readers:
        raise ValueError(f"private topic {name} needs at least one reader")
    declared = PrivateTopic(name, name.split(".", 1)[0], readers, summary)
    if PRIVATE_TOPICS.get(name, declared) != declared:
        raise ValueError(f"private topic {name} declared twice, differently")
    PRIVATE_TOPICS[name] = declared
    return name


def retire(type: str, *, version: int, topic: str, retired_on: str, reason: str, instead: str) -> Retired:
    """Record that a released event version is no longer published (see ``Retired``)."""
    record = Retired(type, version, topic, retired_on, reason, instead)
    if any((r.type, r.version) == (type, version) for r in RETIRED):
        raise ValueError(f"{type} v{version} retired twice")
    live = CATALOGUE.get(type)
    if live is not None and live.meta().version <= version:
        raise ValueError(f"{type} v{version} cannot be retired: the catalogue publishes v{live.meta().version}")
    RETIRED.append(record)
    return record


def event(
    *,
    topic: str,
    key: str,
    summary: str,
    version: int = 1,
    tells_a_person: bool = False,
    private: bool = False,
) -> Callable[[E], E]:
    """Register an event class in the catalogue under its class name.

    ``private=True`` puts it on a private topic (declared with ``private_topic``); a public
    event may not have a secret field (``secret_fields``).
    """

    def register(cls: E) -> E:
        name = cls.__name__
        if name in CATALOGUE:
            raise ValueError(f"event {name} registered twice")
        source = topic.split(".", 1)[0]
        if private:
            if topic not in PRIVATE_TOPICS:
                raise ValueError(f"{name} is private but {topic} is not declared with private_topic()")
        else:
            if topic in PRIVATE_TOPICS or PRIVATE_TOPIC.match(topic):
                raise ValueError(f"{name} is on the private topic {topic} but not registered with private=True")
            _refuse_secrets(name, topic, cls)
        for record in RETIRED:
            if record.type == name and record.version >= version:
                raise ValueError(f"{name} v{version} reuses a retired version (v{record.version})")
        cls.__meta__ = EventMeta(name, topic, source, key, version, summary, tells_a_person, private)
        CATALOGUE[name] = cls
        return cls

    return register


def schema_file(cls: type[Event]) -> str:
    """The event version's JSON Schema file: libs/events/schemas/ for a public event,
    libs/events/schemas/internal/ for a private one."""
    return f"{cls.meta().type}.v{cls.meta().version}.json"


def schema_url(cls: type[Event]) -> str:
    """The schema's ``$id`` and the envelopes' ``dataschema``: where the gateway serves it for a
    public event; a URN that no server answers for a private one."""
    base = INTERNAL_SCHEMA_BASE if cls.meta().private else SCHEMA_BASE
    return f"{base}{schema_file(cls)}"


def registered() -> dict[str, type[Event]]:
    """Every event of every context: reading the catalogue loads it (``ms_events.events``), so
    no reader depends on someone having imported the event modules first."""
    import ms_events.events  # noqa: F401  (each context's module registers its events)

    return CATALOGUE


def topics() -> list[str]:
    """Every topic an event is published on, public and private."""
    return sorted({cls.meta().topic for cls in registered().values()})


def public_topics() -> list[str]:
    """The topics integrators may read (their ACLs, the AsyncAPI document, webhooks)."""
    return [topic for topic in topics() if not is_private(topic)]


def private_topics() -> list[str]:
    """The topics only their publisher and declared readers may use."""
    return [topic for topic in topics() if is_private(topic)]


def is_private(topic: str) -> bool:
    registered()
    return topic in PRIVATE_TOPICS or bool(PRIVATE_TOPIC.match(topic.removesuffix(".dlq")))


def private_readers(topic: str) -> tuple[str, ...]:
    """The services allowed to consume a private topic (nothing for an unknown one)."""
    registered()
    declared = PRIVATE_TOPICS.get(topic.removesuffix(".dlq"))
    return declared.readers if declared else ()


def may_consume(service: str, topic: str) -> bool:
    """Whether ``service`` may read ``topic``: any service a public topic, only the declared
    readers a private one."""
    return not is_private(topic) or service in private_readers(topic)


def public_events() -> dict[str, type[Event]]:
    return {name: cls for name, cls in registered().items() if not cls.meta().private}


def private_events() -> dict[str, type[Event]]:
    return {name: cls for name, cls in registered().items() if cls.meta().private}


def retired() -> list[Retired]:
    """Every retired event version, in the order recorded."""
    registered()
    return list(RETIRED)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def model_for(event_type: str) -> type[Event] | None:
    return registered().get(event_type)
