"""The published event schemas: up to date with the catalogue, and compatible with what was released."""

import copy
import json
import shutil
from pathlib import Path

from ms_events.catalogue import SCHEMA_BASE, private_events, public_events, retired, schema_file
from ms_events.schemas import (
    RELEASED_DIR, check, incompatibilities, internal_asyncapi, json_schema, released_path, write,
)

OLD = {
    "properties": {
        "account_id": {"type": "string", "format": "uuid"},
        "email": {"type": "string"},
        "kind": {"enum": ["member", "employer", "broker"], "type": "string"},
        "address": {"$ref": "#/$defs/PostalAddress"},
        "children": {"type": "array", "items": {"$ref": "#/$defs/Child"}},
        "phone": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["account_id", "kind", "address"],
    "$defs": {
        "PostalAddress": {"type": "object", "properties": {"line1": {"type": "string"}, "postcode": {"type": "string"}},
                          "required": ["line1", "postcode"]},
        "Child": {"type": "object", "properties": {"birth_date": {"type": "string", "format": "date"}},
                  "required": ["birth_date"]},
    },
}


def _changed(edit) -> dict:
    new = copy.deepcopy(OLD)
    edit(new)
    return new


def test_the_catalogue_matches_the_published_documents_and_the_released_snapshots():
    assert check() == []


def test_adding_an_optional_field_anywhere_or_an_enum_value_is_compatible():
    def edit(new):
        new["properties"]["nickname"] = {"type": "string"}
        new["$defs"]["PostalAddress"]["properties"]["line2"] = {"type": "string"}
        new["properties"]["kind"]["enum"].append("agent")
    assert incompatibilities(OLD, _changed(edit)) == []


def test_removing_a_nested_required_field_is_incompatible():
    def edit(new):
        del new["$defs"]["PostalAddress"]["properties"]["postcode"]
        new["$defs"]["PostalAddress"]["required"] = ["line1"]
    assert "field 'address.postcode' removed" in incompatibilities(OLD, _changed(edit))


def test_a_narrowed_enum_is_incompatible():
    def edit(new):
        new["properties"]["kind"]["enum"] = ["member", "employer"]
    assert incompatibilities(OLD, _changed(edit)) == ["field 'kind' enum narrowed: broker no longer allowed"]


def test_a_changed_type_is_incompatible_at_the_top_and_inside_array_items():
    def top(new):
        new["properties"]["email"] = {"type": "integer"}

    def nested(new):
        new["$defs"]["Child"]["properties"]["birth_date"] = {"type": "string", "format": "date-time"}
    assert incompatibilities(OLD, _changed(top))[0].startswith("field 'email' changed type")
    assert incompatibilities(OLD, _changed(nested))[0].startswith("field 'children[].birth_date' changed type")


def test_a_field_that_becomes_required_or_stops_being_required_is_incompatible():
    def more(new):
        new["required"] = [*OLD["required"], "email"]

    def fewer(new):
        new["required"] = ["account_id", "address"]
    assert incompatibilities(OLD, _changed(more)) == ["field 'email' became required"]
    assert incompatibilities(OLD, _changed(fewer)) == ["field 'kind' is no longer required"]


def test_a_nullable_field_that_loses_null_is_incompatible():
    def edit(new):
        new["properties"]["phone"] = {"type": "string"}
    assert incompatibilities(OLD, _changed(edit))[0].startswith("field 'phone' changed type")


def _released_copy(tmp_path) -> Path:
    released = tmp_path / "released"
    shutil.copytree(RELEASED_DIR, released)
    return released


def test_check_compares_the_code_with_the_released_snapshot_not_with_the_working_tree(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    name, cls = sorted(public_events().items())[0]
    snapshot = json_schema(cls)
    field = sorted(snapshot["properties"])[0]
    # As if the released version had a field the code no longer has (a removal since the release).
    snapshot["properties"]["withdrawn_since_release"] = snapshot["properties"][field]
    released_path(cls, released).write_text(json.dumps(snapshot))
    errors = check(published, released)
    assert errors == [f"{name} v{cls.meta().version}: field 'withdrawn_since_release' removed; publish a new version instead"]


def test_check_fails_when_the_published_documents_lag_the_catalogue(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    name, cls = sorted(public_events().items())[-1]
    (published / f"{name}.v{cls.meta().version}.json").write_text("{}")
    assert check(published, released) == [
        f"{name}: {name}.v{cls.meta().version}.json is not what the catalogue says (run python -m ms_events.schemas write)"]


def test_a_released_version_neither_published_nor_retired_fails_the_check(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    # As if AccountConfirmed v1 had been deleted from the catalogue without a retirement record.
    (released / "AccountConfirmed.v0.json").write_text((released / "AccountConfirmed.v1.json").read_text())
    assert check(published, released) == [
        "AccountConfirmed v0 was released and is no longer in the catalogue: record its retirement "
        "(catalogue.retire, with what to use instead) or publish it again"]


def test_a_retired_version_passes_the_check_and_stays_published_marked_deprecated(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    assert check(published, released) == []
    record = next(r for r in retired() if r.type == "AccountCreated" and r.version == 1)
    kept = json.loads((published / "AccountCreated.v1.json").read_text())
    snapshot = json.loads((released / "AccountCreated.v1.json").read_text())
    assert kept["deprecated"] is True and kept["properties"] == snapshot["properties"]
    assert record.instead in kept["description"] and record.retired_on in kept["description"]
    assert kept["$id"] == f"{SCHEMA_BASE}AccountCreated.v1.json"  # old records' dataschema still answers


def test_retiring_a_version_that_was_never_released_fails_the_check(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    (released / "TwoFactorCodeRequested.v1.json").unlink()
    assert "TwoFactorCodeRequested v1 is recorded as retired but was never released " \
           "(no TwoFactorCodeRequested.v1.json in released/): drop the record" in check(published, released)


def test_an_event_that_changes_between_public_and_private_needs_a_new_version(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    cls = private_events()["QuoteConfirmationRequested"]
    public = {**json_schema(cls), "$id": f"{SCHEMA_BASE}QuoteConfirmationRequested.v1.json"}
    released_path(cls, released).write_text(json.dumps(public))
    assert check(published, released) == [
        "QuoteConfirmationRequested v1: released as public, now private; publish a new version instead"]


def test_private_events_are_written_apart_from_the_public_documents(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    public_files = {p.name for p in published.glob("*.json")}
    for name, cls in private_events().items():
        assert (published / "internal" / schema_file(cls)).exists()
        assert schema_file(cls) not in public_files
    assert json.loads((published / "internal" / "asyncapi.json").read_text()) == internal_asyncapi()
    expected = {schema_file(c) for c in public_events().values()} | {"envelope.json"} | {
        f"{r.type}.v{r.version}.json" for r in retired()}
    assert public_files == expected


def test_a_private_schema_left_among_the_public_documents_fails_the_check(tmp_path):
    published, released = tmp_path / "published", _released_copy(tmp_path)
    write(published, released)
    cls = private_events()["QuoteConfirmationRequested"]
    (published / schema_file(cls)).write_text(json.dumps(json_schema(cls)))
    assert check(published, released) == [
        "QuoteConfirmationRequested.v1.json is published but the catalogue has no such public event version "
        "(run python -m ms_events.schemas write)"]
    write(published, released)
    assert not (published / schema_file(cls)).exists() and check(published, released) == []
