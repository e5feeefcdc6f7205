"""The Markdown of the report chapters, read as Quarto (Pandoc) reads it, for the built-in
renderer.

markdown-it-py (CommonMark) with mdit-py-plugins reads the subset of Quarto Markdown the
chapters use: YAML front matter, headings with Pandoc attributes (``# Key facts
{.unnumbered}``), fenced divs (``::: {.callout-note}``), pipe tables, raw HTML blocks
(```` ```{=html} ````, which the report notebooks use for published tables and figures) and
``{{< embed notebook.ipynb#label >}}`` shortcodes. Raw HTML written inline in Markdown is
escaped, never passed through: text from data cannot become markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

#: ``{.class #id key=value}`` at the end of a heading, as Pandoc writes attributes.
_HEADING_ATTRS = re.compile(r"\s*\{(?P<attrs>[^{}]*)\}\s*$")
_EMBED_LINE = re.compile(r"^\{\{<\s*embed\s+(?P<target>[^\s>]+)(?P<opts>[^>]*?)\s*>\}\}\s*$")
_QMD_HREF = re.compile(r"^(?P<path>(?![a-z][a-z0-9+.-]*:)[^#?]+)\.qmd(?P<rest>[#?].*)?$", re.I)

CALLOUT_TITLES = {
    "callout-note": "Note",
    "callout-tip": "Tip",
    "callout-important": "Important",
    "callout-warning": "Warning",
    "callout-caution": "Caution",
}


@dataclass
class Attributes:
    """Pandoc attributes: an identifier, classes and key-value pairs."""

    ident: str = ""
    classes: list[str] = field(default_factory=list)
    pairs: dict[str, str] = field(default_factory=dict)


def parse_attributes(text: str) -> Attributes:
    """``#id .class key="value"`` (the inside of Pandoc's braces)."""
    attrs = Attributes()
    for m in re.finditer(r'(?P<key>[\w-]+)="(?P<quoted>[^"]*)"|(?P<word>\S+)', text):
        if m.group("key"):
            attrs.pairs[m.group("key")] = m.group("quoted")
            continue
        word = m.group("word")
        if word.startswith("#"):
            attrs.ident = word[1:]
        elif word.startswith("."):
            attrs.classes.append(word[1:])
        elif "=" in word:
            key, _, value = word.partition("=")
            attrs.pairs[key] = value
    return attrs


def pandoc_identifier(text: str) -> str:
    """The identifier Pandoc gives a heading (its ``auto_identifiers`` extension).

    Keep letters, digits, ``_``, ``-`` and ``.``; spaces become hyphens; lower case;
    drop everything before the first letter; ``section`` when nothing is left.
    """
    kept = []
    for ch in text:
        if ch.isspace():
            kept.append("-")
        elif ch.isalnum() or ch in "_-.":
            kept.append(ch.lower())
        elif unicodedata.category(ch).startswith("L"):
            kept.append(ch.lower())
    ident = "".join(kept)
    ident = re.sub(r"^[^a-z\u00c0-\uffff]+", "", ident)
    return ident or "section"


# --------------------------------------------------------------------------- plugins


def _heading_attributes(state: StateCore) -> None:
    """Move a heading's trailing ``{...}`` into its token's attributes."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        m = _HEADING_ATTRS.search(inline.content)
        if not m:
            continue
        inline.content = inline.content[: m.start()]
        token.meta["attributes"] = parse_attributes(m.group("attrs"))


def _embed_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line holding only ``{{< embed target options >}}``."""
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    m = _EMBED_LINE.match(line)
    if not m:
        return False
    if silent:
        return True
    token = state.push("embed", "", 0)
    token.meta = {"target": m.group("target"), "options": m.group("opts").split()}
    token.map = [start, start + 1]
    state.line = start + 1
    return True


def _div_validate(params: str, *args) -> bool:
    return params.strip().startswith("{") and params.strip().endswith("}")


def _div_render(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    if token.nesting == -1:
        return "</div>\n" if not token.meta.get("callout") else "</div></div>\n"
    attrs = parse_attributes(token.info.strip()[1:-1])
    callout = next((c for c in attrs.classes if c in CALLOUT_TITLES), None)
    ident = f' id="{html.escape(attrs.ident)}"' if attrs.ident else ""
    if callout is None:
        classes = html.escape(" ".join(attrs.classes))
        return f'<div class="{classes}"{ident}>\n' if classes else f"<div{ident}>\n"
    # Close with the matching number of divs.
    depth = 0
    for closing in tokens[idx + 1 :]:
        if closing.type == token.type:
            depth += 1
        elif closing.type == token.type.replace("_open", "_close"):
            if depth == 0:
                closing.meta["callout"] = True
                break
            depth -= 1
    title = html.escape(attrs.pairs.get("title", CALLOUT_TITLES[callout]))
    return (
        f'<div class="callout {callout}" role="note"{ident}>'
        f'<div class="callout-header"><p class="callout-title">{title}</p></div>'
        '<div class="callout-body">\n'
    )


def _fence_render(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """Raw ``{=html}`` blocks pass unchanged (they come from the report notebooks: the
    published tables and figures, escaped when they were made); other code is escaped."""
    token = tokens[idx]
    info = token.info.strip()
    if info == "{=html}":
        return token.content
    lang = info.strip("{}. ").split()[0] if info else ""
    cls = f' class="sourceCode {html.escape(lang)}"' if lang else ""
    return f"<pre{cls}><code>{html.escape(token.content)}</code></pre>\n"


def _link_open_render(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """Links to chapters (``x.qmd``) point at their pages (``x.html``), as in Quarto."""
    token = tokens[idx]
    href = token.attrGet("href")
    if isinstance(href, str):
        m = _QMD_HREF.match(href)
        if m:
            token.attrSet("href", f"{m.group('path')}.html{m.group('rest') or ''}")
    return self.renderToken(tokens, idx, options, env)


def markdown_parser() -> MarkdownIt:
    """The Markdown reader of the chapters (see the module docstring)."""
    md = (
        # Typographer: curly quotes and dashes, as Pandoc's smart extension gives Quarto.
        MarkdownIt("commonmark", {"html": False, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
        .use(container_plugin, name="div", validate=_div_validate, render=_div_render)
    )
    md.block.ruler.before("paragraph", "embed", _embed_block)
    md.core.ruler.before("inline", "heading_attributes", _heading_attributes)
    md.add_render_rule("fence", _fence_render)
    md.add_render_rule("link_open", _link_open_render)
    return md


# --------------------------------------------------------------------------- documents


@dataclass
class Heading:
    level: int
    text: str
    ident: str
    number: str = ""


@dataclass
class Document:
    """A chapter (``.qmd``) or a Markdown output, parsed."""

    tokens: list[Token]
    meta: dict
    title: str = ""
    title_attributes: Attributes = field(default_factory=Attributes)


def parse_document(md: MarkdownIt, text: str) -> Document:
    """Parse a chapter; its title is the front matter ``title`` or the first level-1
    heading, which is then taken out of the body (Quarto shows it in the title block)."""
    tokens = md.parse(text)
    meta: dict = {}
    if tokens and tokens[0].type == "front_matter":
        meta = yaml.safe_load(tokens[0].content) or {}
        tokens = tokens[1:]
    doc = Document(tokens, meta)
    if meta.get("title"):
        title_text = str(meta["title"])
        m = _HEADING_ATTRS.search(title_text)
        doc.title = title_text[: m.start()] if m else title_text
        return doc
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            doc.title = tokens[i + 1].content
            doc.title_attributes = token.meta.get("attributes", Attributes())
            doc.tokens = tokens[:i] + tokens[i + 3 :]
            break
    return doc


class HeadingNumbers:
    """Numbers and identifiers of a page's headings, as a Quarto book gives them.

    In a numbered chapter ``3``, the first level-2 heading is ``3.1`` and a level-3 heading
    under it ``3.1.1``; an unnumbered chapter or a heading marked ``{.unnumbered}`` gets no
    number. Identifiers follow Pandoc and are unique on the page (``x``, ``x-1``, ...).
    """

    def __init__(self, chapter_number: str, taken: set[str] | None = None) -> None:
        self.chapter = chapter_number
        self.counters = [0] * 7
        self.taken = set(taken or ())

    def unique(self, ident: str) -> str:
        candidate, n = ident, 0
        while candidate in self.taken:
            n += 1
            candidate = f"{ident}-{n}"
        self.taken.add(candidate)
        return candidate

    def heading(self, level: int, text: str, attrs: Attributes) -> Heading:
        ident = self.unique(attrs.ident or pandoc_identifier(text))
        if not self.chapter or "unnumbered" in attrs.classes or level < 2:
            return Heading(level, text, ident)
        self.counters[level] += 1
        for deeper in range(level + 1, 7):
            self.counters[deeper] = 0
        parts = [self.chapter] + [str(self.counters[n]) for n in range(2, level + 1)]
        return Heading(level, text, ident, ".".join(parts))


def render_document(
    md: MarkdownIt,
    tokens: list[Token],
    *,
    numbers: HeadingNumbers,
    embed: Callable[[str, list[str]], str] | None = None,
) -> tuple[str, list[Heading]]:
    """HTML of a parsed document, with numbered headings and resolved embeds.

    Returns
    -------
    tuple
        The HTML and the headings (for the page's table of contents).
    """
    headings: list[Heading] = []
    rendered: list[str] = []
    chunk: list[Token] = []

    def flush() -> None:
        if chunk:
            rendered.append(md.renderer.render(chunk, md.options, {}))
            chunk.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "embed":
            flush()
            if embed is None:
                raise ValueError("an embed shortcode inside a notebook output")
            rendered.append(embed(token.meta["target"], token.meta["options"]))
            i += 1
            continue
        if token.type == "heading_open":
            flush()
            inline = tokens[i + 1]
            text_html = md.renderer.render([inline], md.options, {})
            plain = "".join(
                t.content for t in (inline.children or []) if t.type in ("text", "code_inline")
            )
            heading = numbers.heading(
                int(token.tag[1]), plain, token.meta.get("attributes", Attributes())
            )
            headings.append(heading)
            number = (
                f'<span class="header-section-number">{heading.number}</span> '
                if heading.number
                else ""
            )
            rendered.append(
                f'<{token.tag} id="{html.escape(heading.ident)}" class="anchored">'
                f"{number}{text_html}</{token.tag}>\n"
            )
            i += 3
            continue
        chunk.append(token)
        i += 1
    flush()
    return "".join(rendered), headings


def inline_markdown(md: MarkdownIt, text: str) -> str:
    """One line of Markdown (a title from the parameters) as inline HTML."""
    return md.renderInline(text)
