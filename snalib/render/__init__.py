"""Render the Quarto projects in ``reports/`` to HTML.

With the Quarto CLI on PATH, ``quarto render`` does it (:mod:`snalib.render.quarto`).
Without it, the built-in renderer (:mod:`snalib.render.builtin`) reads the same prepared
projects (:mod:`snalib.render.project`) and imitates Quarto's HTML book. Either way, every
executed notebook is also written as an HTML page (:mod:`snalib.render.notebook_pages`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from snalib.errors import InputError, RenderError
from snalib.render.builtin import BuiltinRenderer
from snalib.render.notebook_pages import write_notebook_pages
from snalib.render.project import prepare_project, write_report_notebooks
from snalib.render.quarto import quarto_available, render_with_quarto

__all__ = [
    "RenderError",
    "choose_renderer",
    "prepare_reports",
    "quarto_available",
    "render_report",
]


def choose_renderer(requested: str = "auto") -> str:
    """``quarto`` when requested or available, else ``builtin``."""
    if requested == "builtin":
        return "builtin"
    if quarto_available():
        return "quarto"
    if requested == "quarto":
        raise InputError("--renderer quarto was asked for but the quarto CLI is not on PATH")
    return "builtin"


def prepare_reports(run_dir: Path) -> None:
    """What every report of a run reads, whatever the renderer: the report notebooks
    (``<run>/reports/_notebooks``) and the executed notebooks' pages (``<run>/notebooks``)."""
    write_report_notebooks(run_dir)
    write_notebook_pages(run_dir)


def render_report(
    report: str, run_dir: Path, renderer: str, *, title: tuple[str, str] | None = None
) -> Path:
    """Render one report of a run into ``<run>/<report>/``; returns its index.html.

    :func:`prepare_reports` must have run first.
    """
    project = prepare_project(report, run_dir, title)
    out_dir = run_dir / report
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if renderer == "quarto":
        render_with_quarto(report, project, out_dir)
    else:
        BuiltinRenderer(project, out_dir).render()
    index = out_dir / "index.html"
    if not index.is_file():
        raise RenderError(f"rendering {report} wrote no index.html")
    return index
