"""A report project as rendered for one run.

``sna build`` does not render ``reports/<name>`` in place. It prepares, inside the run:

- ``<run>/reports/<name>/``: a copy of the Quarto project whose ``_quarto.yml`` gets the
  book's title, subtitle and author from the parameters, the project's stylesheet
  (``sna.css``) and its Lua filter (``sna.lua``), and whose ``{{< embed >}}`` shortcodes
  point at the report notebooks below, with ``echo=true`` when the parameters keep the
  code (``report.include_code``);
- ``<run>/reports/_notebooks/``: the report notebooks, copies of the executed notebooks in
  which every ``text/html`` output is a raw HTML block of Markdown (see
  :func:`report_notebook`).

Quarto and the built-in renderer both read this prepared project, so they render the same
chapters from the same outputs.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from importlib.resources import files
from pathlib import Path

import nbformat
import yaml

from snalib.errors import RenderError
from snalib.paths import REPORTS_DIR
from snalib.publish.tables import markdown_escape

#: Which parameter titles each report project (default: the Annual Report's).
REPORT_TITLE_KEYS = {"sna": "title", "annual-report": "annual_report_title"}

#: Where the report notebooks go, relative to the run directory.
REPORT_NOTEBOOKS = Path("reports") / "_notebooks"

#: ``{{< embed path#label options >}}``, Quarto's embed shortcode.
EMBED = re.compile(r"\{\{<\s*embed\s+(?P<target>[^\s>]+)(?P<opts>[^>]*?)\s*>\}\}")

#: The project's stylesheet and Lua filter, copied into every prepared project.
STYLESHEET = "sna.css"
LUA_FILTER = "sna.lua"

#: Outputs of executed notebooks keep these metadata keys; papermill's timings and the
#: like are dropped, so that the rendered pages do not change from one build to the next.
KEPT_METADATA = ("tags", "jupyter")


def resource_text(name: str) -> str:
    """A file of ``snalib/render/resources/``."""
    return files("snalib.render").joinpath("resources", name).read_text(encoding="utf-8")


def html_block(html: str) -> str:
    """HTML as a raw block of Pandoc Markdown, which Quarto passes to the page unchanged."""
    fence = "```"
    while fence in html:
        fence += "`"
    return f"{fence}{{=html}}\n{html}\n{fence}\n"


def report_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An executed notebook as the reports embed it.

    Quarto loads require.js and jQuery from a CDN into every page that embeds a notebook
    with any ``text/html`` output (``core/jupyter/widgets.ts``: it assumes widgets), so a
    report page would not be self-contained. The same HTML as a raw ``{=html}`` block of
    ``text/markdown`` reaches the page unchanged without that. Cell metadata other than
    tags (papermill's timings) is dropped.
    """
    out = copy.deepcopy(nb)
    for cell in out.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEPT_METADATA}
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data or "text/html" not in data:
                continue
            html = data.pop("text/html")
            html = "".join(html) if isinstance(html, list) else html
            data.pop("text/markdown", None)
            data["text/markdown"] = html_block(html)
            output.metadata = {}
    return out


def write_report_notebooks(run_dir: Path) -> Path:
    """Write the report notebooks of every executed notebook of the run."""
    folder = run_dir / REPORT_NOTEBOOKS
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(report_notebook(nb), folder / path.name)
    return folder


def _rewrite_embeds(text: str, source: Path, *, echo: bool) -> str:
    def replace(m: re.Match) -> str:
        target = m.group("target")
        path, _, label = target.partition("#")
        if not path.startswith("../../notebooks/") or not label:
            raise RenderError(
                f"{source}: an embed must name ../../notebooks/<notebook>.ipynb#<label>; "
                f"got {target}"
            )
        opts = m.group("opts").split()
        opts = [o for o in opts if not o.startswith("echo=")]
        if echo:
            opts.append("echo=true")
        new_path = "../_notebooks/" + path.removeprefix("../../notebooks/")
        return "{{< embed " + " ".join([f"{new_path}#{label}", *opts]) + " >}}"

    return EMBED.sub(replace, text)


def prepare_project(report: str, run_dir: Path, title: tuple[str, str] | None = None) -> Path:
    """Prepare ``reports/<report>`` for rendering in the run (see the module docstring).

    ``title`` is (title, subtitle); by default the title comes from the parameters
    (``report.title`` for the SNA, ``report.annual_report_title`` otherwise) with the
    area name, and the subtitle names the financial year.

    Returns
    -------
    Path
        The prepared project folder, ``<run>/reports/<report>``.
    """
    src = REPORTS_DIR / report
    dst = run_dir / "reports" / report
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("_book", "_site", ".quarto"))
    params = json.loads((run_dir / "params.json").read_text(encoding="utf-8"))
    echo = bool(params["report"].get("include_code", True))
    for qmd in sorted(dst.glob("*.qmd")):
        text = qmd.read_text(encoding="utf-8")
        qmd.write_text(_rewrite_embeds(text, src / qmd.name, echo=echo), encoding="utf-8")
    (dst / STYLESHEET).write_text(
        files("snalib").joinpath("data", "report.css").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (dst / LUA_FILTER).write_text(resource_text(LUA_FILTER), encoding="utf-8")

    config_path = dst / "_quarto.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    book = config.setdefault("book", {})
    if title is None:
        key = REPORT_TITLE_KEYS.get(report, "annual_report_title")
        title = (
            f"{params['report'][key]}: {params['area']['name']}",
            f"Financial year {params['report_year']}",
        )
    # Quarto reads these as Markdown: text from the parameters must stay text.
    book["title"], book["subtitle"] = (markdown_escape(part) for part in title)
    book["author"] = markdown_escape(params["area"]["organisation"])
    config_path.write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    if not (run_dir / REPORT_NOTEBOOKS).is_dir():
        raise RenderError(f"{run_dir}: the report notebooks were not written (prepare_reports)")
    return dst
