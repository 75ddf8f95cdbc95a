"""Each employee's membership contract in contracts (AF-5, AF-7): contracts gives every affiliated
employee a contract of their own on the group contract, announced by ContractRegistered with
affiliation_employee_id; beneficiary changes and terminations name that contract's id.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("alter table employee add column contracts_contract_id uuid;"
               " create unique index employee_membership on employee (contracts_contract_id)"
               " where contracts_contract_id is not null;")


def downgrade() -> None:
    op.execute("drop index employee_membership; alter table employee drop column contracts_contract_id;")
