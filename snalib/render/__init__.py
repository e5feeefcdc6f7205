"""Render the Quarto projects in ``reports/`` to HTML.

With the Quarto CLI on PATH, ``quarto render`` does it (:mod:`snalib.render.quarto`).
Without it, the built-in renderer (:mod:`snalib.render.builtin`) reads the same projects
and imitates Quarto's HTML book. :mod:`snalib.render.project` prepares a project for a run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from snalib.errors import InputError
from snalib.render.builtin import BuiltinRenderer
from snalib.render.errors import RenderError
from snalib.render.project import prepare_project
from snalib.render.quarto import quarto_available, render_with_quarto

__all__ = ["RenderError", "choose_renderer", "quarto_available", "render_report"]


def choose_renderer(requested: str = "auto") -> str:
    """``quarto`` when requested or available, else ``builtin``."""
    if requested == "builtin":
        return "builtin"
    if quarto_available():
        return "quarto"
    if requested == "quarto":
        raise InputError("--renderer quarto was asked for but the quarto CLI is not on PATH")
    return "builtin"


def render_report(
    report: str, run_dir: Path, renderer: str, *, title: tuple[str, str] | None = None
) -> Path:
    """Render one report of a run into ``<run>/<report>/``; returns its index.html."""
    project = prepare_project(report, run_dir, title)
    out_dir = run_dir / report
    if out_dir.exists():
        shutil.rmtree(out_dir)
    if renderer == "quarto":
        render_with_quarto(report, project, out_dir)
    else:
        BuiltinRenderer(project, out_dir, run_dir).render()
    index = out_dir / "index.html"
    if not index.is_file():
        raise RenderError(f"rendering {report} wrote no index.html")
    return index
