"""pydantic's validation errors -> Problems that name the stack-file key and give a working fix.

pydantic's error locations hold steps that are not keys (the tag of a receiver's type, `[key]`
for a bad mapping key); the location is walked against the given data, so only the keys the
user wrote remain: `("receivers", "pd", "pagerduty", "secret")` -> `observability:receivers.pd.secret`.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from settings.models import StackSettings
from settings.problems import Problem, did_you_mean, key_of, list_fix, rm_command, set_command, shown

# Settings that existed once and were removed, with why (shown instead of a "did you mean").
REMOVED = {
    (
        "postgres",
        "queryTimeout",
    ): "was removed: it did nothing (the role's statementTimeout limits each query)",
    ("postgres", "revokePublicCreate"): (
        "PUBLIC's privileges on the schema are no longer managed by this program (README: 'What the "
        "role cannot be stopped from'); forget the old grant first with `pulumi state delete` as the "
        "README shows, then remove the key"
    ),
}

_MESSAGES = {
    "missing": "is missing",
    "bool_type": "must be true or false, unquoted",
    "bool_parsing": "must be true or false, unquoted",
    "int_type": "must be a whole number, unquoted",
    "int_parsing": "must be a whole number, unquoted",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
}

# A number or boolean given as text.
_TYPED = ("bool_type", "bool_parsing", "int_type", "int_parsing")


def _path(loc: tuple[Any, ...], data: Any) -> tuple[list[str | int], Any, bool]:
    """(the keys the user wrote, the value there, whether the last step exists in the data)."""
    path: list[str | int] = []
    here, found = data, True
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if (
            isinstance(here, dict)
            and step in here
            or isinstance(here, list)
            and isinstance(step, int)
            and 0 <= step < len(here)
        ):
            path.append(step)
            here = here[step]
        elif (
            last
            and isinstance(step, str)
            and step != "[key]"
            and not (isinstance(here, dict) and here.get("type") == step)
        ):
            path.append(step)
            here, found = None, False
    return path, here, found


def _annotation_at(schema: Any, path: list[str | int], data: Any) -> tuple[Any, FieldInfo | None]:
    """The annotation (and field) the schema has at `path`, walking dict values, list items and
    the receiver type the data names."""
    annotation, info = schema, None
    for step in path:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
            origin = get_origin(annotation)
        if isinstance(step, int):
            args = get_args(annotation)
            annotation = args[0] if args else Any
            data = data[step] if isinstance(data, list) and step < len(data) else None
            continue
        if origin is dict:
            annotation = get_args(annotation)[1]
            data = data.get(step) if isinstance(data, dict) else None
            info = None
            continue
        model = _model_of(annotation, data)
        info = _field_by_alias(model, step) if model else None
        if info is None:
            return None, None
        annotation = info.annotation
        data = data.get(step) if isinstance(data, dict) else None
    return annotation, info


def _known_keys(schema: Any, path: list[str | int], data: Any) -> list[str]:
    """Stack-file keys a model accepts at `path` (for "did you mean")."""
    annotation, _ = _annotation_at(schema, path, data)
    here = data
    for step in path:
        here = here.get(step) if isinstance(here, dict) else here[step] if isinstance(here, list) else None
    model = _model_of(annotation, here)
    return [info.alias or name for name, info in model.model_fields.items()] if model else []


def _model_of(annotation: Any, data: Any = None) -> type[BaseModel] | None:
    """The model an annotation stands for; of a union, the member whose `type` the data names."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [m for arg in get_args(annotation) if (m := _model_of(arg, data)) is not None]
    if len(models) > 1 and isinstance(data, dict):
        named = [
            m
            for m in models
            if get_args(m.model_fields.get("type", FieldInfo()).annotation) == (data.get("type"),)
        ]
        models = named or models
    return models[0] if models else None


def _field_by_alias(model: type[BaseModel], key: Any) -> FieldInfo | None:
    return next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)


def _example(schema: Any, path: list[str | int], data: Any) -> Any:
    _, info = _annotation_at(schema, path, data)
    if info is not None and info.examples:
        return info.examples[0]
    return "<value>"


def problems_from(
    err: ValidationError, stack: str, prefix: list[str | int], data: Any, schema: Any
) -> list[Problem]:
    """One Problem per pydantic error of one section (`data` as given, `schema` its annotation)."""
    problems = []
    errors = err.errors(include_url=False, include_input=False)
    deeper = {tuple(e["loc"][:i]) for e in errors for i in range(len(e["loc"]))}
    for e in errors:
        if tuple(e["loc"]) in deeper:
            continue  # a list emptied by its bad items: the items' own problems say it
        inner, value, found = _path(tuple(e["loc"]), data)
        path = [*prefix, *inner]
        kind = e["type"]
        if kind == "extra_forbidden" and tuple(path) in REMOVED:
            problems.append(Problem(key_of(path), REMOVED[tuple(path)], rm_command(stack, path)))
            continue
        if kind == "extra_forbidden":
            known = _known_keys(schema, inner[:-1], data)
            guess = did_you_mean(str(inner[-1]), known)
            hint = f"; did you mean {guess}?" if guess else (f" (known: {', '.join(known)})" if known else "")
            fix = f"{_rename(stack, path, guess)}" if guess else rm_command(stack, path)
            renames_to = key_of([*path[:-1], guess]) if guess else None
            problems.append(Problem(key_of(path), f"is not a setting here{hint}", fix, renames_to))
            continue
        if kind == "union_tag_invalid" or kind == "union_tag_not_found":
            path = [*path, "type"] if path[-1] != "type" else path
            message = "must be one of slack, email, pagerduty, webhook"
            if kind == "union_tag_invalid" and isinstance(value, dict) and isinstance(value.get("type"), str):
                guess = did_you_mean(value["type"], ("slack", "email", "pagerduty", "webhook"))
                message += f"; did you mean {guess}?" if guess else ""
            elif kind == "union_tag_not_found":
                message = "is missing: one of slack, email, pagerduty, webhook"
            problems.append(Problem(key_of(path), message, set_command(stack, path, "slack")))
            continue
        if kind == "missing" and not found:
            message = "is missing"
        elif kind in ("settings", "literal_error"):
            message = e["msg"]
            if kind == "literal_error" and isinstance(value, str):
                options = [o.strip(" '") for o in e["ctx"]["expected"].replace(" or ", ", ").split(",")]
                guess = did_you_mean(value, options)
                message = f"must be one of {e['ctx']['expected']} (got {shown(value)})" + (
                    f"; did you mean {guess}?" if guess else ""
                )
        elif kind in _MESSAGES:
            message = f"{_MESSAGES[kind]} (got {shown(value)})" if found else _MESSAGES[kind]
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            ctx = e.get("ctx", {})
            bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
            word = "at least" if "greater" in kind else "at most"
            message = f"must be {word} {bound} (got {shown(value)})"
        elif kind in ("too_short", "too_long"):
            message = (
                "must not be empty"
                if kind == "too_short"
                else f"must have at most {e['ctx']['max_length']} entries"
            )
        else:
            message = e["msg"]
        fix = _fix(stack, path, schema, inner, value, data)
        if kind in _TYPED and found and isinstance(value, str):
            # The user's own value, unquoted; the CLI keeps a quoted value's type when it sets it
            # again, so it is removed first.
            typed = _unquoted(value, kind.startswith("bool"))
            fix = f"{rm_command(stack, path)} && " + (
                set_command(stack, path, typed) if typed is not None else fix
            )
        problems.append(Problem(key_of(path), message, fix))
    return problems


def _unquoted(text: str, boolean: bool) -> bool | int | None:
    """A boolean (or whole number) written in quotes, as the value it was meant to be."""
    if boolean:
        return {"true": True, "false": False}.get(text.strip().lower())
    try:
        return int(text)
    except ValueError:
        return None


def _rename(stack: str, path: list[str | int], new: str) -> str:
    return f"rename `{path[-1]}` to `{new}` in Pulumi.{stack}.yaml"


def _section_example(section: Any) -> Any:
    info = _field_by_alias(StackSettings, section)
    return info.examples[0] if info is not None and info.examples else "<value>"


def _fix(
    stack: str, path: list[str | int], schema: Any, inner: list[str | int], value: Any, data: Any
) -> str:
    if not inner and _section_example(path[0]) != "<value>":
        return set_command(stack, path, _section_example(path[0]))
    if inner and isinstance(inner[-1], int):
        items = _example(schema, inner[:-1], data)
        first = items[0] if isinstance(items, list) and items else "<value>"
        return set_command(stack, path, first)
    example = _example(schema, inner, data)
    if isinstance(example, list):
        return list_fix(stack, path, example)
    if example == "<value>":
        return f"edit {key_of(path)} in Pulumi.{stack}.yaml (see the README's settings table)"
    return set_command(stack, path, example)
