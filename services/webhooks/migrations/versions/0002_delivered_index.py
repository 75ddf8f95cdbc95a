"""Delivered deliveries by delivery time: the log's retention purge reads them by it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("create index delivery_delivered on delivery (delivered_at) where status = 'delivered'")


def downgrade() -> None:
    op.execute("drop index delivery_delivered")
