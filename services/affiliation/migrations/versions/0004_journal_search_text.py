"""The journal's lines get their search text (AF-7): summary and subject without accents or case,
written by the worker with each line; existing lines are filled here the same way.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

"""
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _search_text(summary: str, subject: str | None) -> str:
    """affiliation.adapters.repository.journal_search_text as of this revision."""
    decomposed = unicodedata.normalize("NFKD", f"{summary} {subject or ''}")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def upgrade() -> None:
    op.execute("alter table journal add column search_text text not null default ''")
    bind = op.get_bind()
    rows = bind.execute(sa.text("select id, summary, subject from journal")).fetchall()
    for row in rows:
        bind.execute(sa.text("update journal set search_text = :text where id = :id"),
                     {"text": _search_text(row.summary, row.subject), "id": row.id})


def downgrade() -> None:
    op.execute("alter table journal drop column search_text")
