"""Render a prepared report project with the Quarto CLI."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from snalib.render.errors import RenderError

log = logging.getLogger("sna.render")


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def render_with_quarto(report: str, project: Path, out_dir: Path) -> None:
    """``quarto render`` one prepared project into ``out_dir``."""
    proc = subprocess.run(
        ["quarto", "render", str(project), "--to", "html", "--output-dir", str(out_dir)],
        capture_output=True,
        text=True,
    )
    log.info("quarto render %s:\n%s\n%s", report, proc.stdout, proc.stderr)
    if proc.returncode != 0:
        raise RenderError(f"quarto render failed for {report}: {proc.stderr[-2000:]}")
