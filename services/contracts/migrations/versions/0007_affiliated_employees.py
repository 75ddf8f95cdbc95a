"""Employees affiliated to a company's group contract (AF-3, affiliation's EmployeeAffiliated).

Each affiliated employee holds their own membership of the group contract: a contract row with the
company's SIREN, the group contract's product, the employee as holder and a member number drawn
from this sequence. ``affiliation_employee_id`` makes the event's effect once per employee.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create sequence affiliated_member_number minvalue 9000000 maxvalue 9999999 start 9000000;
        alter table contract add column affiliation_employee_id uuid;
        alter table contract add column group_contract_number text;
        create unique index contract_affiliation_employee on contract (affiliation_employee_id)
            where affiliation_employee_id is not null;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index contract_affiliation_employee;
        alter table contract drop column group_contract_number;
        alter table contract drop column affiliation_employee_id;
        drop sequence affiliated_member_number;
        """
    )
