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
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from snalib.errors import ParamsError
from snalib.periods import FinancialYear
from snalib.validation import nested_model, validate_mapping

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


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaParams(StrictModel):
    """The area the assessment covers."""

    name: str = Field(description="Area name as it appears in the report title.")
    slug: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
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
            raise ValueError(f"period '{self.name}': end {self.end} is before start {self.start}")
        return self


class WindowParams(StrictModel):
    start: date = Field(description="First day of the analysis window.")
    end: date = Field(description="Last day of the analysis window (inclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> WindowParams:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class ValidationParams(StrictModel):
    max_rejected_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="If more than this share of a source's rows is rejected, stop with "
        "exit code 2 rather than build on a bad extract.",
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
    output_dir: Path | None = Field(
        default=None,
        description="Run directory, relative to the params file. Default "
        "../outputs/<slug>-<year> (the outputs/ folder beside params/).",
    )
    seed: int = Field(default=20190901, description="Seed for any random step.")

    # Not a YAML key: where the params were read from (set by load_params).
    source_file: Path | None = Field(default=None, exclude=True, repr=False)

    @field_validator("report_year", "baseline")
    @classmethod
    def _financial_year(cls, value: str | None) -> str | None:
        return None if value is None else FinancialYear.parse(value).label

    @model_validator(mode="after")
    def _window_covers(self) -> Params:
        w = self.analysis_window
        for label, fy in (("report_year", self.fy), ("baseline", self.baseline_fy)):
            if fy is None:
                continue
            if fy.start < w.start or fy.end > w.end:
                raise ValueError(
                    f"{label} {fy.label} ({fy.start} to {fy.end}) is not inside the analysis "
                    f"window {w.start} to {w.end}"
                )
        if self.baseline_fy is not None and self.baseline_fy >= self.fy:
            raise ValueError(
                f"baseline {self.baseline} must be before report_year {self.report_year}"
            )
        return self

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
    sources = {
        name: spec.model_copy(update={"path": params.resolve_path(spec.path)})
        for name, spec in params.sources.provided().items()
    }
    new_sources = params.sources.model_copy(update=sources)
    out = params.output_dir
    if out is not None:
        out = params.resolve_path(out)
    return params.model_copy(update={"sources": new_sources, "output_dir": out})


def parse_params(data: dict[str, Any], *, source_file: Path | None = None) -> Params:
    """Validate a parameters mapping; paths are resolved relative to ``source_file``."""
    label = str(source_file) if source_file else "parameters"
    if not isinstance(data, dict):
        raise ParamsError("expected a YAML mapping of keys to values", file=label)
    params = validate_mapping(
        Params,
        data,
        what="the parameters",
        see="docs/params.md for every key",
        file=label,
        error=ParamsError,
    )
    return _resolve_paths(params.model_copy(update={"source_file": source_file}))


def load_params(path: str | Path) -> Params:
    """Read and validate a params YAML file.

    Raises
    ------
    ParamsError
        If the file is missing, is not YAML, or fails validation. The message names the
        file and every problem found.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise ParamsError("parameters file not found", file=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError(
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", file=path
        ) from None
    except UnicodeDecodeError:
        raise ParamsError("not a UTF-8 text file", file=path) from None
    return parse_params(data, source_file=path)


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
