"""The registry person of each affiliated employee, from contracts' ContractRegistered (AF-3): a
pre-registered account's person_id (ID-13), whichever of the two events comes first.

Revision ID: 0006
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table affiliated_person (
            employee_id uuid primary key,
            person_id   uuid not null,
            recorded_at timestamptz not null default now()
        );
        """
    )


def downgrade() -> None:
    op.execute("drop table affiliated_person")
