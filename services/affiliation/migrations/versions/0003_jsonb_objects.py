"""Addresses and beneficiaries written as JSON strings inside jsonb (encoded twice before the pool's
json codec was relied on) become the objects and arrays they hold.

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
update employee set address = (address #>> '{}')::jsonb where jsonb_typeof(address) = 'string';
update affiliation_request set address = (address #>> '{}')::jsonb where jsonb_typeof(address) = 'string';
update affiliation_request set beneficiaries = (beneficiaries #>> '{}')::jsonb
 where jsonb_typeof(beneficiaries) = 'string';
""")


def downgrade() -> None:
    pass
