"""People a member adds online are their own records, never the registry's (issue 11, finding 1).

A person row is either the registry's (``owner_holder_id`` null: written by the insurer's
imports, one per normalised name + birth date) or a member's own record of a beneficiary they
added online (``owner_holder_id`` = the contract holder): never matched by name, never shared,
the only rows a member's NIR is written to. See docs/adr/0008-member-added-people.md.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
alter table person add column owner_holder_id uuid references person (id);
alter table person drop constraint person_name_key_birth_date_key;
create unique index person_registry_key on person (name_key, birth_date) where owner_holder_id is null;
create index person_owner on person (owner_holder_id) where owner_holder_id is not null;

-- The import never carries a NIR: every NIR stored so far was typed online, with no proof.
-- Where one holder's contracts alone cover the person (and they hold none), it was that holder's
-- beneficiary: the row becomes that member's own record. Anywhere else (a holder, someone covered
-- by several holders, someone no contract names any more) the NIR may be a stranger's write and
-- is erased.
with covered as (
    select b.person_id, min(c.holder_id::text)::uuid as holder_id, count(distinct c.holder_id) as holders
      from contract_beneficiary b join contract c on c.id = b.contract_id
     group by b.person_id
)
update person p set owner_holder_id = covered.holder_id, updated_at = now()
  from covered
 where p.id = covered.person_id and p.nir is not null and covered.holders = 1
   and not exists (select 1 from contract h where h.holder_id = p.id);

update person p set nir = null, updated_at = now() where p.nir is not null and p.owner_holder_id is null;
"""

DOWNGRADE = """
drop index person_owner;
drop index person_registry_key;
alter table person drop column owner_holder_id;
alter table person add constraint person_name_key_birth_date_key unique (name_key, birth_date);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    # Fails while member-added records duplicate a registry key: merging them is what 0005 forbids.
    op.execute(DOWNGRADE)
