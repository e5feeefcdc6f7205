"""Periodic reports built by the pipeline: ``sna report monitoring``.

A periodic report is a build of a subset: one notebook and one report project, with the
build's own validation, staging, atomic swap, manifest and renderer choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from snalib.chapters.monitoring.periods import PERIOD_WORDS, PERIODS
from snalib.errors import InputError
from snalib.params import Params
from snalib.pipeline.build import build, resolve_run_dir
from snalib.pipeline.notebooks import NotebookStage


@dataclass
class MonitoringReport:
    run_dir: Path
    period: str
    renderer: str

    @property
    def index(self) -> Path:
        return self.run_dir / "monitoring" / "index.html"


def monitoring_run_dir(params: Params, period: str, out=None) -> Path:
    """``--out``, else ``<run>-monitoring-<period>`` beside the run's default directory."""
    if out is not None:
        return Path(out).resolve()
    run = resolve_run_dir(params, None)
    return run.with_name(f"{run.name}-monitoring-{period}")


def build_monitoring_report(
    params: Params, period: str, *, out=None, renderer: str = "auto", progress: bool = True
) -> MonitoringReport:
    """``sna report monitoring``: the short periodic report the board receives.

    Runs :func:`snalib.pipeline.build` with one notebook (``notebooks/05-monitoring.ipynb``,
    given ``period``) and one report project (``reports/monitoring``).

    Raises
    ------
    snalib.errors.InputError
        For an unknown period, or weekly monitoring of public data (months only).
    """
    if period not in PERIODS:
        raise InputError(f"--period must be one of {', '.join(PERIODS)}; got '{period}'")
    if period == "week" and params.sources.crimes.format == "police_uk":
        raise InputError(
            "weekly monitoring needs offence dates, and data.police.uk street-level files give "
            "only the month of each crime: use --period month or --period quarter"
        )
    title = (
        f"Serious violence monitoring report ({PERIOD_WORDS[period]}): {params.area.name}",
        f"Data to {params.analysis_window.end}",
    )
    result = build(
        params,
        out=monitoring_run_dir(params, period, out),
        renderer=renderer,
        progress=progress,
        notebooks=(
            NotebookStage("monitoring", "05-monitoring.ipynb", parameters=(("period", period),)),
        ),
        reports=("monitoring",),
        titles={"monitoring": title},
        manifest_extra={"report": {"kind": "monitoring", "period": period}},
    )
    return MonitoringReport(result.run_dir, period, result.renderer)
