"""Text fields of request bodies: each checked by the platform's civil-status text rules (ms_platform.civil_text).

A refusal is a pydantic ValueError, so the platform answers 422 problem+json naming the field;
accepted text is stored in its composed (NFC) form.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from ms_platform.civil_text import AddressLine, PersonName, account_holder_error, checked, free_text_error


AccountHolder = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140),
                          checked(account_holder_error)]
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), checked(free_text_error)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), checked(free_text_error)]
