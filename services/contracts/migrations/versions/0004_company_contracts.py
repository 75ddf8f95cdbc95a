"""Group contracts name the employer (SIREN) whose users see them.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "alter table contract add column company_siren text;"
        " create index contract_company on contract (company_siren) where company_siren is not null;"
    )


def downgrade() -> None:
    op.execute("drop index contract_company; alter table contract drop column company_siren;")
