"""An item a member records (the scaffold's example aggregate: replace it with the context's own)."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from claims.domain.errors import InvalidTitle, TooManyItems

MAX_TITLE = 200


def clean_title(raw: str) -> str:
    """Printable text only: control, format (bidi, zero-width) and private-use characters are refused."""
    title = " ".join(raw.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidTitle(f"Le titre doit contenir entre 1 et {MAX_TITLE} caractères.")
    if any(unicodedata.category(ch)[0] == "C" for ch in title):
        raise InvalidTitle("Le titre contient des caractères non autorisés.")
    return title


@dataclass(frozen=True)
class Item:
    id: uuid.UUID
    account_id: uuid.UUID
    title: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def new_item(account_id: uuid.UUID, title: str, items_already: int, max_items: int) -> Item:
    """The rules of recording an item: a clean title, and no more than ``max_items`` per account."""
    if items_already >= max_items:
        raise TooManyItems(f"Vous ne pouvez pas enregistrer plus de {max_items} éléments.")
    return Item(id=uuid.uuid4(), account_id=account_id, title=clean_title(title))
