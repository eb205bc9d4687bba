"""The base of every settings model: frozen, unknown keys refused, camelCase keys in the stack file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_default=True,
        hide_input_in_errors=True,
    )
