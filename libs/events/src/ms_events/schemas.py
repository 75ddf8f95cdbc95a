"""Publish the catalogue for integrators (JSON Schema per event + one AsyncAPI document)
and check that a change to a published schema is additive only.

    python -m ms_events.schemas write    # refresh libs/events/schemas/
    python -m ms_events.schemas check    # fail on a change incompatible with the released snapshots,
                                         # or published documents out of date
    python -m ms_events.schemas release  # snapshot the current versions as released (with a release)
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
# One snapshot per event version as integrators last received it: changes are checked against
# these, not against the working tree (which `write` has just made agree with the code).
RELEASED_DIR = PUBLISHED_DIR / "released"


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


def released_path(cls: type[Event], directory: Path = RELEASED_DIR) -> Path:
    return directory / f"{cls.meta().type}.v{cls.meta().version}.json"


def release(directory: Path = RELEASED_DIR) -> list[str]:
    """Snapshot every event version's schema as released (after check passes); returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cls in sorted(registered().items()):
        path = released_path(cls, directory)
        schema = json_schema(cls)
        if not path.exists() or json.loads(path.read_text()) != schema:
            _dump(path, schema)
            written.append(path.name)
    return written


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` would break a consumer written against ``old``, at any depth.

    Removing a field, changing its type, making a field required or no longer required,
    narrowing an enum or changing a constant is incompatible; adding an optional field or an
    enum value is not (consumers ignore what they do not know).
    """
    found: list[str] = []
    _compare(_Resolver(old), old, _Resolver(new), new, "", found, set())
    return found


class _Resolver:
    """Follows local ``$ref``s (``#/$defs/...``) of one schema document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = set()
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/") and node["$ref"] not in seen:
            seen.add(node["$ref"])
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node


def _where(path: str) -> str:
    return f"field '{path}'" if path else "the event"


def _compare(ro: _Resolver, old: dict, rn: _Resolver, new: dict, path: str, found: list[str],
             visiting: set[tuple[int, int]]) -> None:
    old, new = ro.resolve(old), rn.resolve(new)
    if (id(old), id(new)) in visiting:
        return
    visiting = visiting | {(id(old), id(new))}
    if _type_of(old) != _type_of(new):
        found.append(f"{_where(path)} changed type {_type_of(old)} -> {_type_of(new)}")
        return
    _compare_values(old, new, path, found)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, spec in old_props.items():
        child = f"{path}.{name}" if path else name
        if name not in new_props:
            found.append(f"field '{child}' removed")
        else:
            _compare(ro, spec, rn, new_props[name], child, found, visiting)
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        found.append(f"field '{f'{path}.{name}' if path else name}' became required")
    for name in sorted((old_required - new_required) & set(new_props)):
        found.append(f"field '{f'{path}.{name}' if path else name}' is no longer required")
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        _compare(ro, old["items"], rn, new["items"], f"{path}[]", found, visiting)
    for key in ("anyOf", "oneOf"):
        for old_branch, new_branch in zip(old.get(key, []), new.get(key, [])):
            _compare(ro, old_branch, rn, new_branch, path, found, visiting)


def _compare_values(old: dict, new: dict, path: str, found: list[str]) -> None:
    if "enum" in old:
        dropped = [v for v in old["enum"] if v not in new.get("enum", old["enum"])]
        if dropped:
            found.append(f"{_where(path)} enum narrowed: {', '.join(map(str, dropped))} no longer allowed")
    if "const" in old and new.get("const", old["const"]) != old["const"]:
        found.append(f"{_where(path)} constant changed {old['const']!r} -> {new.get('const')!r}")


def _type_of(spec: dict[str, Any]) -> Any:
    for key in ("anyOf", "oneOf"):
        if key in spec:
            return sorted(json.dumps(_type_of(s), sort_keys=True) for s in spec[key])
    kind = spec.get("type")
    if kind is None and ("enum" in spec or "const" in spec):
        values = spec.get("enum", [spec.get("const")])
        kind = sorted({type(v).__name__ for v in values})
    return (kind, spec.get("format"))


def check(published: Path = PUBLISHED_DIR, released: Path = RELEASED_DIR) -> list[str]:
    """The catalogue against the released snapshots (compatibility) and the published documents (up to date)."""
    errors = []
    for name, cls in sorted(registered().items()):
        schema = json_schema(cls)
        snapshot = released_path(cls, released)
        if snapshot.exists():
            for problem in incompatibilities(json.loads(snapshot.read_text()), schema):
                errors.append(f"{name} v{cls.meta().version}: {problem}; publish a new version instead")
        current = published / f"{name}.v{cls.meta().version}.json"
        if not current.exists() or json.loads(current.read_text()) != schema:
            errors.append(f"{name}: {current.name} is not what the catalogue says (run python -m ms_events.schemas write)")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write", "check", "release"])
    args = parser.parse_args()
    if args.command == "write":
        write()
        print(f"wrote {len(registered())} event schemas and asyncapi.json for {len(topics())} topics")
        return
    if args.command == "release":
        errors = check()
        if errors:
            print("\n".join(errors))
            sys.exit(1)
        written = release()
        print(f"released {len(written)} schema(s)" + "".join(f"\n  {n}" for n in written))
        return
    errors = check()
    print("\n".join(errors) or "published schemas are compatible")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
