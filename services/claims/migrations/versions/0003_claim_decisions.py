"""Back-office decisions on claims (CL-5): the reason and what to do of a rejection, when the
status last changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("""
        alter table claim add column reason text, add column what_to_do text,
                          add column status_changed_at timestamptz not null default now();
        create index claim_status on claim (status, created_at, id);
    """)


def downgrade() -> None:
    op.execute("drop index claim_status; alter table claim drop column reason, drop column what_to_do, "
               "drop column status_changed_at;")
