"""Validating a mapping from the params file against a pydantic model, in the analyst's words.

The parameters (:mod:`snalib.params`) and the options of a force extract
(:mod:`snalib.inputs.sources.force_extract`) are both YAML mappings validated by strict
pydantic models. Both refuse an unknown key with a "did you mean" hint naming the key as the
analyst wrote it, and list every problem in one message: that is done here, once.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from snalib.errors import InputError

__all__ = [
    "KEY_CUTOFF",
    "KeyProblem",
    "did_you_mean",
    "explain_error",
    "nested_model",
    "validate_mapping",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

# pydantic names the member of a union it tried (``sheet: str | int``) in an error's
# location; the analyst never wrote those names, so they are left out of the key shown.
_UNION_TAGS = frozenset({"str", "int", "dict[str,str]"})
_SEQUENCES = (list, tuple, set, frozenset)


def did_you_mean(name: str, choices: list[str]) -> str:
    """A hint naming the choice closest to ``name``, or "" when none is close.

    The closest choice is looked for as written, then ignoring case.

    Examples
    --------
    >>> did_you_mean("Victim Agee", ["Victim Age", "Offence Date"])
    " (did you mean 'Victim Age'?)"
    """
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _alternatives(annotation: Any) -> list[Any]:
    """The types a value of ``annotation`` may have: Annotated and Optional seen through."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return [
            alt
            for arg in get_args(annotation)
            if arg is not type(None)
            for alt in _alternatives(arg)
        ]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds, directly or in an Optional, a list or a dict.

    Examples
    --------
    ``SourceSpec | None``, ``list[NamedPeriod]`` and ``dict[str, ValueMapping]`` give
    ``SourceSpec``, ``NamedPeriod`` and ``ValueMapping``; ``list[str]`` gives None.
    """
    for alt in _alternatives(annotation):
        if _is_model(alt):
            return alt
        origin, args = get_origin(alt), get_args(alt)
        inner = (
            nested_model(args[1])
            if origin is dict and len(args) == 2
            else nested_model(args[0])
            if origin in _SEQUENCES and args
            else None
        )
        if inner is not None:
            return inner
    return None


def _inside(annotation: Any, part: str | int) -> Any:
    """The type found at ``part`` (a key, an alias or a list position) of ``annotation``."""
    for alt in _alternatives(annotation):
        origin, args = get_origin(alt), get_args(alt)
        if _is_model(alt):
            for name, info in alt.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        elif origin is dict and isinstance(part, str) and len(args) == 2:
            return args[1]
        elif origin in _SEQUENCES and isinstance(part, int) and args:
            return args[0]
    return None


def _owner(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model that owns the key at ``loc`` (the last part), for "did you mean"."""
    annotation: Any = model
    for part in loc[:-1]:
        annotation = _inside(annotation, part)
        if annotation is None:
            return None
    return next((alt for alt in _alternatives(annotation) if _is_model(alt)), None)


def _dotted(prefix: str, loc: tuple[str | int, ...]) -> str:
    """A key as the analyst wrote it: ``periods (item 1).start`` (items counted from 1)."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f" (item {part + 1})"
        else:
            text += f".{part}" if text else str(part)
    return text


#: How close an unknown key must be to a known one for "did you mean" (difflib's ratio): high,
#: so that a misspelling gets a hint (``strat`` → ``start``, 0.8) and an unrelated word gets
#: none (``colour`` is 0.62 from ``disclosure``).
KEY_CUTOFF = 0.75


class KeyProblem(ValueError):
    """A problem that a model validator finds with one key (``report_year``,
    ``analysis_window.end``): :func:`explain_error` names that key, not the whole mapping.

    Parameters
    ----------
    key
        The key's dotted path relative to the model that raised it.
    message
        What is wrong, in the analyst's words.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


# pydantic's error types, in words that say what the value must be.
_MUST_BE = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD, without a time",
    "dict_type": "must be a mapping of keys to values (indented key: value lines)",
    "model_type": "must be a mapping of keys to values (indented key: value lines)",
    "model_attributes_type": "must be a mapping of keys to values (indented key: value lines)",
    "list_type": "must be a list, e.g. [a, b]",
    "path_type": "must be a path",
}


def _num(value: Any) -> str:
    """A bound as the analyst would write it: 1, not 1.0."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _must_be(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind in _MUST_BE:
        return _MUST_BE[kind]
    if kind == "greater_than_equal":
        return f"must be {_num(ctx['ge'])} or more"
    if kind == "less_than_equal":
        return f"must be {_num(ctx['le'])} or less"
    if kind == "greater_than":
        return f"must be more than {_num(ctx['gt'])}"
    if kind == "less_than":
        return f"must be less than {_num(ctx['lt'])}"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s)"
    msg = err["msg"].removeprefix("Value error, ")
    return msg.replace("Input should be", "must be")


def explain_error(err: dict[str, Any], model: type[BaseModel], *, prefix: str = "") -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in the analyst's words.

    Parameters
    ----------
    err
        The error.
    model
        The model that was validated, to find the keys a misspelt key may have meant.
    prefix
        The dotted name of the validated mapping in the params file, e.g.
        ``"sources.crimes.options"``; "" for the whole file.

    Returns
    -------
    str
        ``unknown key 'x.y'; did you mean 'x.z'?`` (only when a known key is close, see
        :data:`KEY_CUTOFF`), ``missing required key 'x.y'`` or
        ``'x.y': <what it must be> (got <value>)``. The key is always named: a problem a
        model validator finds names the key it raised it for (:class:`KeyProblem`).
    """
    loc = tuple(p for p in err["loc"] if p not in _UNION_TAGS)
    raised = (err.get("ctx") or {}).get("error")
    if isinstance(raised, KeyProblem):
        loc = (*loc, *raised.key.split("."))
    where = _dotted(prefix, loc) or prefix or "the parameters"
    if err["type"] == "extra_forbidden":
        owner = _owner(model, loc)
        hint = ""
        if owner is not None:
            keys = [info.alias or name for name, info in owner.model_fields.items()]
            close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=KEY_CUTOFF)
            if close:
                hint = f"; did you mean '{_dotted(prefix, (*loc[:-1], close[0]))}'?"
        return f"unknown key '{where}'{hint}"
    if err["type"] == "missing":
        return f"missing required key '{where}'"
    value = err.get("input")
    # A mapping or a list is the analyst's whole block: the key already says where it is.
    if isinstance(value, dict | list):
        shown = (
            f", not a {'list' if isinstance(value, list) else 'mapping'}"
            if err["type"] in _MUST_BE
            else ""
        )
    elif isinstance(raised, KeyProblem):
        shown = ""  # the message already quotes the values
    else:
        shown = f" (got {value!r})"
    return f"'{where}': {_must_be(err)}{shown}"


def validate_mapping(
    model: type[ModelT],
    data: Any,
    *,
    what: str,
    see: str,
    file: str | Path | None,
    prefix: str = "",
    error: type[InputError] = InputError,
) -> ModelT:
    """Validate ``data`` with ``model``; raise one error listing every problem.

    Parameters
    ----------
    model
        The strict pydantic model (``extra="forbid"``).
    data
        The mapping read from the params file.
    what
        What is validated, for the message: "the parameters".
    see
        Where the keys are documented, for the message: "docs/params.md for every key".
    file
        The file named by the error.
    prefix
        The mapping's dotted name in the params file ("" for the whole file).
    error
        The error class raised (:class:`~snalib.errors.ParamsError` for the params file).

    Returns
    -------
    The validated model.

    Raises
    ------
    InputError
        (of class ``error``) ``N problems in <what>: <problem>; <problem>. See <see>.``
        ("1 problem in ..."), each problem once, as :func:`explain_error` words it.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            text = explain_error(err, model, prefix=prefix)
            if text not in problems:
                problems.append(text)
        end = "" if problems[-1].endswith("?") else "."
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        raise error(
            f"{count} in {what}: " + "; ".join(problems) + f"{end} See {see}.",
            file=file,
        ) from None
