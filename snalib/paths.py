"""Where the project's own files are: notebooks, report projects, package data.

Paths come from the package, never from the working directory, so ``sna`` behaves the same
wherever it is run from (cookiecutter-data-science ``config.py``).
"""

from __future__ import annotations

from pathlib import Path

#: The source checkout (``notebooks/`` and ``reports/`` live beside the package).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The papermill notebooks, one per chapter.
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
#: The Quarto projects (``sna``, ``annual-report``, ``monitoring``).
REPORTS_DIR = PROJECT_ROOT / "reports"


def project_outputs() -> Path:
    """``outputs/`` of the source checkout when running from one, else of the working folder."""
    if (PROJECT_ROOT / "pyproject.toml").is_file() and NOTEBOOK_DIR.is_dir():
        return PROJECT_ROOT / "outputs"
    return Path.cwd() / "outputs"
