"""Field types and the strict base model every request body of identity uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Password = Annotated[str, Field(min_length=1, max_length=256)]
Token = Annotated[str, Field(min_length=10, max_length=200)]
Code = Annotated[str, Field(min_length=6, max_length=20)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
