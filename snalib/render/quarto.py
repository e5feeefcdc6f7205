"""Render a prepared report project with the Quarto CLI.

Quarto prints progress (``[2/6] data-quality.qmd``), warnings and errors in colour on
stderr. The whole output goes to the build log; warnings are logged as warnings, and on a
failure :class:`~snalib.render.errors.RenderError` carries Quarto's first error line
(without colour codes) and the chapter it was rendering.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

from snalib.errors import RenderError

log = logging.getLogger("sna.render")

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROGRESS = re.compile(r"^\[\s*\d+/\d+\]\s+(?P<file>\S+)")


def quarto_available() -> bool:
    """Whether the ``quarto`` command is on PATH."""
    return shutil.which("quarto") is not None


def plain_lines(text: str) -> list[str]:
    """Quarto's output as lines without colour codes or trailing spaces."""
    return [line.rstrip() for line in _ANSI.sub("", text).splitlines()]


def quarto_warnings(output: str) -> list[str]:
    """The ``WARNING`` lines of Quarto's output."""
    return [line for line in plain_lines(output) if line.lstrip().startswith("WARNING")]


def quarto_failure(output: str) -> tuple[str, str | None]:
    """Quarto's first meaningful error line, and the chapter it was rendering.

    Returns
    -------
    tuple
        (message, chapter file or None). The message is the first line starting with
        ``ERROR``, else the last non-empty line that is not progress or a stack frame.
    """
    chapter = None
    candidates: list[str] = []
    for line in plain_lines(output):
        text = line.strip()
        if not text:
            continue
        progress = _PROGRESS.match(text)
        if progress:
            chapter = progress.group("file")
            continue
        if text.startswith("ERROR"):
            return text.removeprefix("ERROR:").strip(), chapter
        if not text.startswith(("at ", "Stack trace")):
            candidates.append(text)
    return (candidates[-1] if candidates else "quarto exited with an error"), chapter


def render_with_quarto(report: str, project: Path, out_dir: Path) -> list[str]:
    """``quarto render`` one prepared project into ``out_dir``.

    Returns
    -------
    list of str
        Quarto's warnings (also logged as warnings).

    Raises
    ------
    RenderError
        When Quarto fails: the message names the report, the chapter and Quarto's error.
    """
    project, out_dir = project.resolve(), out_dir.resolve()
    proc = subprocess.run(
        ["quarto", "render", str(project), "--to", "html", "--output-dir", str(out_dir)],
        capture_output=True,
        text=True,
        cwd=project,
    )
    output = proc.stdout + "\n" + proc.stderr
    log.info("quarto render %s:\n%s", report, "\n".join(plain_lines(output)))
    if proc.returncode != 0:
        message, chapter = quarto_failure(output)
        where = f", chapter {chapter}" if chapter else ""
        raise RenderError(f"Quarto could not render the {report} report{where}: {message}")
    warnings = quarto_warnings(output)
    for line in warnings:
        log.warning("quarto (%s): %s", report, line)
    return warnings
