"""Render the Quarto book projects in ``reports/`` to HTML.

With the Quarto CLI on PATH, ``quarto render`` does it. Without it, a built-in renderer
reads the same projects: ``_quarto.yml`` (book title, chapters, appendices), each
chapter's Markdown and its ``{{< embed notebook.ipynb#label >}}`` shortcodes, which it
resolves to the outputs of the cell labelled ``#| label: label`` in the executed
notebook. It writes one accessible HTML page per chapter with chapter navigation, the
notebook code folded under each output, and every executed notebook as a full HTML page
(nbconvert) for evaluators.

The chapters are written once, for Quarto; the built-in renderer supports the subset of
Quarto they use: front matter ``title``, headings, paragraphs, lists, tables, links,
``::: {.callout-note}`` blocks and ``embed`` shortcodes.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import mistune
import nbformat
import yaml

from snalib import __version__
from snalib.render.errors import RenderError

log = logging.getLogger("sna.render")

EMBED = re.compile(r"\{\{<\s*embed\s+(?P<target>[^\s>]+)(?P<opts>[^>]*?)\s*>\}\}")
LABEL = re.compile(r"^#\|\s*label:\s*(?P<label>\S+)\s*$", re.M)
CELL_OPTION = re.compile(r"^#\|\s*(?P<key>[\w-]+):\s*(?P<value>.*)$")


# --------------------------------------------------------------------------- built-in


@dataclass
class Page:
    source: Path
    href: str
    title: str = ""
    body: str = ""
    part: str | None = None
    appendix: bool = False
    number: str = ""
    notebooks: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    s = re.sub(r"<[^>]+>", "", text).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s or "section"


class _Renderer(mistune.HTMLRenderer):
    """Mistune HTML with ids on headings (for links) and no raw HTML surprises."""

    def __init__(self) -> None:
        super().__init__(escape=False)
        self.seen: dict[str, int] = {}

    def heading(self, text: str, level: int, **attrs) -> str:
        slug = _slug(text)
        n = self.seen.get(slug, 0)
        self.seen[slug] = n + 1
        ident = slug if n == 0 else f"{slug}-{n}"
        level = min(level + 1, 6)  # the page title is the only h1
        return f'<h{level} id="{ident}">{text}</h{level}>\n'


def markdown_to_html(text: str) -> str:
    md = mistune.create_markdown(
        renderer=_Renderer(), plugins=["table", "strikethrough", "footnotes"]
    )
    # Quarto turns links to chapters (.qmd) into links to their pages (.html).
    return _QMD_LINK.sub(r'href="\1.html\2"', md(text))


def _split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            meta = yaml.safe_load(text[4:end]) or {}
            return meta, text[end + 4 :].lstrip("\n")
    return {}, text


_QMD_LINK = re.compile(r'href="(?!https?:)([^"#]+)\.qmd(#[^"]*)?"')
_DIV_OPEN = re.compile(r"^:::+\s*\{(?P<attrs>[^}]*)\}\s*$")
_DIV_CLOSE = re.compile(r"^:::+\s*$")


def _fenced_divs(text: str) -> str:
    """Quarto ``::: {.callout-note}`` blocks to HTML divs (Markdown inside still parsed)."""
    out = []
    for line in text.splitlines():
        m = _DIV_OPEN.match(line)
        if m:
            classes = [a[1:] for a in m.group("attrs").split() if a.startswith(".")]
            cls = (
                " ".join(["callout", *classes])
                if any(c.startswith("callout") for c in classes)
                else " ".join(classes)
            )
            role = ' role="note"' if "callout" in cls else ""
            out.extend([f'<div class="{html.escape(cls)}"{role}>', ""])
        elif _DIV_CLOSE.match(line):
            out.extend(["", "</div>", ""])
        else:
            out.append(line)
    return "\n".join(out)


def _load_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def cell_options(source: str) -> dict[str, str]:
    """Quarto cell options (``#| key: value`` lines at the top of a cell)."""
    opts = {}
    for line in source.splitlines():
        m = CELL_OPTION.match(line)
        if not m:
            break
        opts[m.group("key")] = m.group("value").strip().strip('"')
    return opts


def find_cell(nb: nbformat.NotebookNode, label: str):
    for cell in nb.cells:
        if cell.cell_type == "code" and cell_options(cell.source).get("label") == label:
            return cell
    return None


def _strip_options(source: str) -> str:
    lines = source.splitlines()
    i = 0
    while i < len(lines) and CELL_OPTION.match(lines[i]):
        i += 1
    return "\n".join(lines[i:]).strip("\n")


def render_outputs(cell, *, alt: str | None = None) -> str:
    """HTML of a code cell's outputs, richest representation first."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                parts.append(f'<pre class="output">{html.escape(output.get("text", ""))}</pre>')
            continue
        if kind == "error":
            raise RenderError(f"cell has an error output: {output.get('ename')}")
        data = output.get("data", {})
        if "text/html" in data:
            parts.append(_join(data["text/html"]))
        elif "image/svg+xml" in data:
            svg = _join(data["image/svg+xml"]).encode("utf-8")
            src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
            parts.append(f'<img src="{src}" alt="{html.escape(alt or "")}">')
        elif "image/png" in data:
            parts.append(
                f'<img src="data:image/png;base64,{_join(data["image/png"]).strip()}" alt="{html.escape(alt or "")}">'
            )
        elif "text/markdown" in data:
            parts.append(markdown_to_html(_join(data["text/markdown"])))
        elif "text/plain" in data:
            parts.append(f'<pre class="output">{html.escape(_join(data["text/plain"]))}</pre>')
    return "\n".join(parts)


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class BuiltinRenderer:
    """Render a Quarto book project without Quarto (see the module docstring)."""

    def __init__(self, project: Path, out_dir: Path, run_dir: Path) -> None:
        self.project = project
        self.out_dir = out_dir
        self.run_dir = run_dir
        self.config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
        self.book = self.config.get("book", {})
        fmt = self.config.get("format", {}).get("html", {})
        self.show_code = fmt.get("echo", True) is not False
        self._notebooks: dict[Path, nbformat.NotebookNode] = {}

    # -- structure
    def pages(self) -> list[Page]:
        pages: list[Page] = []

        def add(entry, part: str | None, appendix: bool) -> None:
            if isinstance(entry, str):
                src = self.project / entry
                href = Path(entry).with_suffix(".html").as_posix()
                pages.append(Page(src, href, part=part, appendix=appendix))
            elif isinstance(entry, dict) and "part" in entry:
                for sub in entry.get("chapters", []):
                    add(sub, entry["part"], appendix)

        for entry in self.book.get("chapters", []):
            add(entry, None, False)
        for entry in self.book.get("appendices", []):
            add(entry, None, True)
        if not pages or pages[0].href != "index.html":
            raise RenderError(f"{self.project}/_quarto.yml: the first chapter must be index.qmd")
        chapter = 0
        appendix = 0
        for p in pages[1:]:
            if p.appendix:
                p.number = f"Appendix {chr(ord('A') + appendix)}"
                appendix += 1
            else:
                chapter += 1
                p.number = str(chapter)
        return pages

    # -- content
    def render_page(self, page: Page) -> None:
        text = page.source.read_text(encoding="utf-8")
        meta, body = _split_front_matter(text)
        embeds: list[str] = []

        def replace(m: re.Match) -> str:
            embeds.append(self.embed(page, m.group("target"), m.group("opts")))
            return f"\n\nSNAEMBED{len(embeds) - 1}END\n\n"

        body = EMBED.sub(replace, body)
        title = meta.get("title")
        if not title:
            m = re.search(r"^#\s+(.+)$", body, re.M)
            if m:
                title = m.group(1).strip()
                body = body[: m.start()] + body[m.end() :]
        page.title = str(title or page.href)
        rendered = markdown_to_html(_fenced_divs(body))
        for i, snippet in enumerate(embeds):
            token = f"SNAEMBED{i}END"
            rendered = rendered.replace(f"<p>{token}</p>", snippet).replace(token, snippet)
        page.body = rendered

    def embed(self, page: Page, target: str, opts: str) -> str:
        path_text, _, label = target.partition("#")
        nb_path = (page.source.parent / path_text).resolve()
        if not nb_path.is_file():
            raise RenderError(f"{page.source.name}: embedded notebook {path_text} not found")
        if nb_path not in self._notebooks:
            self._notebooks[nb_path] = _load_notebook(nb_path)
        nb = self._notebooks[nb_path]
        cell = find_cell(nb, label)
        if cell is None:
            raise RenderError(f"{page.source.name}: no cell labelled '{label}' in {nb_path.name}")
        if nb_path.name not in page.notebooks:
            page.notebooks.append(nb_path.name)
        options = cell_options(cell.source)
        content = render_outputs(cell, alt=options.get("fig-alt"))
        code = ""
        if self.show_code and "echo=false" not in opts.replace(" ", ""):
            code = (
                '<details class="code"><summary>Show the code for this output</summary>'
                f'<pre><code class="language-python">{html.escape(_strip_options(cell.source))}</code></pre>'
                f'<p class="code-source">From notebook <a href="notebooks/{html.escape(nb_path.stem)}.html">'
                f"{html.escape(nb_path.name)}</a>, cell <code>{html.escape(label)}</code>.</p></details>"
            )
        return f'<div class="embed" data-cell="{html.escape(label)}">{content}{code}</div>'

    # -- output
    def render(self) -> None:
        pages = self.pages()
        for page in pages:
            self.render_page(page)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        css = files("snalib").joinpath("data/report.css").read_text(encoding="utf-8")
        (self.out_dir / "sna.css").write_text(css, encoding="utf-8")
        for i, page in enumerate(pages):
            prev_page = pages[i - 1] if i > 0 else None
            next_page = pages[i + 1] if i + 1 < len(pages) else None
            (self.out_dir / page.href).parent.mkdir(parents=True, exist_ok=True)
            (self.out_dir / page.href).write_text(
                self.page_html(page, pages, prev_page, next_page), encoding="utf-8"
            )
        self.notebook_pages(sorted({n for p in pages for n in p.notebooks}))

    def nav_html(self, current: Page, pages: list[Page]) -> str:
        items = []
        part = None
        for p in pages:
            if p.part != part and p.part:
                items.append(f'<li class="part">{html.escape(p.part)}</li>')
            part = p.part
            label = (
                f"{p.number}. {p.title}"
                if p.number and not p.appendix
                else (f"{p.number}: {p.title}" if p.number else p.title)
            )
            cur = ' aria-current="page"' if p is current else ""
            items.append(f'<li><a href="{html.escape(p.href)}"{cur}>{html.escape(label)}</a></li>')
        return '<nav class="sidebar" aria-label="Chapters"><ol>' + "".join(items) + "</ol></nav>"

    def page_html(
        self, page: Page, pages: list[Page], prev_page: Page | None, next_page: Page | None
    ) -> str:
        book_title = str(self.book.get("title", "Report"))
        subtitle = str(self.book.get("subtitle", ""))
        author = str(self.book.get("author", ""))
        heading = (
            page.title
            if not page.number
            else (
                f"{page.number}: {page.title}" if page.appendix else f"{page.number}. {page.title}"
            )
        )
        if page.href == "index.html":
            heading = book_title
        pager = []
        if prev_page:
            pager.append(
                f'<a class="prev" href="{html.escape(prev_page.href)}" rel="prev">Previous: {html.escape(prev_page.title)}</a>'
            )
        if next_page:
            pager.append(
                f'<a class="next" href="{html.escape(next_page.href)}" rel="next">Next: {html.escape(next_page.title)}</a>'
            )
        notebooks = ", ".join(
            f'<a href="notebooks/{html.escape(Path(n).stem)}.html">{html.escape(n)}</a>'
            for n in page.notebooks
        )
        source_note = (
            f"<p>Outputs on this page come from the executed notebook(s) {notebooks}.</p>"
            if notebooks
            else ""
        )
        sub = f'<p class="subtitle">{html.escape(subtitle)}</p>' if subtitle else ""
        if page.href == "index.html" and author:
            sub += f'<p class="author">{html.escape(author)}</p>'
        return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sna {html.escape(__version__)} built-in renderer">
<title>{html.escape(page.title if page.href != "index.html" else book_title)}{"" if page.href == "index.html" else " | " + html.escape(book_title)}</title>
<link rel="stylesheet" href="sna.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><p class="book-title"><a href="index.html">{html.escape(book_title)}</a></p></header>
<div class="layout">
{self.nav_html(page, pages)}
<main id="main" tabindex="-1">
<h1>{html.escape(heading)}</h1>
{sub}
{page.body}
<nav class="pager" aria-label="Previous and next page">{"".join(pager)}</nav>
</main>
</div>
<footer class="site-footer">{source_note}<p>Rendered by sna {html.escape(__version__)} with the built-in renderer (Quarto was not available). The run's manifest.json records the data, code and parameters behind every number.</p></footer>
</body>
</html>
"""

    def notebook_pages(self, names: list[str]) -> None:
        """Each executed notebook as a full HTML page (code and outputs), via nbconvert."""
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="classic")
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        folder = self.out_dir / "notebooks"
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            nb = _load_notebook((self.run_dir / "notebooks" / name).resolve())
            body, _ = exporter.from_notebook_node(nb)
            # No network requests from a published page: drop CDN scripts (MathJax, require).
            body = re.sub(r'<script[^>]+src="https?://[^"]*"[^>]*>\s*</script>', "", body)
            body = body.replace("<html>", '<html lang="en-GB">', 1)
            (folder / f"{Path(name).stem}.html").write_text(body, encoding="utf-8")
