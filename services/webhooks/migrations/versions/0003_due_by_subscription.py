"""Due deliveries by subscription: the dispatcher takes each subscription's oldest due ones in
turn (a receiver that is down with thousands due never holds back another's new delivery).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("create index delivery_due_of_subscription on delivery (subscription_id, next_attempt_at)"
               " where status = 'pending'")


def downgrade() -> None:
    op.execute("drop index delivery_due_of_subscription")
