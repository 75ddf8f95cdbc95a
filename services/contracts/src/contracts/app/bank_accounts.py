"""Bank accounts per person covered (CT-6); a change publishes BankAccountChanged (notify emails it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


from contracts.domain.bank_accounts import mask_iban, parse_iban
from contracts.domain.errors import BeneficiaryNotFound, InvalidIban
from contracts.app.scope import Scope
from ms_events.events.contracts import BankAccountChanged
from ms_platform.uow import Transaction, UnitOfWork

# Each holder the member acts as (own and linked accounts, ID-12) and everyone on their
# contracts of the categories the caller sees, as (holder_id, person) pairs.
_PEOPLE = """
    select p.id as holder_id, p.id, p.last_name, p.first_name, 'holder' as relationship
      from person p where p.id = any($1::uuid[])
    union
    select c.holder_id, p.id, p.last_name, p.first_name, b.relationship
      from contract c join contract_beneficiary b on b.contract_id = c.id join person p on p.id = b.person_id
     where c.holder_id = any($1::uuid[]) and c.category = any($2::text[])
"""


def _categories(scope: Scope) -> list[str]:
    return sorted(scope.categories) if scope.categories is not None else ["sante", "prevoyance", "retraite"]


async def list_bank_accounts(uow: UnitOfWork, scope: Scope) -> list[dict]:
    """Each person the holder manages, with their account masked (or none)."""
    if not scope.holder_ids:
        return []
    async with uow.connect() as conn:
        rows = await conn.fetch(
            f"""select people.id as person_id, people.last_name, people.first_name, people.relationship,
                       a.iban, a.bic, a.account_holder, a.updated_at
                  from ({_PEOPLE}) people
                  left join bank_account a on a.holder_id = people.holder_id and a.person_id = people.id
                 order by people.holder_id = $3 desc, people.holder_id,
                          people.relationship = 'holder' desc, people.first_name""",
            list(scope.holder_ids), _categories(scope), scope.holder_id)
    return [{**{k: r[k] for k in ("person_id", "last_name", "first_name", "relationship", "bic",
                                  "account_holder", "updated_at")},
             "iban_masked": mask_iban(r["iban"]) if r["iban"] else None} for r in rows]


async def _write_account(tx: Transaction, holder_id: uuid.UUID, person_id: uuid.UUID,
                         account: tuple[str, str | None, str], scope: Scope, now: datetime) -> None:
    iban, bic, account_holder = account
    previous = await tx.conn.fetchval(
        "select iban from bank_account where holder_id = $1 and person_id = $2 for update", holder_id, person_id)
    await tx.conn.execute(
        """insert into bank_account (holder_id, person_id, iban, bic, account_holder, updated_at)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (holder_id, person_id) do update
              set iban = excluded.iban, bic = excluded.bic, account_holder = excluded.account_holder,
                  updated_at = excluded.updated_at""",
        holder_id, person_id, iban, bic, account_holder, now)
    if previous != iban:
        tx.publish(BankAccountChanged(
            holder_id=holder_id, beneficiary_id=None if person_id == holder_id else person_id,
            account_id=scope.account_id, iban_masked=mask_iban(iban), changed_at=now))


async def set_bank_account(uow: UnitOfWork, person_id: uuid.UUID, iban_text: str, account_holder: str,
                           scope: Scope) -> dict:
    """Record the account for the holder or one of their beneficiaries; publish when it changed."""
    iban, bic, errors = parse_iban(iban_text)
    if errors:
        raise InvalidIban(errors[0])
    if not scope.holder_ids:
        raise BeneficiaryNotFound()
    async with uow.begin() as tx:
        people = await tx.conn.fetch(_PEOPLE, list(scope.holder_ids), _categories(scope))
        # Usually one holder manages the person; with linked accounts each of them keeps the account.
        holders = sorted({r["holder_id"] for r in people if r["id"] == person_id})
        if not holders:
            raise BeneficiaryNotFound()
        now = datetime.now(UTC)
        for holder_id in holders:
            await _write_account(tx, holder_id, person_id, (iban, bic, account_holder), scope, now)
    return {"person_id": person_id, "iban_masked": mask_iban(iban), "bic": bic,
            "account_holder": account_holder, "updated_at": now}
