"""The README's settings table, generated from the schema: every key, its type, default and range.

`tests/test_settings_reference.py` fails when the README's table differs from this;
`python -m tools.settings_table --write` rewrites it.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from settings.alerting import RECEIVER_MODELS
from settings.models import StackSettings
from settings.values import PACK_OPTION_TYPES, Doc

BEGIN = "<!-- settings-table:begin (generated from the settings schema; do not edit by hand) -->"
END = "<!-- settings-table:end -->"


def _args(annotation: Any) -> tuple[Any, ...]:
    return tuple(a for a in get_args(annotation) if a is not type(None))


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _doc(annotation: Any, metadata: list[Any]) -> Doc | None:
    for item in metadata:
        if isinstance(item, Doc):
            return item
    if get_origin(annotation) is Annotated:
        return _doc(get_args(annotation)[0], list(annotation.__metadata__))
    if _is_union(annotation):
        for arg in _args(annotation):
            found = _doc(arg, [])
            if found:
                return found
    return None


def _describe(annotation: Any, metadata: list[Any]) -> tuple[str, str]:
    """(type, allowed values) of a field."""
    doc = _doc(annotation, metadata)
    if doc:
        return doc.kind, doc.allowed
    if _is_union(annotation):
        return _describe(_args(annotation)[0], [])
    if get_origin(annotation) is Annotated:
        inner, *more = get_args(annotation)
        return _describe(inner, [*more, *metadata])
    if get_origin(annotation) is Literal:
        return "text", ", ".join(str(v) for v in get_args(annotation))
    if get_origin(annotation) is tuple:
        kind, allowed = _describe(get_args(annotation)[0], [])
        return f"list of {kind}", allowed
    return getattr(annotation, "__name__", str(annotation)), ""


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:  # a nested section or an empty mapping: nothing to show
        return ""
    value = info.default
    if value is None or value is PydanticUndefined:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if _is_union(annotation) and len(_args(annotation)) == 1:
        return _model(_args(annotation)[0])
    return None


def _rows(model: type[BaseModel], prefix: str, context: str = "") -> Iterator[tuple[str, str, str, str, str]]:
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        annotation = info.annotation
        sub = _model(annotation)
        if sub is not None:
            yield from _rows(sub, key + ".", info.description or context)
            continue
        if get_origin(annotation) is tuple and _model(get_args(annotation)[0]) is not None:
            yield from _rows(_model(get_args(annotation)[0]), key + "[i].", info.description or context)
            continue
        if get_origin(annotation) is dict and key == "receivers":
            yield (
                "receivers.<name>.type",
                "text",
                "required",
                ", ".join(RECEIVER_MODELS),
                info.description or "",
            )
            for kind, receiver in RECEIVER_MODELS.items():
                for field, field_info in receiver.model_fields.items():
                    if field == "type":
                        continue
                    what, allowed = _describe(field_info.annotation, field_info.metadata)
                    meaning = f"{kind} receivers: {field_info.description}"
                    yield (
                        f"receivers.<name>.{field_info.alias or field}",
                        what,
                        _default(field_info),
                        allowed,
                        meaning,
                    )
            continue
        if get_origin(annotation) is dict and _model(get_args(annotation)[1]) is not None:
            yield from _rows(_model(get_args(annotation)[1]), f"{key}.<team>.", info.description or context)
            continue
        if key == "packs":
            continue  # from the packs' own declarations, below
        what, allowed = _describe(annotation, info.metadata)
        yield key, what, _default(info), allowed, info.description or context


def settings_table(pack_schema: Mapping[str, Mapping[str, Any]]) -> str:
    rows = list(_rows(StackSettings, ""))
    for team, options in sorted(pack_schema.items()):
        for name, option in sorted(options.items()):
            kind, allowed = _describe(PACK_OPTION_TYPES[type(option.default)], [])
            default = str(option.default).lower() if isinstance(option.default, bool) else str(option.default)
            rows.append((f"packs.{team}.{name}", kind, default, allowed, option.help))
    lines = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for key, kind, default, allowed, meaning in rows:
        cells = [
            f"`{key}`",
            kind,
            f"`{default}`" if default and default != "required" else default,
            allowed,
            meaning,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join([BEGIN, *lines, END])
