"""Parameters of a run: one YAML file per area and year, validated before anything runs.

papermill itself only warns about an unknown parameter and checks no types, so every
parameter is validated here, once, by :class:`Params`: unknown keys are rejected with a
"did you mean" hint, paths are resolved relative to the params file and dates are checked.
The validated parameters are written to the run directory (``params.json``) and the
notebooks read that file, never the YAML.

Every key is documented in ``docs/params.md``; a test checks the document lists them all.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from snalib.errors import ParamsError
from snalib.periods import FinancialYear
from snalib.validation import KeyProblem, nested_model, validate_mapping

PARAMS_VERSION = 1

#: Adapter formats a source may declare. Adapters live in ``snalib.inputs.sources``.
SOURCE_FORMATS = (
    "canonical",
    "police_uk",
    "home_office_prc",
    "force_extract",
    "ons_lookup",
    "ons_population",
)


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaParams(StrictModel):
    """The area the assessment covers."""

    name: str = Field(description="Area name as it appears in the report title.")
    slug: str = Field(
        description="Short lower-case name used in output folder names, e.g. 'leicestershire'.",
    )
    force_codes: list[str] = Field(
        min_length=1,
        description="Police force area code(s) covered, e.g. [E23000021]. Areas in the "
        "lookup outside these forces are outside the area.",
    )
    organisation: str = Field(
        default="Violence Reduction Unit",
        description="Organisation publishing the report, e.g. 'Leicestershire Violence "
        "Reduction Network'.",
    )

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "must be lower-case letters, digits and hyphens, starting with a letter or "
                "digit, e.g. 'leicestershire'"
            )
        return value


class SourceSpec(StrictModel):
    """One input source: its path and the adapter that reads it."""

    path: Path = Field(description="File or folder, relative to the params file.")
    format: Literal[
        "canonical", "police_uk", "home_office_prc", "force_extract", "ons_lookup", "ons_population"
    ] = Field(
        default="canonical",
        description="Adapter: canonical (the data contract, CSV or Parquet), police_uk "
        "(data.police.uk street files), home_office_prc (Home Office open data tables), "
        "force_extract (a force's own extract with a column mapping), ons_lookup (ONS LSOA "
        "lookups, for areas), ons_population (ONS LSOA population totals).",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Adapter options, e.g. the column mapping of a force extract.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `crimes: data/crimes.csv` is shorthand for `crimes: {path: data/crimes.csv}`
        if isinstance(value, str | Path):
            return {"path": value}
        if not isinstance(value, dict):
            raise ValueError(
                "must be a path, or a mapping with path (and optionally format and options)"
            )
        return value


class SourcesParams(StrictModel):
    """Input sources. crimes, population and areas are required; the others are optional
    and, when absent, their chapters say "not provided"."""

    crimes: SourceSpec
    population: SourceSpec
    areas: SourceSpec
    ed_attendances: SourceSpec | None = None
    ambulance: SourceSpec | None = None
    admissions: SourceSpec | None = None
    homicides: SourceSpec | None = None
    risk_factors: SourceSpec | None = None
    interventions: SourceSpec | None = None
    spend: SourceSpec | None = None
    survey: SourceSpec | None = None
    recorded_crime_counts: SourceSpec | None = None

    def provided(self) -> dict[str, SourceSpec]:
        """Sources given in the params file, by canonical table name."""
        return {
            name: spec
            for name, spec in ((n, getattr(self, n)) for n in type(self).model_fields)
            if spec is not None
        }


class DefinitionParams(StrictModel):
    """Options of the serious violence definition (see docs/offence-codes.md)."""

    public_place_only: bool = Field(
        default=True, description="Count only offences in a public place."
    )
    exclude_domestic: bool = Field(default=True, description="Exclude offences flagged domestic.")
    exclude_sexual_offences: bool = Field(
        default=True, description="Exclude offences in the Sexual offences group."
    )
    priority_age_limit: int = Field(
        default=25,
        ge=1,
        le=120,
        description="Priority cohort: people aged under this many years.",
    )
    priority_age_applies_to: Literal["victim", "offender", "either", "both"] = Field(
        default="either",
        description="Whether the priority age applies to the victim, the offender, either or both.",
    )
    apply_priority_age: bool = Field(
        default=True,
        description="Restrict the headline definition to the priority age cohort. When "
        "false the flow still reports the cohort but the definition counts all ages.",
    )
    extra_codes: list[str] = Field(
        default_factory=list,
        description="Offence codes added to the definition (e.g. ['8S']).",
    )
    excluded_codes: list[str] = Field(
        default_factory=list,
        description="Offence codes removed from the definition.",
    )


class DisclosureParams(StrictModel):
    """Statistical disclosure control."""

    threshold: int = Field(
        default=5,
        ge=1,
        description="Counts from 1 to threshold-1 are suppressed in published outputs.",
    )
    hes_threshold: int = Field(
        default=8,
        ge=1,
        description="Threshold for Hospital Episode Statistics (NHS Digital rule: 1-7 "
        "suppressed, so 8).",
    )
    min_count_for_rate: int = Field(
        default=10,
        ge=1,
        description="No rate is published on a count below this.",
    )
    rounding: int = Field(
        default=1,
        ge=1,
        description="Published counts are rounded to the nearest multiple of this base "
        "(e.g. 5) after suppression; 1 publishes them unrounded.",
    )


class NamedPeriod(StrictModel):
    """A period modelled as an interruption (e.g. a lockdown)."""

    name: str = Field(description="Label used in tables and charts.")
    start: date
    end: date | None = Field(
        default=None, description="Last day (inclusive); empty for a lasting change."
    )
    effect: Literal["step", "step_and_slope"] = Field(
        default="step",
        description="Model a step change only, or a step and a change of slope.",
    )
    area_codes: list[str] | None = Field(
        default=None,
        description="District (or LSOA) codes the period applies to, e.g. a local "
        "lockdown; empty for the whole area.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> NamedPeriod:
        if self.end is not None and self.end < self.start:
            raise KeyProblem(
                "end", f"period '{self.name}': end {self.end} is before start {self.start}"
            )
        return self


class WindowParams(StrictModel):
    start: date = Field(description="First day of the analysis window.")
    end: date = Field(description="Last day of the analysis window (inclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> WindowParams:
        if self.end <= self.start:
            raise KeyProblem("end", f"end {self.end} must be after start {self.start}")
        return self


class ValidationParams(StrictModel):
    max_rejected_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="If more than this share of a source's rows is rejected, stop with "
        "exit code 2 rather than build on a bad extract.",
    )
    missing_months: Literal["leave_out", "stop"] = Field(
        default="leave_out",
        description="A month of the analysis window with no data (no data.police.uk file, "
        "or no records where records are expected): 'leave_out' reports it in the data "
        "quality chapter, shows it as a gap and leaves it out of the models; 'stop' stops "
        "the build with exit code 2.",
    )


class StatisticsParams(StrictModel):
    """How differences are tested, how many tests are controlled for, and how series are
    charted (docs/methods.md)."""

    multiple_comparisons: Literal["fdr", "holm"] = Field(
        default="fdr",
        description="Control for findings that name districts, groups, months or areas as "
        "unusual: 'fdr' controls the false discovery rate (Benjamini-Hochberg), 'holm' the "
        "family-wise error rate (Holm).",
    )
    funnel_method: Literal["poisson", "multiplicative", "additive"] = Field(
        default="additive",
        description="Funnel plot limits (Spiegelhalter 2005): 'poisson' exact Poisson limits "
        "only; 'multiplicative' widens them by the estimated overdispersion factor; "
        "'additive' adds a between-area random effect. Both adjusted methods use "
        "Winsorised z-scores and fall back to Poisson limits when no overdispersion is "
        "found.",
    )
    funnel_winsorise: float = Field(
        default=0.10,
        ge=0,
        lt=0.5,
        description="Share of areas Winsorised at each end when estimating funnel "
        "overdispersion (Spiegelhalter 2005 uses 10%).",
    )
    xmr_seasonal: Literal["none", "adjusted", "differenced"] = Field(
        default="none",
        description="XmR charts of monthly (quarterly) rates: 'none' charts crimes per 30 "
        "days (91 days); 'adjusted' divides the rate by the month-of-year (quarter-of-year) "
        "index estimated from the baseline; 'differenced' charts the change from the same "
        "month (quarter) a year before. Weekly charts (counts) are never adjusted.",
    )


class ReportParams(StrictModel):
    title: str = Field(
        default="Serious violence Strategic Needs Assessment",
        description="Title of the SNA report.",
    )
    annual_report_title: str = Field(
        default="Annual Report", description="Title of the Annual Report."
    )
    include_code: bool = Field(
        default=True,
        description="Keep the notebook code in the HTML, folded and hidden by default.",
    )


class Params(StrictModel):
    """All parameters of one run."""

    params_version: Literal[1] = Field(default=1, description="Version of this format.")
    area: AreaParams
    report_year: str = Field(description="Financial year reported on, e.g. '2020/21'.")
    analysis_window: WindowParams
    baseline: str | None = Field(
        default="2018/19",
        description="Baseline financial year for the success measures (default the year "
        "before the VRU began); null when the data do not reach back to one.",
    )
    sources: SourcesParams
    definition: DefinitionParams = Field(default_factory=DefinitionParams)
    disclosure: DisclosureParams = Field(default_factory=DisclosureParams)
    periods: list[NamedPeriod] = Field(default_factory=list)
    validation: ValidationParams = Field(default_factory=ValidationParams)
    report: ReportParams = Field(default_factory=ReportParams)
    statistics: StatisticsParams = Field(default_factory=StatisticsParams)
    output_dir: Path | None = Field(
        default=None,
        description="Run directory, relative to the params file. Default "
        "../outputs/<slug>-<year> (the outputs/ folder beside params/).",
    )
    seed: int = Field(default=20190901, description="Seed for any random step.")

    # Not a YAML key: where the params were read from (set by load_params).
    source_file: Path | None = Field(default=None, exclude=True, repr=False)
    # Not a YAML key: each source's path as written in the file, for messages.
    _written_paths: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("report_year", "baseline", mode="before")
    @classmethod
    def _financial_year(cls, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int):
            raise ValueError("must be a financial year written 2020/21")
        return FinancialYear.parse(str(value)).label

    @model_validator(mode="after")
    def _window_covers(self) -> Params:
        if self.baseline_fy is not None and self.baseline_fy >= self.fy:
            raise KeyProblem(
                "baseline",
                f"baseline {self.baseline} must be before report_year {self.report_year}",
            )
        w = self.analysis_window
        for label, fy in (("report_year", self.fy), ("baseline", self.baseline_fy)):
            if fy is None:
                continue
            if fy.start < w.start or fy.end > w.end:
                raise KeyProblem(
                    label,
                    f"{label} {fy.label} ({fy.start} to {fy.end}) is not inside the analysis "
                    f"window {w.start} to {w.end}",
                )
        for i, period in enumerate(self.periods):
            self._period_in_window(i, period)
        return self

    def _period_in_window(self, i: int, period: NamedPeriod) -> None:
        """A named period is modelled from the months of the window it covers: it needs
        some. (One that starts before the window has no months before it to compare with;
        the trend models say so and leave it out.)"""
        w = self.analysis_window
        until = f"to {period.end}" if period.end else "onwards"
        if period.start > w.end or (period.end is not None and period.end < w.start):
            raise KeyProblem(
                ("periods", i),
                f"period '{period.name}' ({period.start} {until}) lies outside the analysis "
                f"window {w.start} to {w.end}: it has no month to model; remove it or widen "
                "the window",
            )

    @property
    def fy(self) -> FinancialYear:
        return FinancialYear.parse(self.report_year)

    @property
    def baseline_fy(self) -> FinancialYear | None:
        return None if self.baseline is None else FinancialYear.parse(self.baseline)

    @property
    def run_name(self) -> str:
        return f"{self.area.slug}-{self.fy.start_year}-{(self.fy.start_year + 1) % 100:02d}"

    @property
    def base_dir(self) -> Path:
        """The folder paths in the params are relative to: the params file's folder (the
        working directory for parameters not read from a file)."""
        return self.source_file.parent if self.source_file else Path.cwd()

    def resolve_path(self, path: str | Path) -> Path:
        """A path as written in the params, made absolute (relative ones from :attr:`base_dir`)."""
        return (self.base_dir / path).resolve()

    def default_output_dir(self) -> Path:
        return self.resolve_path(Path("..") / "outputs" / self.run_name)

    def to_json_dict(self) -> dict[str, Any]:
        return json.loads(self.model_dump_json())


# --------------------------------------------------------------------------- loading


def _resolve_paths(params: Params) -> Params:
    provided = params.sources.provided()
    sources = {
        name: spec.model_copy(update={"path": params.resolve_path(spec.path)})
        for name, spec in provided.items()
    }
    new_sources = params.sources.model_copy(update=sources)
    out = params.output_dir
    if out is not None:
        out = params.resolve_path(out)
    resolved = params.model_copy(update={"sources": new_sources, "output_dir": out})
    resolved._written_paths.update({name: str(spec.path) for name, spec in provided.items()})
    return resolved


def parse_params(data: dict[str, Any], *, source_file: Path | None = None) -> Params:
    """Validate a parameters mapping; paths are resolved relative to ``source_file``."""
    label = str(source_file) if source_file else "parameters"
    if not isinstance(data, dict):
        raise ParamsError("expected a YAML mapping of keys to values", file=label)
    if "source_file" in data:  # a field of the model, but not a key of the file
        raise ParamsError(
            "1 problem in the parameters: unknown key 'source_file'. See docs/params.md for "
            "every key.",
            file=label,
        )
    params = validate_mapping(
        Params,
        data,
        what="the parameters",
        see="docs/params.md for every key",
        file=label,
        error=ParamsError,
    )
    return _resolve_paths(params.model_copy(update={"source_file": source_file}))


# What a file that is not a params file is, from its first bytes or its name.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) workbook"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PAR1", "a Parquet file"),
    (b"%PDF", "a PDF document"),
)
_TABLE_SUFFIXES = {
    ".csv": "a CSV file",
    ".tsv": "a tab-separated file",
    ".xlsx": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".parquet": "a Parquet file",
    ".ipynb": "a notebook",
}
_NOT_PARAMS = (
    "not a parameters file: give the YAML parameters file (e.g. params/<area>-<year>.yaml), "
    "which names the input files under sources"
)


def _what_file(path: Path, raw: bytes) -> str | None:
    """What the file is, when it is plainly not a YAML parameters file; else None."""
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if b"\x00" in raw[:8192]:
        return "a binary file"
    return _TABLE_SUFFIXES.get(path.suffix.lower())


class _DuplicateKey(Exception):
    def __init__(self, key: str, first: int, second: int) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


def _check_duplicates(node: yaml.Node, path: str = "") -> None:
    """Refuse a key written twice in one mapping: PyYAML would silently keep the later value.

    The key is named by its path (``disclosure.threshold``; ``periods (item 2).name``) and
    both lines are given.
    """
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                _check_duplicates(value_node, path)
                continue
            key = key_node.value
            dotted = f"{path}.{key}" if path else str(key)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(dotted, seen[key], line)
            seen[key] = line
            _check_duplicates(value_node, dotted)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(item, f"{path} (item {i + 1})")


def read_params_yaml(path: Path) -> Any:
    """The YAML of a params file, refused with a one-line reason when it is not one.

    Raises
    ------
    ParamsError
        A folder, a missing, empty, binary or table file, text that is not UTF-8, a YAML
        syntax error (with its line), or a key written twice in one mapping (both lines).
    """
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.y*ml"))[:3]
        hint = f" (it holds {', '.join(found)})" if found else ""
        raise ParamsError(
            f"is a folder, not a parameters file: give the YAML file itself{hint}", file=path
        )
    if not path.exists():
        raise ParamsError("parameters file not found", file=path)
    raw = path.read_bytes()
    what = _what_file(path, raw)
    if what is not None:
        raise ParamsError(f"this is {what}, {_NOT_PARAMS}", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParamsError(
            f"not UTF-8 text (byte {exc.start + 1} cannot be read): save the parameters file "
            "as UTF-8",
            file=path,
        ) from None
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise ParamsError(
            "the parameters file is empty: it must hold the keys described in docs/params.md",
            file=path,
        )
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_duplicates(node)
        return loader.construct_document(node) if node is not None else None
    except _DuplicateKey as dup:
        raise ParamsError(
            f"key '{dup.key}' is given twice, at lines {dup.first} and {dup.second}: keep one "
            "(YAML would silently use the later value)",
            file=path,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"not valid YAML{where}: {problem}", file=path) from None
    finally:
        loader.dispose()


def load_params(path: str | Path) -> Params:
    """Read and validate a params YAML file.

    Raises
    ------
    ParamsError
        If the file is missing, a folder, not YAML (or not UTF-8 text), has a key twice, or
        fails validation. The message names the file and every problem found.
    """
    path = Path(path).resolve()
    data = read_params_yaml(path)
    if isinstance(data, str | int | float):
        raise ParamsError(
            'holds plain text, not YAML keys and values (e.g. report_year: "2021/22"): '
            + _NOT_PARAMS,
            file=path,
        )
    if isinstance(data, list):
        raise ParamsError(
            "holds a list; expected a mapping of keys to values (params_version, area, "
            "report_year, ...), as in docs/params.md",
            file=path,
        )
    return parse_params(data, source_file=path)


def check_input_paths(params: Params) -> None:
    """Every input path in the params exists, and is a file where a file is needed.

    Run before the inputs are read, so that the message names the key and the path as the
    analyst wrote it (``sources.crimes: 'data/crimes.csv' does not exist``).

    Raises
    ------
    ParamsError
        Naming the params file, the key, the path as written and where it was looked for.
    """
    folders_allowed = {"police_uk"}  # street-level files: a folder of monthly files
    for name, spec in params.sources.provided().items():
        written = params._written_paths.get(name, str(spec.path))
        _check_path(params, f"sources.{name}", written, spec.path, spec.format in folders_allowed)
        for key in ("csp_lookup", "imd", "pfa_lookup"):
            value = spec.options.get(key)
            if isinstance(value, str):
                _check_path(
                    params,
                    f"sources.{name}.options.{key}",
                    value,
                    params.resolve_path(value),
                    False,
                )


def _check_path(params: Params, key: str, written: str, path: Path, folder_ok: bool) -> None:
    where = f" (looked for {path})" if str(path) != written else ""
    if not path.exists():
        raise ParamsError(
            f"{key}: '{written}' does not exist{where}; paths are relative to the params file",
            file=params.source_file or "parameters",
        )
    if path.is_dir() and not folder_ok:
        raise ParamsError(
            f"{key}: '{written}' is a folder; a file is needed here{where}",
            file=params.source_file or "parameters",
        )


def params_from_json(path: str | Path) -> Params:
    """Read the validated parameters a build wrote to ``<run>/params.json``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Params.model_validate(data)


def documented_keys() -> list[str]:
    """Every key path of the params format, e.g. 'definition.priority_age_limit'."""
    keys: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            if field.exclude:
                continue
            key = f"{prefix}{name}"
            keys.append(key)
            inner = nested_model(field.annotation)
            if inner is SourceSpec:
                continue  # documented once, as sources.<name>.path / format / options
            if inner is not None:
                walk(inner, key + ".")

    walk(Params, "")
    keys.extend(f"sources.<name>.{k}" for k in SourceSpec.model_fields)
    return keys
