"""Bank accounts for reimbursements (CT-6): IBANs checked with schwifty, shown masked."""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from contracts.domain.imports import FieldError


def parse_iban(value: str) -> tuple[str | None, str | None, list[FieldError]]:
    """(compact IBAN, BIC when schwifty knows the bank, errors)."""
    try:
        iban = IBAN(value)
    except SchwiftyException:
        return None, None, [FieldError("iban", "IBAN invalide (format ou clé de contrôle).")]
    try:
        bic = str(iban.bic) if iban.bic is not None else None
    except SchwiftyException:
        bic = None
    return iban.compact, bic, []


def mask_iban(compact: str) -> str:
    """``FR76 **** **** **** **** ***0 189``: the country, its key and the last four characters."""
    hidden = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(hidden[i:i + 4] for i in range(0, len(hidden), 4))
