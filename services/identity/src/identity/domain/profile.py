"""Contact details a person may change (ID-10). No I/O."""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def valid_postcode(postcode: str) -> bool:
    """A French postcode (metropolitan and overseas departments)."""
    return bool(_POSTCODE.fullmatch(postcode))
