"""Rendering: the prepared project, the built-in renderer (read as Quarto reads the same
project), and what the CLI learns from a failed Quarto run."""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from snalib.publish.tables import markdown_escape
from snalib.render import RenderError, choose_renderer
from snalib.render.builtin import BuiltinRenderer, cell_options, find_cell
from snalib.render.markdown import (
    HeadingNumbers,
    markdown_parser,
    pandoc_identifier,
    parse_document,
    render_document,
)
from snalib.render.project import html_block, report_notebook
from snalib.render.quarto import quarto_failure, quarto_warnings
from tests.html_checks import read_page


def _notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    params = new_code_cell('run_dir = "x"', metadata={"tags": ["parameters"]})
    table = new_code_cell("#| label: a-table\n#| fig-alt: unused\nshow()")
    table.metadata["papermill"] = {"duration": 0.1}
    table.outputs = [
        new_output(
            "display_data",
            data={
                "text/html": '<table class="sna-table"><caption>T</caption></table>',
                "text/plain": "T",
            },
        )
    ]
    text = new_code_cell("#| label: a-sentence\nsay()")
    text.outputs = [
        new_output(
            "display_data",
            data={"text/markdown": "There were **12** crimes in <b>x</b>.", "text/plain": "x"},
        )
    ]
    plain = new_code_cell("#| label: plain\n1 + 1")
    plain.outputs = [new_output("execute_result", data={"text/plain": "2 < 3"}, execution_count=1)]
    late = new_code_cell("#| label: parameters\nshown()")  # the tag above matches first
    late.outputs = [new_output("display_data", data={"text/plain": "late"})]
    nb.cells = [params, table, text, plain, late]
    return nb


def _project(tmp_path: Path, chapter_text: str) -> Path:
    """A prepared project: the book in reports/book, its notebook in reports/_notebooks."""
    reports = tmp_path / "run" / "reports"
    (reports / "_notebooks").mkdir(parents=True)
    nbformat.write(report_notebook(_notebook()), reports / "_notebooks" / "ch.ipynb")
    project = reports / "book"
    project.mkdir()
    (project / "_quarto.yml").write_text(
        "project: {type: book}\nlang: en-GB\n"
        "book:\n  title: 'My Book: \\<script\\>'\n  subtitle: Year 2021/22\n"
        "  chapters:\n    - index.qmd\n    - part: Findings\n      chapters: [chapter.qmd]\n"
        "  appendices: [appendix.qmd]\n"
        "format:\n  html:\n    code-summary: Show the code\n",
        encoding="utf-8",
    )
    (project / "sna.css").write_text("/* */", encoding="utf-8")
    (project / "index.qmd").write_text(
        "# Key facts {.unnumbered}\n\nWelcome. See [the chapter](chapter.qmd#counts).\n\n"
        "## About\n",
        encoding="utf-8",
    )
    (project / "chapter.qmd").write_text(chapter_text, encoding="utf-8")
    (project / "appendix.qmd").write_text("# Methods\n\n## Inputs\n\nHow.\n", encoding="utf-8")
    return project


CHAPTER = """---
title: "Counts & <things>"
---

Intro with raw <img src=x onerror=alert(1)> markup.

## Counts

{{< embed ../_notebooks/ch.ipynb#a-sentence echo=true >}}

::: {.callout-note}
A note with *emphasis*.
:::

### Detail

{{< embed ../_notebooks/ch.ipynb#a-table echo=true >}}

{{< embed ../_notebooks/ch.ipynb#plain >}}
"""


def test_report_notebook_turns_html_outputs_into_raw_html_blocks_and_drops_timings():
    nb = report_notebook(_notebook())
    data = nb.cells[1].outputs[0]["data"]
    assert "text/html" not in data
    assert data["text/markdown"] == html_block(
        '<table class="sna-table"><caption>T</caption></table>'
    )
    assert data["text/markdown"].startswith("```{=html}\n")
    assert "papermill" not in nb.cells[1].metadata
    assert nb.cells[0].metadata["tags"] == ["parameters"]
    assert html_block("a ``` b").startswith("````{=html}")  # a fence longer than any inside


def test_builtin_renderer_numbers_and_escapes_like_quarto(tmp_path):
    project = _project(tmp_path, CHAPTER)
    out = tmp_path / "run" / "book"
    BuiltinRenderer(project, out).render()
    index = read_page(out / "index.html")
    chapter = read_page(out / "chapter.html")
    appendix = read_page(out / "appendix.html")
    assert index.inventory.headings[:3] == [
        (1, "My Book: <script>"),
        (1, "Key facts"),
        (2, "About"),
    ]
    assert chapter.inventory.headings == [
        (1, "1 Counts & <things>"),
        (2, "1.1 Counts"),
        (3, "1.1.1 Detail"),
    ]
    assert appendix.inventory.headings == [(1, "Appendix A — Methods"), (2, "A.1 Inputs")]
    assert chapter.inventory.table_captions == ["T"]
    assert chapter.inventory.code_folds == 2  # the third embed does not ask for the code
    assert chapter.inventory.callouts == ["callout-note"]
    for page in (index, chapter, appendix):
        assert not page.duplicate_ids and not page.network
        assert "<script" not in page.text and "<img src=x" not in page.text
    assert 'href="chapter.html#counts"' in index.text  # .qmd links become .html
    assert "&lt;img src=x onerror=alert(1)&gt;" in chapter.text
    assert "There were <strong>12</strong> crimes in &lt;b&gt;x&lt;/b&gt;." in chapter.text
    assert "2 &lt; 3" in chapter.text
    assert "#| label" not in chapter.text
    assert 'href="../notebooks/ch.html"' in chapter.text
    assert '<li class="part">Findings</li>' in chapter.text and "Appendices" in chapter.text
    assert 'rel="prev"' not in appendix.text  # no pager: Quarto's fails WCAG 2.5.3


def test_embed_takes_the_first_cell_matching_by_id_label_or_tag_as_quarto_does(tmp_path):
    nb = _notebook()
    assert find_cell(nb, "parameters") is nb.cells[0]  # papermill's tag, not the label below
    project = _project(tmp_path, "# X\n\n{{< embed ../_notebooks/ch.ipynb#parameters >}}\n")
    with pytest.raises(RenderError, match="no output to embed for 'parameters'"):
        BuiltinRenderer(project, tmp_path / "run" / "book").render()


def test_embed_of_a_missing_label_is_a_render_error(tmp_path):
    project = _project(tmp_path, "# X\n\n{{< embed ../_notebooks/ch.ipynb#no-such-cell >}}\n")
    with pytest.raises(RenderError, match="no output to embed for 'no-such-cell'"):
        BuiltinRenderer(project, tmp_path / "run" / "book").render()


def test_error_output_is_never_rendered_silently(tmp_path):
    project = _project(tmp_path, "# X\n\n{{< embed ../_notebooks/ch.ipynb#a-table >}}\n")
    path = project.parent / "_notebooks" / "ch.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"] = [
        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
    ]
    path.write_text(json.dumps(nb))
    with pytest.raises(RenderError, match="error output"):
        BuiltinRenderer(project, tmp_path / "run" / "book").render()


def test_cell_options_are_read_from_the_top_of_the_cell():
    assert cell_options('#| label: x\n#| fig-alt: "A chart"\ncode()\n#| label: late') == {
        "label": "x",
        "fig-alt": "A chart",
    }


@pytest.mark.parametrize(
    ("heading", "ident"),
    [
        ("How serious violence has changed", "how-serious-violence-has-changed"),
        ("Day of the week and time of day", "day-of-the-week-and-time-of-day"),
        (
            "Local lockdown: inside and outside the area",
            "local-lockdown-inside-and-outside-the-area",
        ),
        ("2021/22 in numbers", "in-numbers"),
        ("Knife crime (ONS)", "knife-crime-ons"),
        ("!!!", "section"),
    ],
)
def test_heading_identifiers_follow_pandoc(heading, ident):
    assert pandoc_identifier(heading) == ident


def test_heading_numbers_follow_the_chapter_and_skip_unnumbered_headings():
    md = markdown_parser()
    doc = parse_document(md, "# T\n\n## A\n\n### B {#bee}\n\n## C {.unnumbered}\n\n## A\n")
    html, headings = render_document(md, doc.tokens, numbers=HeadingNumbers("4"))
    assert [(h.number, h.ident) for h in headings] == [
        ("4.1", "a"),
        ("4.1.1", "bee"),
        ("", "c"),
        ("4.2", "a-1"),
    ]
    assert (
        '<h2 id="a" class="anchored"><span class="header-section-number">4.1</span> A</h2>' in html
    )


def test_quarto_failure_gives_the_first_error_line_and_the_chapter_without_colour():
    output = (
        "\x1b[1m\x1b[34m\n[1/6] index.qmd\x1b[39m\x1b[22m\n\x1b[1m\x1b[34m\n[6/6] methods.qmd\n"
        "\x1b[91mERROR: The notebook x.ipynb doesn't contain output to embed with the cell id, "
        "tag, or label 'parameters'.\n\nStack trace:\n    at file:///q/jupyter-embed.ts:443:15\n"
    )
    message, chapter = quarto_failure(output)
    assert chapter == "methods.qmd"
    assert message.startswith("The notebook x.ipynb doesn't contain output")
    assert "\x1b" not in message


def test_quarto_warnings_are_found_without_colour_codes():
    output = "[1/2] a.qmd\n\x1b[33mWARNING (common/refs.lua:52) ref type 'table'\x1b[39m\nok\n"
    assert quarto_warnings(output) == ["WARNING (common/refs.lua:52) ref type 'table'"]


def test_renderer_choice_falls_back_to_builtin_without_quarto(monkeypatch):
    monkeypatch.setattr("snalib.render.quarto.shutil.which", lambda name: None)
    assert choose_renderer("auto") == "builtin"
    assert choose_renderer("builtin") == "builtin"
    from snalib.errors import InputError

    with pytest.raises(InputError, match="quarto CLI is not on PATH"):
        choose_renderer("quarto")
    monkeypatch.setattr("snalib.render.quarto.shutil.which", lambda name: "/usr/bin/quarto")
    assert choose_renderer("auto") == "quarto"
    assert choose_renderer("builtin") == "builtin"


@pytest.mark.parametrize(
    "name",
    ['St John\'s "Park" -- *North*', "<script>alert(1)</script>", "a_b [c](d) `e` $f$ ~g~ ^h^"],
)
def test_names_escaped_for_markdown_show_as_written_with_smart_typography_on(name):
    md = markdown_parser()
    html_text = md.renderInline(f"In {markdown_escape(name)} today.")
    assert html.unescape(html_text) == f"In {name} today."
    assert md.renderInline('It\'s "quoted" -- here') == "It’s “quoted” – here"
