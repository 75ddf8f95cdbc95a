"""The trace a delivery continues: the W3C traceparent of the event's processing that queued it.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Ids only (version, trace id, span id, flags): nothing personal.
    op.execute("alter table delivery add column traceparent text")


def downgrade() -> None:
    op.execute("alter table delivery drop column traceparent")
