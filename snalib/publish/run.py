"""The run directory, as a notebook sees it.

A notebook gets one parameter, ``run_dir``, and opens it with :class:`RunContext`: the
validated parameters, the canonical tables (Parquet in ``data/``), the data quality
record and the manifest, and the two ways to publish (tables and figures), both through
disclosure control.

Layout of a run directory::

    params.json       validated parameters (what the notebooks read)
    manifest.json     inputs with sha256, parameters, versions, timings, outputs
    data/             validated canonical tables (Parquet), rejected_<table>.csv,
                      quality.json (reconciliation of every source)
    notebooks/        the executed notebooks
    tables/           published tables (CSV), after disclosure control
    figures/          published figures (SVG, PNG) and their data (CSV)
    reports/          the Quarto projects as rendered for this run
    sna/              the SNA (HTML)
    annual-report/    the Annual Report (HTML)
    logs/             build.log
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from snalib.params import Params, params_from_json
from snalib.publish.disclosure import Rule, protect, rule_from_params
from snalib.publish.scan import declare
from snalib.publish.tables import PublishedFigure, PublishedTable, figure_bytes, write_csv

DATA = "data"
TABLES = "tables"
FIGURES = "figures"


class RunContext:
    """Read and publish within one run directory."""

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir).resolve()
        if not (self.dir / "params.json").is_file():
            raise FileNotFoundError(
                f"{self.dir} is not a run directory (no params.json): run `sna build` first"
            )

    # ------------------------------------------------------------------ reading
    @cached_property
    def params(self) -> Params:
        return params_from_json(self.dir / "params.json")

    def has(self, table: str) -> bool:
        """Whether the run has this canonical (or derived) table."""
        return (self.dir / DATA / f"{table}.parquet").is_file()

    def table(self, name: str) -> pd.DataFrame:
        """A table from ``data/`` (canonical, or derived such as ``crimes_flagged``)."""
        path = self.dir / DATA / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"table {name} was not provided for this run")
        return pd.read_parquet(path)

    def quality(self) -> dict:
        """Per-source reconciliation written by the data stage."""
        return json.loads((self.dir / DATA / "quality.json").read_text(encoding="utf-8"))

    def manifest(self) -> dict:
        path = self.dir / "manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def rule(self, source: str = "police") -> Rule:
        return rule_from_params(self.params.disclosure, source=source)

    # ------------------------------------------------------------------ publishing
    def publish_table(
        self,
        frame: pd.DataFrame,
        name: str,
        *,
        caption: str,
        counts: Iterable[str] | None = (),
        rates: Mapping[str, str] | None = None,
        source: str = "police",
        labels: Mapping[str, str] | None = None,
        formats: Mapping[str, str] | None = None,
        show: list[str] | None = None,
    ) -> PublishedTable:
        """Apply disclosure control, write ``tables/<name>.csv`` and return it for display.

        Parameters
        ----------
        counts, rates
            Columns holding counts, and rate columns mapped to the count they rest on
            (see :func:`snalib.publish.disclosure.protect`). ``counts=None`` declares that
            the table holds no counts of people or events (e.g. the accounting of input
            records); the disclosure scanner then does not read its columns as counts.
        source
            Which disclosure rule applies ("hes" for admissions).
        labels, formats, show
            Column headings, number formats and the columns shown in the chapter (the CSV
            always has every column).
        """
        protected = protect(frame, self.rule(source), counts=counts or (), rates=rates)
        if not protected["notes"].astype(bool).any():
            protected = protected.drop(columns="notes")
        path = self.dir / TABLES / f"{name}.csv"
        write_csv(protected, path)
        declare(self.dir, path, counts)
        shown = show if show is None else [c for c in show if c in protected.columns]
        if shown is not None and "notes" in protected.columns and "notes" not in shown:
            shown = [*shown, "notes"]
        labels = {"notes": "Notes", **dict(labels or {})}
        return PublishedTable(name, path, protected, caption, labels, formats, shown)

    def publish_figure(
        self,
        fig,
        name: str,
        *,
        title: str,
        alt: str,
        data: pd.DataFrame,
        counts: Iterable[str] = (),
        rates: Mapping[str, str] | None = None,
        source: str = "police",
        note: str = "",
    ) -> PublishedFigure:
        """Write ``figures/<name>.svg``, ``.png`` and its data ``.csv``; return it for display.

        The chart's data goes through the same disclosure control as a table. The figure
        is closed after saving, so notebooks do not show it twice.
        """
        if not title or not alt:
            raise ValueError("every figure needs a title stating the finding and alt text")
        folder = self.dir / FIGURES
        folder.mkdir(parents=True, exist_ok=True)
        svg, png = figure_bytes(fig)
        plt.close(fig)
        (folder / f"{name}.svg").write_bytes(svg)
        (folder / f"{name}.png").write_bytes(png)
        protected = protect(data, self.rule(source), counts=counts, rates=rates)
        if not protected["notes"].astype(bool).any():
            protected = protected.drop(columns="notes")
        write_csv(protected, folder / f"{name}.csv")
        declare(self.dir, folder / f"{name}.csv", counts)
        return PublishedFigure(name, title, alt, svg, folder / f"{name}.csv", note)
