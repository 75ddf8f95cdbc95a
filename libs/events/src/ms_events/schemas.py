"""Publish the catalogue for integrators (JSON Schema per event + one AsyncAPI document)
and check that a change to a published schema is additive only.

    python -m ms_events.schemas write    # refresh libs/events/schemas/
    python -m ms_events.schemas check    # fail on an incompatible change
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ms_events.catalogue import Event, registered, schema_url, topics
from ms_events.envelope import Envelope

PUBLISHED_DIR = Path(__file__).resolve().parents[2] / "schemas"


def json_schema(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="serialization")
    schema["$id"] = schema_url(cls)
    schema["title"] = cls.meta().type
    schema["description"] = cls.meta().summary
    return schema


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, cls in sorted(registered().items()):
        meta = cls.meta()
        messages[name] = {
            "name": name,
            "summary": meta.summary,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {"ce_type": {"const": name}}},
            "payload": {"$ref": f"./{name}.v{meta.version}.json"},
            "x-partition-key": meta.key_field,
        }
        channels.setdefault(meta.topic, {"address": meta.topic, "messages": {}})
        channels[meta.topic]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Member space domain events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 envelopes (structured JSON) on Apache Kafka; key = aggregate id. "
            "Dead letters go to <topic>.dlq. Envelope schema: envelope.json.",
        },
        "channels": dict(sorted(channels.items())),
        "components": {"messages": messages},
    }


def write(directory: Path = PUBLISHED_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, cls in registered().items():
        _dump(directory / f"{name}.v{cls.meta().version}.json", json_schema(cls))
    _dump(directory / "envelope.json", Envelope.model_json_schema())
    _dump(directory / "asyncapi.json", asyncapi())


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _props(schema: dict[str, Any]) -> dict[str, Any]:
    return schema.get("properties", {})


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` would break a consumer or producer written against ``old``."""
    found = []
    old_props, new_props = _props(old), _props(new)
    for field, spec in old_props.items():
        if field not in new_props:
            found.append(f"field '{field}' removed")
        elif _type_of(spec) != _type_of(new_props[field]):
            found.append(f"field '{field}' changed type {_type_of(spec)} -> {_type_of(new_props[field])}")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for field in sorted(added_required):
        found.append(f"field '{field}' became required")
    return found


def _type_of(spec: dict[str, Any]) -> Any:
    if "anyOf" in spec:
        return sorted(json.dumps(_type_of(s), sort_keys=True) for s in spec["anyOf"])
    return (spec.get("type"), spec.get("format"), spec.get("$ref"))


def check(directory: Path = PUBLISHED_DIR) -> list[str]:
    errors = []
    for name, cls in registered().items():
        path = directory / f"{name}.v{cls.meta().version}.json"
        if not path.exists():
            errors.append(f"{name}: no published schema {path.name} (run python -m ms_events.schemas write)")
            continue
        for problem in incompatibilities(json.loads(path.read_text()), json_schema(cls)):
            errors.append(f"{name} v{cls.meta().version}: {problem}; publish a new version instead")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args()
    if args.command == "write":
        write()
        print(f"wrote {len(registered())} event schemas and asyncapi.json for {len(topics())} topics")
        return
    errors = check()
    print("\n".join(errors) or "published schemas are compatible")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
