"""Who may see which contract: the one read rule every use case applies.

- member: the contracts whose holder is the token's ``person_id`` or one of its
  ``linked_person_ids`` (accounts linked under "Réunir vos comptes", ID-12) and whose category
  is in its ``categories`` claim (which covers every linked category). Reads and writes alike:
  a linked holder's contracts are the member's own;
- operator: every contract;
- employer: the group contracts of the company named by the token's ``company_siren`` claim
  (imported with the contract), on the contract list and a contract's page only: no
  beneficiaries, documents, bank accounts or requests, which are the employees' own;
- agents, brokers: nothing yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Mapping

from contracts.domain.errors import ContractNotFound


@dataclass(frozen=True)
class Scope:
    account_id: uuid.UUID | None
    holder_id: uuid.UUID | None  # the token's own person_id
    categories: frozenset[str] | None  # None: every category
    operator: bool = False
    linked_holder_ids: frozenset[uuid.UUID] = frozenset()
    company_siren: str | None = None  # employers: the company whose group contracts they see

    @property
    def holder_ids(self) -> frozenset[uuid.UUID]:
        """Every holder whose contracts this member manages: their own and linked accounts'."""
        own = frozenset() if self.holder_id is None else frozenset({self.holder_id})
        return own | self.linked_holder_ids

    @property
    def sees_nothing(self) -> bool:
        return not self.operator and not self.holder_ids

    def sees_as_employer(self, contract: Mapping[str, Any]) -> bool:
        """Whether an employer user may see this contract on the list or its page."""
        return self.company_siren is not None and contract.get("company_siren") == self.company_siren

    def holds(self, holder_id: uuid.UUID | None) -> bool:
        """Whether a member acts as this holder (changes people, accounts, requests, terminations)."""
        return not self.operator and holder_id is not None and holder_id in self.holder_ids

    def sees(self, contract: Mapping[str, Any]) -> bool:
        if self.operator:
            return True
        if contract["holder_id"] not in self.holder_ids:
            return False
        return self.categories is None or contract["category"] in self.categories


def check_visible(contract: Mapping[str, Any] | None, scope: Scope) -> Mapping[str, Any]:
    """The contract if the caller may see it; ContractNotFound otherwise (never "forbidden": ids are not disclosed)."""
    if contract is None or not scope.sees(contract):
        raise ContractNotFound()
    return contract
