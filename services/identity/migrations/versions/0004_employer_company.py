"""Employer users belong to a company (SIREN), carried in their tokens.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table account add column company_siren text")


def downgrade() -> None:
    op.execute("alter table account drop column company_siren")
