"""The built-in renderer reads Quarto book projects as Quarto would (the subset we use)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from snalib.render import RenderError, choose_renderer
from snalib.render.builtin import BuiltinRenderer, cell_options, markdown_to_html


def _project(tmp_path: Path, chapter_text: str) -> tuple[Path, Path]:
    run = tmp_path / "run"
    (run / "notebooks").mkdir(parents=True)
    nb = new_notebook()
    table = new_code_cell("#| label: a-table\n#| fig-alt: unused\nshow()")
    table.outputs = [
        new_output(
            "display_data",
            data={"text/html": "<table><caption>T</caption></table>", "text/plain": "T"},
        )
    ]
    text = new_code_cell("#| label: a-sentence\nsay()")
    text.outputs = [
        new_output(
            "display_data", data={"text/markdown": "There were **12** crimes.", "text/plain": "x"}
        )
    ]
    plain = new_code_cell("#| label: plain\n1 + 1")
    plain.outputs = [new_output("execute_result", data={"text/plain": "2 < 3"}, execution_count=1)]
    nb.cells = [table, text, plain]
    nbformat.write(nb, str(run / "notebooks" / "ch.ipynb"))
    project = run / "reports" / "book"
    project.mkdir(parents=True)
    (project / "_quarto.yml").write_text(
        "project: {type: book}\n"
        "book:\n  title: My Book\n  subtitle: Year 2021/22\n"
        "  chapters:\n    - index.qmd\n    - part: Findings\n      chapters: [chapter.qmd]\n"
        "  appendices: [appendix.qmd]\n"
    )
    (project / "index.qmd").write_text(
        "---\ntitle: Key facts\n---\n\nWelcome. See [the chapter](chapter.qmd#counts).\n"
    )
    (project / "chapter.qmd").write_text(chapter_text)
    (project / "appendix.qmd").write_text("# Methods\n\nHow.\n")
    return project, run


CHAPTER = """---
title: "Counts & <things>"
---

## Counts

{{< embed ../../notebooks/ch.ipynb#a-sentence >}}

::: {.callout-note}
A note with *emphasis*.
:::

{{< embed ../../notebooks/ch.ipynb#a-table >}}

{{< embed ../../notebooks/ch.ipynb#plain echo=false >}}
"""


def test_builtin_renderer_writes_pages_with_navigation_and_embedded_outputs(tmp_path):
    project, run = _project(tmp_path, CHAPTER)
    out = run / "book"
    BuiltinRenderer(project, out, run).render()
    index = (out / "index.html").read_text()
    chapter = (out / "chapter.html").read_text()
    appendix = (out / "appendix.html").read_text()
    assert '<html lang="en-GB">' in index and "<h1>My Book</h1>" in index
    assert 'href="chapter.html#counts"' in index  # .qmd links become .html, as in Quarto
    assert '<li class="part">Findings</li>' in index
    assert "1. Counts &amp; &lt;things&gt;" in chapter  # numbered, title escaped
    assert 'aria-current="page"' in chapter
    assert "There were <strong>12</strong> crimes." in chapter
    assert "<table><caption>T</caption></table>" in chapter
    assert (
        '<div class="callout callout-note" role="note">' in chapter
        and "<em>emphasis</em>" in chapter
    )
    assert "2 &lt; 3" in chapter  # text/plain escaped
    assert chapter.count('<details class="code">') == 2  # echo=false on the third embed
    assert "#| label" not in chapter  # cell options are not shown as code
    assert "Appendix A: Methods" in appendix
    assert 'rel="prev"' in appendix and 'rel="next"' not in appendix
    assert (out / "sna.css").is_file()
    assert (out / "notebooks" / "ch.html").is_file()
    assert 'id="counts"' in chapter


def test_missing_cell_label_is_a_render_error(tmp_path):
    project, run = _project(
        tmp_path, "# X\n\n{{< embed ../../notebooks/ch.ipynb#no-such-cell >}}\n"
    )
    with pytest.raises(RenderError, match="no cell labelled 'no-such-cell'"):
        BuiltinRenderer(project, run / "book", run).render()


def test_error_output_is_never_rendered_silently(tmp_path):
    project, run = _project(tmp_path, "# X\n\n{{< embed ../../notebooks/ch.ipynb#a-table >}}\n")
    path = run / "notebooks" / "ch.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][0]["outputs"] = [
        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
    ]
    path.write_text(json.dumps(nb))
    with pytest.raises(RenderError, match="error output"):
        BuiltinRenderer(project, run / "book", run).render()


def test_cell_options_are_read_from_the_top_of_the_cell():
    assert cell_options('#| label: x\n#| fig-alt: "A chart"\ncode()\n#| label: late') == {
        "label": "x",
        "fig-alt": "A chart",
    }


def test_markdown_headings_get_ids_and_shift_below_the_page_title():
    html = markdown_to_html("# Top\n\n## Sub part\n")
    assert '<h2 id="top">Top</h2>' in html and '<h3 id="sub-part">Sub part</h3>' in html


def test_renderer_choice_falls_back_to_builtin_without_quarto(monkeypatch):
    monkeypatch.setattr("snalib.render.quarto.shutil.which", lambda name: None)
    assert choose_renderer("auto") == "builtin"
    assert choose_renderer("builtin") == "builtin"
    from snalib.errors import InputError

    with pytest.raises(InputError, match="quarto CLI is not on PATH"):
        choose_renderer("quarto")
    monkeypatch.setattr("snalib.render.quarto.shutil.which", lambda name: "/usr/bin/quarto")
    assert choose_renderer("auto") == "quarto"
