"""A report project as rendered for one run: ``reports/<name>`` copied into the run.

The build copies each Quarto project into ``<run>/reports/<name>/`` so that the relative
paths of its ``{{< embed ../../notebooks/... >}}`` shortcodes reach the run's executed
notebooks, and sets the book's title, subtitle and author from the parameters.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from snalib.paths import REPORTS_DIR

#: Which parameter titles each report project (default: the Annual Report's).
REPORT_TITLE_KEYS = {"sna": "title", "annual-report": "annual_report_title"}


def prepare_project(report: str, run_dir: Path, title: tuple[str, str] | None = None) -> Path:
    """Copy ``reports/<report>`` into the run and set its titles.

    ``title`` is (title, subtitle); by default the title comes from the parameters
    (``report.title`` for the SNA, ``report.annual_report_title`` otherwise) with the
    area name, and the subtitle names the financial year.
    """
    src = REPORTS_DIR / report
    dst = run_dir / "reports" / report
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("_book", "_site", ".quarto"))
    params = json.loads((run_dir / "params.json").read_text(encoding="utf-8"))
    config_path = dst / "_quarto.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    book = config.setdefault("book", {})
    if title is None:
        key = REPORT_TITLE_KEYS.get(report, "annual_report_title")
        title = (
            f"{params['report'][key]}: {params['area']['name']}",
            f"Financial year {params['report_year']}",
        )
    book["title"], book["subtitle"] = title
    book["author"] = params["area"]["organisation"]
    fmt = config.setdefault("format", {}).setdefault("html", {})
    fmt["code-fold"] = True
    if not params["report"].get("include_code", True):
        fmt["echo"] = False
    config_path.write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return dst
