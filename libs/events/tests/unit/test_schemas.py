from ms_events.schemas import check, incompatibilities

OLD = {
    "properties": {"account_id": {"type": "string", "format": "uuid"}, "email": {"type": "string"}},
    "required": ["account_id"],
}


def test_the_published_schemas_match_the_catalogue():
    assert check() == []


def test_adding_an_optional_field_is_compatible():
    new = {**OLD, "properties": {**OLD["properties"], "phone": {"type": "string"}}}
    assert incompatibilities(OLD, new) == []


def test_removing_a_field_is_incompatible():
    new = {**OLD, "properties": {"account_id": OLD["properties"]["account_id"]}}
    assert incompatibilities(OLD, new) == ["field 'email' removed"]


def test_changing_a_field_type_is_incompatible():
    new = {**OLD, "properties": {**OLD["properties"], "email": {"type": "integer"}}}
    assert "field 'email' changed type" in incompatibilities(OLD, new)[0]


def test_making_a_field_required_is_incompatible():
    new = {**OLD, "required": ["account_id", "email"]}
    assert incompatibilities(OLD, new) == ["field 'email' became required"]
