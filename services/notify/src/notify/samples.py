"""Sample events built from the catalogue's models, for template previews and template tests.

Every field gets a plausible value from its type (and, for strings, its name), so a new
event lands here with no change: a template that needs a field the event lacks fails.
"""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

_STRINGS = {
    "phone": "+33612345678", "code": "482913", "kind": "member", "via": "reset", "method": "totp",
    "iban_masked": "FR76 **** **** **** **** ***1 234", "device": "Firefox sous Windows",
    "first_name": "Camille", "last_name": "Durand", "postcode": "69003", "city": "Lyon",
    "country": "FR", "line1": "4 place Bellecour", "contract_number": "104233", "relationship": "child",
    "reason": "echeance", "category": "sante", "product_code": "SANTE-1",
    "status": "paid",
}


def sample_value(annotation: Any, name: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return sample_value(args[0], name)
    if origin is list:
        return [sample_value(typing.get_args(annotation)[0], name)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample_event(annotation)
    if annotation is uuid.UUID:
        return uuid.uuid4()
    if annotation is datetime:
        return datetime(2025, 3, 3, 8, 5, tzinfo=UTC)
    if annotation is date:
        return date(2025, 6, 30)
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if "email" in name:
        return "camille.durand@example.org"
    return _STRINGS.get(name, f"exemple-{name.replace('_', '-')}")


def sample_event(model: type[BaseModel]) -> Any:
    return model(**{name: sample_value(f.annotation, name) for name, f in model.model_fields.items()})
