"""Every executed notebook of a run as an HTML page, for evaluators: ``<run>/notebooks/*.html``.

Written beside the executed ``.ipynb`` by nbconvert (its classic page, through the
``sna-notebook`` template in ``templates/nbconvert``: no scripts, so the pages open offline;
colours that meet WCAG 2.2 AA). Links in the outputs (``../tables/x.csv``) resolve from
there exactly as from a report page. Both renderers link these pages from every chapter.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

TEMPLATE = "sna-notebook"


def notebook_exporter() -> tuple[HTMLExporter, str]:
    """nbconvert's HTML exporter with the project's notebook page template."""
    with as_file(files("snalib.render").joinpath("templates", "nbconvert")) as base:
        exporter = HTMLExporter(
            template_name=TEMPLATE, extra_template_basedirs=[str(base)], language_code="en"
        )
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    css = files("snalib").joinpath("data", "report.css").read_text(encoding="utf-8")
    return exporter, f'<style type="text/css">\n{css}</style>'


def write_notebook_pages(run_dir: Path) -> list[Path]:
    """Write ``<run>/notebooks/<name>.html`` for every executed notebook of the run."""
    exporter, css = notebook_exporter()
    written = []
    for path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.metadata["title"] = f"Executed notebook {path.name}"
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": path.stem}, "sna_css": css}
        )
        target = path.with_suffix(".html")
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written
