"""The published event schemas: up to date with the catalogue, and compatible with what was released."""

import copy
import json

from ms_events.catalogue import registered
from ms_events.schemas import check, incompatibilities, json_schema, released_path, write

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


def test_check_compares_the_code_with_the_released_snapshot_not_with_the_working_tree(tmp_path):
    published, released = tmp_path / "published", tmp_path / "released"
    write(published)
    released.mkdir()
    name, cls = sorted(registered().items())[0]
    snapshot = json_schema(cls)
    field = sorted(snapshot["properties"])[0]
    # As if the released version had a field the code no longer has (a removal since the release).
    snapshot["properties"]["withdrawn_since_release"] = snapshot["properties"][field]
    released_path(cls, released).write_text(json.dumps(snapshot))
    errors = check(published, released)
    assert errors == [f"{name} v{cls.meta().version}: field 'withdrawn_since_release' removed; publish a new version instead"]


def test_check_fails_when_the_published_documents_lag_the_catalogue(tmp_path):
    published = tmp_path / "published"
    write(published)
    name, cls = sorted(registered().items())[-1]
    (published / f"{name}.v{cls.meta().version}.json").write_text("{}")
    assert check(published, tmp_path / "none") == [
        f"{name}: {name}.v{cls.meta().version}.json is not what the catalogue says (run python -m ms_events.schemas write)"]
