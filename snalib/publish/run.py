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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from snalib.params import Params, params_from_json
from snalib.publish.disclosure import (
    NO_COUNTS,
    SUPPRESSED,
    Relation,
    Rule,
    count_columns,
    protect,
    rule_from_params,
)
from snalib.publish.tables import PublishedFigure, PublishedTable, figure_bytes, write_csv

__all__ = ["NO_COUNTS", "RunContext"]

#: Relations of a table's counts, or a function of the table returning them.
Relations = Iterable[Relation] | Callable[[pd.DataFrame], Iterable[Relation]]

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
    def _protect(
        self, frame, name, counts, rates, relations, source, keep=None, *, folder=TABLES
    ) -> pd.DataFrame:
        declared_none = counts is NO_COUNTS
        counts = count_columns(frame, counts, name=name)
        if callable(relations):
            relations = relations(frame)
        if callable(keep):
            keep = keep(frame)
        protected = protect(
            frame,
            self.rule(source),
            counts=counts,
            rates=rates,
            relations=relations or (),
            keep=keep,
        )
        if not protected["notes"].astype(bool).any():
            protected = protected.drop(columns="notes")
        self._record_counts(f"{folder}/{name}.csv", counts, source, declared_none)
        return protected

    def _record_counts(
        self, name: str, counts: list[str], source: str, no_counts: bool = False
    ) -> None:
        """Note in ``data/published_counts.json`` (not published) which columns of each
        published file are counts and under which rule, for the disclosure scanner
        (:mod:`snalib.publish.scan`) and other checks of the published run."""
        path = self.dir / DATA / "published_counts.json"
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        rule = self.rule(source)
        record[name] = {
            "counts": counts,
            "no_counts": no_counts,
            "threshold": rule.threshold,
            "rounding": rule.rounding,
        }
        path.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")

    def publish_table(
        self,
        frame: pd.DataFrame,
        name: str,
        *,
        caption: str,
        counts: Iterable[str] | object,
        rates: Mapping[str, str | Sequence[str]] | None = None,
        relations: Relations = (),
        keep=None,
        source: str = "police",
        labels: Mapping[str, str] | None = None,
        formats: Mapping[str, str] | None = None,
        show: list[str] | None = None,
    ) -> PublishedTable:
        """Apply disclosure control, write ``tables/<name>.csv`` and return it for display.

        Parameters
        ----------
        counts
            Required: the columns holding counts, or
            :data:`snalib.publish.disclosure.NO_COUNTS` for a table without any (an empty
            list or None is refused, so that no table is published unprotected by omission).
        rates
            Rate columns mapped to the count (or counts) they rest on
            (see :func:`snalib.publish.disclosure.protect`).
        relations
            How the counts add up (:class:`snalib.publish.disclosure.Relation`), or a
            function of the frame returning them: secondary suppression keeps every
            withheld count from being worked back from its total.
        keep
            A flag per row (or a function of the frame giving them): rows withheld as
            complements only when nothing else will do, e.g. the headline series.
        source
            Which disclosure rule applies ("hes" for admissions).
        labels, formats, show
            Column headings, number formats and the columns shown in the chapter (the CSV
            always has every column).
        """
        protected = self._protect(frame, name, counts, rates, relations, source, keep)
        path = self.dir / TABLES / f"{name}.csv"
        write_csv(protected, path)
        shown = show if show is None else [c for c in show if c in protected.columns]
        if shown is not None and "notes" in protected.columns and "notes" not in shown:
            shown = [*shown, "notes"]
        labels = {"notes": "Notes", **dict(labels or {})}
        return PublishedTable(name, path, protected, caption, labels, formats, shown)

    def publish_figure(
        self,
        chart: Figure | Callable[[pd.DataFrame], Figure],
        name: str,
        *,
        title: str,
        alt: str,
        data: pd.DataFrame,
        counts: Iterable[str] | object,
        rates: Mapping[str, str | Sequence[str]] | None = None,
        relations: Relations = (),
        source: str = "police",
        note: str = "",
    ) -> PublishedFigure:
        """Protect a chart's data, draw it, and write ``figures/<name>.svg``, ``.png`` and
        the data as ``.csv``; return it for display.

        Parameters
        ----------
        chart
            A function drawing the figure from the *protected* data (withheld counts are
            ``[c]`` there, so the chart cannot show them), or a figure already drawn from
            data that went through disclosure control. A drawn figure whose value labels
            print a count that the data file withholds is refused.
        data, counts, rates, relations, source
            The chart's data and its disclosure control, as for :meth:`publish_table`.

        The figure is closed after saving, so notebooks do not show it twice.
        """
        if not title or not alt:
            raise ValueError("every figure needs a title stating the finding and alt text")
        protected = self._protect(data, name, counts, rates, relations, source, folder=FIGURES)
        fig = chart if isinstance(chart, Figure) else chart(protected)
        try:
            _refuse_withheld_labels(fig, data, protected, name)
            svg, png = figure_bytes(fig)
        finally:
            plt.close(fig)
        folder = self.dir / FIGURES
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.svg").write_bytes(svg)
        (folder / f"{name}.png").write_bytes(png)
        write_csv(protected, folder / f"{name}.csv")
        return PublishedFigure(name, title, alt, svg, folder / f"{name}.csv", note)


_NUMBER = re.compile(r"\s*-?\d[\d,]*(\.\d+)?\s*")


def _refuse_withheld_labels(fig: Figure, data: pd.DataFrame, protected, name: str) -> None:
    """Raise when a text label of the figure (bar or point labels, not axis ticks) is
    exactly a count that the published data withholds."""
    withheld = set()
    for col in protected.columns.intersection(data.columns):
        mask = (
            protected[col].astype(str).eq(SUPPRESSED).to_numpy()
            & ~data[col].astype(str).eq(SUPPRESSED).to_numpy()
        )
        values = pd.to_numeric(data[col][mask], errors="coerce").dropna()
        withheld |= {float(v) for v in values if v >= 1}
    if not withheld:
        return
    for ax in fig.axes:
        for text in ax.texts:
            label = text.get_text()
            if _NUMBER.fullmatch(label) and float(label.replace(",", "")) in withheld:
                raise ValueError(
                    f"figure {name} prints {label.strip()}, a count its data withholds: "
                    "draw it from the protected data"
                )
