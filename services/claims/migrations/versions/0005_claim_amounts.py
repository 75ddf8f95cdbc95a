"""What a processed claim pays (issue 14): the amounts computed by the coverage rules, kept on the
claim, and the statement line (source ``claim``) they are recorded as.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("""
        alter table claim
            add column br numeric(12, 2) check (br >= 0),
            add column amo numeric(12, 2) check (amo >= 0),
            add column amc numeric(12, 2) check (amc >= 0),
            add column out_of_pocket numeric(12, 2) check (out_of_pocket >= 0),
            add column participation_forfaitaire numeric(12, 2) check (participation_forfaitaire >= 0),
            add column amount_rules jsonb,
            add column statement_line_id uuid references statement_line (id),
            add column paid_on date,
            add constraint claim_amounts_add_up check (amo is null or billed = amo + amc + out_of_pocket);
    """)


def downgrade() -> None:
    op.execute("""
        alter table claim drop constraint claim_amounts_add_up, drop column br, drop column amo, drop column amc,
            drop column out_of_pocket, drop column participation_forfaitaire, drop column amount_rules,
            drop column statement_line_id, drop column paid_on;
    """)
