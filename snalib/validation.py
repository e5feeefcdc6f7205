"""Validating what the analyst gave: the params mappings, and whether the data cover the periods.

The parameters (:mod:`snalib.params`) and the options of a force extract
(:mod:`snalib.inputs.sources.force_extract`) are both YAML mappings validated by strict
pydantic models. Both refuse an unknown key with a "did you mean" hint naming the key as the
analyst wrote it, and list every problem in one message: that is done here, once.

:func:`check_coverage` is the last step of ``sna validate`` and of the first stage of
``sna build``: the report year, the previous year, the baseline and every named period must
have records in the crimes source, which every chapter counts; optional sources that miss a
period give notes, because their chapters say "not available" for it.
"""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import pandas as pd
from pydantic import BaseModel, ValidationError

from snalib.errors import InputError, plural
from snalib.inputs.missing import find_missing_months
from snalib.periods import FinancialYear, period_financial_year

__all__ = [
    "KEY_CUTOFF",
    "Span",
    "check_coverage",
    "check_definition_coverage",
    "needed_spans",
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
        The key's dotted path relative to the model that raised it, or its parts (a list
        position as an int: ``("periods", 0)`` is ``periods (item 1)``).
    message
        What is wrong, in the analyst's words.
    """

    def __init__(self, key: str | tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.key = tuple(key.split(".")) if isinstance(key, str) else tuple(key)


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
        loc = (*loc, *raised.key)
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


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Span:
    """A period the chapters report on, which the data must cover.

    Attributes
    ----------
    what
        The period in the analyst's words: "the baseline year 2018/19".
    start, end
        First and last day (inclusive), within the analysis window.
    fix
        What to change in the params when the data do not cover it.
    financial_year
        Its financial year label, for sources counted by financial year ("" for a named
        period).
    """

    what: str
    start: date
    end: date
    fix: str
    financial_year: str = ""


def needed_spans(params) -> list[Span]:
    """The periods every run reports on: the report year; the previous year, when the
    analysis window includes it (the key facts and the success measures compare with it);
    the baseline, when there is one; and each named period, for the part of it inside the
    analysis window."""
    w = params.analysis_window
    fy = params.fy
    spans = [
        Span(
            f"the report year {fy.label}",
            fy.start,
            fy.end,
            "choose a report_year that the data cover",
            fy.label,
        )
    ]
    previous = fy.previous()
    if previous.start >= w.start:
        spans.append(
            Span(
                f"the previous year {previous.label}",
                previous.start,
                previous.end,
                f"the analysis window includes it: start analysis_window at {fy.start} if the "
                "data begin with the report year",
                previous.label,
            )
        )
    baseline = params.baseline_fy
    if baseline is not None:
        spans.append(
            Span(
                f"the baseline year {baseline.label}",
                baseline.start,
                baseline.end,
                "choose a baseline that the data cover, or set baseline: null",
                baseline.label,
            )
        )
    for i, period in enumerate(params.periods):
        start, end = max(period.start, w.start), min(period.end or w.end, w.end)
        if start <= end:
            spans.append(
                Span(
                    f"the period '{period.name}' ({start} to {end})",
                    start,
                    end,
                    f"check periods (item {i + 1}) or the analysis window",
                )
            )
    return spans


def _has_records(result, span: Span) -> bool:
    """Whether a crimes source has an included record dated in ``span``."""
    if result.table == "street_crimes":
        month = result.data["month"].astype("string")
        inside = (month >= f"{span.start:%Y-%m}") & (month <= f"{span.end:%Y-%m}")
    else:
        dates = pd.to_datetime(result.data["offence_date"])
        inside = (dates >= pd.Timestamp(span.start)) & (dates <= pd.Timestamp(span.end))
    return bool(inside.fillna(False).any())


def _date_range(result) -> str:
    column = "month" if result.table == "street_crimes" else "offence_date"
    values = result.data[column].dropna()
    if values.empty:
        return "It has no dated records in the analysis window."
    first, last = values.min(), values.max()
    if column == "offence_date":
        first, last = f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"
    return f"Its records in the analysis window run from {first} to {last}."


def _file_name(spec, result) -> str:
    files = getattr(result, "files", None) or []
    path = Path(spec.path)
    return path.name if path.is_file() or not files else f"{path.name} ({len(files)} files)"


def check_coverage(params, inputs) -> list[str]:
    """The data cover every period the chapters report on; notes where an optional source
    does not.

    Parameters
    ----------
    params
        The validated parameters (:class:`snalib.params.Params`).
    inputs
        The loaded inputs (:class:`snalib.inputs.load.Inputs`).

    Returns
    -------
    list of str
        Notes on missing months, optional sources and the population: a month of the
        window with no crime data (:func:`snalib.inputs.missing.find_missing_months`) is
        shown as a gap and left out of the models (``validation.missing_months:
        leave_out``); a period an optional source has no rows for is "not available" in
        its chapter (admissions), or counted as none (homicides: the Homicide Index lists
        every homicide), or said in a sentence (interventions, spend); a missing mid-year
        population is replaced by the nearest.

    Raises
    ------
    InputError
        When the crimes source (recorded or street-level) has no record in the report year,
        the previous year, the baseline year or a named period: ``crimes.csv has no records
        for the baseline year 2012/13``, naming every uncovered period, the data's own date
        range and what to change. With ``validation.missing_months: stop``, when a month of
        the window has no crime data, naming each month, why, and the file or folder.
    """
    spans = needed_spans(params)
    results = inputs.results
    crimes = results.get("crimes")
    if crimes is not None:
        missing = [span for span in spans if not _has_records(crimes, span)]
        if missing:
            name = _file_name(params.sources.crimes, crimes)
            fixes = "; ".join(dict.fromkeys(f"{span.fix}" for span in missing))
            raise InputError(
                f"{name} has no records for "
                + _and([span.what for span in missing])
                + f". {_date_range(crimes)} Every chapter counts crimes in "
                + ("this period" if len(missing) == 1 else "these periods")
                + f": {fixes}.",
                file=params.sources.crimes.path,
                column="month" if crimes.table == "street_crimes" else "offence_date",
            )
    notes = _missing_month_notes(params, inputs) if crimes is not None else []
    years = [span for span in spans if span.financial_year]
    notes += _fy_notes(params, results, "admissions", "period", years, _ADMISSIONS)
    notes += _fy_notes(params, results, "interventions", "period", years[:1], _PROGRAMME)
    notes += _fy_notes(params, results, "spend", "financial_year", years[:1], _PROGRAMME)
    notes += _homicide_notes(params, results, years)
    notes += _population_notes(params, results, years)
    return notes


def _missing_month_notes(params, inputs) -> list[str]:
    """A note per month of the window without crime data; stop when the params say so."""
    missing = find_missing_months(params, inputs)
    if not missing:
        return []
    if params.validation.missing_months == "stop":
        one = len(missing) == 1
        raise InputError(
            f"{plural(len(missing), 'month')} of the analysis window "
            f"{'has' if one else 'have'} no crime data: "
            + "; ".join(f"{m.month} ({m.reason})" for m in missing)
            + ". validation.missing_months is 'stop': give the missing "
            + ("month's data" if one else "months' data")
            + ", shorten the analysis window, or set validation.missing_months: leave_out to "
            "show "
            + ("it" if one else "them")
            + " as a gap and leave "
            + ("it" if one else "them")
            + " out of the models (never counted as 0).",
            file=params.sources.crimes.path,
        )
    return [m.sentence() for m in missing]


_ADMISSIONS = "the hospital admissions measure is 'not available' for it in the success measures"
_PROGRAMME = "the programme chapter says so in a sentence"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _fy_notes(params, results, name, column, years, outcome) -> list[str]:
    result = results.get(name)
    if result is None or column not in result.data.columns:
        return []
    have = set(period_financial_year(result.data[column]).dropna().astype(str))
    gone = [span.what for span in years if span.financial_year not in have]
    if not gone:
        return []
    file = Path(getattr(params.sources, name).path).name
    return [f"{file} has no rows for {_and(gone).replace(' or ', ' nor ')}: {outcome}"]


def _homicide_notes(params, results, years) -> list[str]:
    result = results.get("homicides")
    if result is None or "offence_date" not in result.data.columns:
        return []
    have = set(
        FinancialYear.of(d.date()).label
        for d in pd.to_datetime(result.data["offence_date"]).dropna()
    )
    gone = [span.what for span in years if span.financial_year not in have]
    if not gone:
        return []
    file = Path(params.sources.homicides.path).name
    return [
        f"{file} has no homicide in {_and(gone).replace(' or ', ' nor ')}: counted as none, as "
        "the Homicide Index lists every homicide; if the extract does not cover that year, "
        "the count is wrong"
    ]


def _population_notes(params, results, years) -> list[str]:
    result = results.get("population")
    if result is None or "year" not in result.data.columns:
        return []
    have = sorted({int(y) for y in pd.to_numeric(result.data["year"], errors="coerce").dropna()})
    if not have:
        return []
    file = Path(params.sources.population.path).name
    notes = []
    areas = results.get("areas")
    if areas is not None and "area_code" in result.data.columns:
        known = set()
        for column in ("lsoa_code", "district_code", "csp_code", "force_code"):
            if column in areas.data.columns:
                known |= set(areas.data[column].dropna().astype(str))
        if not set(result.data["area_code"].dropna().astype(str)) & known:
            notes.append(
                f"{file} has no rows for the area's LSOAs, districts or force: every rate is "
                "'not available'"
            )
    for span in years:
        wanted = FinancialYear.parse(span.financial_year).population_year
        if wanted in have:
            continue
        earlier = [y for y in have if y < wanted]
        used = earlier[-1] if earlier else have[0]
        notes.append(
            f"{file} has no mid-{wanted} estimate: rates for {span.what} use mid-{used}, the "
            "nearest year given"
        )
    return notes


#: Why a crime is outside the definition, by the inclusion flow's step that left it out.
_LEFT_OUT = {
    "offence_code": "not in the definition's offence codes",
    "not_sexual": "sexual offences",
    "public_place": "not in a public place (or location not recorded)",
    "not_domestic": "domestic",
    "priority_age": "outside the priority age cohort",
}


def check_definition_coverage(params, flagged: pd.DataFrame, file: str | Path) -> None:
    """Some crime of the report year meets the serious violence definition.

    The chapters count, model and map serious violence in the report year; with none at
    all there is no report to make, and the analyst should hear why (the flags of the
    extract, or the definition's options) before any notebook runs.

    Parameters
    ----------
    params
        The validated parameters.
    flagged
        The crimes flagged by :func:`snalib.definition.flags.flag_crimes`.
    file
        The crimes file, named in the message.

    Raises
    ------
    InputError
        ``no crime in crimes.csv meets the serious violence definition in the report year
        2021/22: of its 17 crimes that year, 17 domestic. ...``
    """
    fy = params.fy
    dates = pd.to_datetime(flagged["offence_date"])
    in_year = ((dates >= pd.Timestamp(fy.start)) & (dates <= pd.Timestamp(fy.end))).fillna(False)
    year = flagged[in_year.to_numpy(dtype=bool)]
    if len(year) == 0 or year["serious_violence"].fillna(False).astype(bool).any():
        return  # no crime at all in the year is check_coverage's message
    steps = year["exclusion_step"].astype("string").value_counts()
    why = ", ".join(f"{n:,} {_LEFT_OUT.get(step, step)}" for step, n in steps.items())
    raise InputError(
        f"no crime in {Path(file).name} meets the serious violence definition in the report "
        f"year {fy.label}: of its {len(year):,} crimes that year, {why}. Check the extract's "
        "flags (public_place, domestic, victim_age, offender_age) and the definition options "
        "in the params (docs/params.md, definition).",
        file=file,
    )
