"""The built-in renderer: a fallback that imitates Quarto's HTML book when Quarto is absent.

It reads the same prepared project as Quarto (:mod:`snalib.render.project`): the book
structure of ``_quarto.yml`` (:mod:`snalib.render.book`), the chapters' Markdown
(:mod:`snalib.render.markdown`, markdown-it-py) and the outputs of the embedded notebook
cells, chosen by nbconvert's own output selection. It writes one page per chapter from
Jinja2 templates with autoescaping, numbered as Quarto numbers a book, with the code of each
embedded cell folded after its output when the shortcode asks for it (``echo=true``). It is
not a second product: what it supports is what the chapters use.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import nbformat
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from nbconvert.filters import DataTypeFilter, strip_ansi

from snalib import __version__
from snalib.errors import RenderError
from snalib.render.book import Book, Chapter, read_book
from snalib.render.markdown import (
    Heading,
    HeadingNumbers,
    inline_markdown,
    markdown_parser,
    parse_document,
    render_document,
)

#: Quarto cell options: ``#| key: value`` lines at the top of a cell.
OPTION_PREFIX = "#|"


def cell_options(source: str) -> dict[str, str]:
    """Quarto cell options (``#| key: value`` lines at the top of a cell)."""
    opts: dict[str, str] = {}
    for line in source.splitlines():
        if not line.startswith(OPTION_PREFIX):
            break
        key, sep, value = line[len(OPTION_PREFIX) :].partition(":")
        if sep:
            opts[key.strip()] = value.strip().strip("\"'")
    return opts


def cell_code(source: str) -> str:
    """A cell's code without its option lines."""
    lines = source.splitlines()
    while lines and lines[0].startswith(OPTION_PREFIX):
        lines.pop(0)
    return "\n".join(lines).strip("\n")


def find_cell(nb: nbformat.NotebookNode, key: str):
    """The cell Quarto embeds for ``#key``: the first whose id, label or tag is ``key``.

    Quarto checks each cell in order for its id, then its label, then its tags
    (``core/jupyter/jupyter-embed.ts``, ``cellForId``), so the first match wins.
    """
    for cell in nb.cells:
        if cell.get("id") == key:
            return cell
        if cell.cell_type == "code" and cell_options(cell.source).get("label") == key:
            return cell
        if key in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@dataclass
class Page:
    chapter: Chapter
    body: str
    headings: list[Heading]
    notebooks: list[str]


class BuiltinRenderer:
    """Render a prepared Quarto book project without Quarto (see the module docstring)."""

    def __init__(self, project: Path, out_dir: Path) -> None:
        self.project = project
        self.out_dir = out_dir
        self.md = markdown_parser()
        self.book: Book = read_book(project, self.md)
        self.types = DataTypeFilter()
        self._notebooks: dict[Path, nbformat.NotebookNode] = {}
        self.env = Environment(
            loader=PackageLoader("snalib.render", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # ------------------------------------------------------------------ embeds
    def notebook(self, path: Path) -> nbformat.NotebookNode:
        if path not in self._notebooks:
            self._notebooks[path] = nbformat.read(path, as_version=4)
        return self._notebooks[path]

    def output_html(self, output, *, alt: str, numbers: HeadingNumbers) -> str:
        """One output of a cell, in its richest form that HTML can show."""
        kind = output.get("output_type")
        if kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            text = html.escape(strip_ansi(_joined(output.get("text", ""))))
            return (
                f'<div class="cell-output cell-output-{name}"><pre><code>{text}</code></pre></div>'
            )
        if kind == "error":
            raise RenderError(f"an embedded cell has an error output: {output.get('ename')}")
        data = output.get("data", {})
        chosen = self.types(data)
        if not chosen:
            return ""
        mime = chosen[0]
        value = _joined(data[mime])
        if mime == "text/markdown":
            document = parse_document(self.md, value)
            body, _ = render_document(self.md, document.tokens, numbers=numbers)
            return f'<div class="cell-output cell-output-display cell-output-markdown">{body}</div>'
        if mime == "text/html":
            return f'<div class="cell-output cell-output-display">{value}</div>'
        if mime in ("image/svg+xml", "image/png", "image/jpeg"):
            payload = (
                base64.b64encode(value.encode("utf-8")).decode("ascii")
                if mime == "image/svg+xml"
                else value.strip()
            )
            return (
                '<div class="cell-output cell-output-display">'
                f'<img src="data:{mime};base64,{payload}" alt="{html.escape(alt)}"></div>'
            )
        return (
            '<div class="cell-output cell-output-display">'
            f"<pre><code>{html.escape(value)}</code></pre></div>"
        )

    def embed(self, page: Chapter, target: str, options: list[str], *, numbers, notebooks):
        path_text, _, key = target.partition("#")
        path = (page.source.parent / path_text).resolve()
        if not path.is_file():
            raise RenderError(f"the embedded notebook {path_text} is not there")
        cell = find_cell(self.notebook(path), key)
        if cell is None or not cell.get("outputs"):
            raise RenderError(
                f"{page.source.name}: the notebook {path.name} has no output to embed for '{key}'"
            )
        if path.name not in notebooks:
            notebooks.append(path.name)
        opts = cell_options(cell.source)
        outputs = "".join(
            self.output_html(o, alt=opts.get("fig-alt", ""), numbers=numbers) for o in cell.outputs
        )
        code = ""
        if "echo=true" in options:
            summary = html.escape(str(self.book.html_options.get("code-summary", "Code")))
            code = (
                f'<details class="code-fold"><summary>{summary}</summary>'
                '<div class="sourceCode cell-code"><pre class="sourceCode python"><code>'
                f"{html.escape(cell_code(cell.source))}</code></pre></div></details>"
            )
        return f'<div class="quarto-embed-nb-cell"><div class="cell">{outputs}{code}</div></div>\n'

    # ------------------------------------------------------------------ pages
    def render_page(self, chapter: Chapter) -> Page:
        numbers = HeadingNumbers(chapter.number)
        notebooks: list[str] = []

        def embed(target: str, options: list[str]) -> str:
            return self.embed(chapter, target, options, numbers=numbers, notebooks=notebooks)

        body, headings = render_document(
            self.md, chapter.document.tokens, numbers=numbers, embed=embed
        )
        return Page(chapter, body, headings, notebooks)

    def heading_of(self, chapter: Chapter) -> str:
        """The page's h1, as Quarto writes it."""
        if chapter.appendix and chapter.number:
            return f"Appendix {chapter.number} — {chapter.title}"
        return chapter.label

    def render(self) -> None:
        pages = []
        for chapter in self.book.chapters:
            try:
                pages.append(self.render_page(chapter))
            except RenderError as exc:
                raise RenderError(
                    f"The built-in renderer could not render the {self.project.name} report, "
                    f"chapter {chapter.source.name}: {exc}"
                ) from exc
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("sna.css",):
            (self.out_dir / name).write_text(
                (self.project / name).read_text(encoding="utf-8"), encoding="utf-8"
            )
        layout = files("snalib.render").joinpath("resources", "builtin.css")
        (self.out_dir / "builtin.css").write_text(
            layout.read_text(encoding="utf-8"), encoding="utf-8"
        )
        template = self.env.get_template("page.html.j2")
        title_html = Markup(inline_markdown(self.md, self.book.title))
        for i, page in enumerate(pages):
            chapter = page.chapter
            html_text = template.render(
                book=self.book,
                book_title=title_html,
                book_title_text=Markup(title_html).striptags(),
                subtitle=Markup(inline_markdown(self.md, self.book.subtitle)),
                author=Markup(inline_markdown(self.md, self.book.author)),
                chapter=chapter,
                chapters=self.book.chapters,
                heading=self.heading_of(chapter),
                is_index=chapter.href == "index.html",
                body=Markup(page.body),
                toc=[h for h in page.headings if h.level in (2, 3)],
                previous=pages[i - 1].chapter if i > 0 else None,
                next=pages[i + 1].chapter if i + 1 < len(pages) else None,
                notebooks=page.notebooks,
                version=__version__,
            )
            target = self.out_dir / chapter.href
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html_text, encoding="utf-8")
