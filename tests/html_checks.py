"""What a rendered page holds, read with the standard library's HTML parser.

Used by the rendering tests to compare Quarto's pages with the built-in renderer's (their
inventories must match) and to check every generated page: no duplicate id, nothing loaded
from the network, no path of the build machine.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


@dataclass
class Inventory:
    """What a reviewer finds in a page's main content."""

    headings: list[tuple[int, str]] = field(default_factory=list)
    figure_alts: list[str] = field(default_factory=list)
    table_captions: list[str] = field(default_factory=list)
    download_links: list[str] = field(default_factory=list)
    code_folds: int = 0
    callouts: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.network: list[str] = []
        self.inventory = Inventory()
        self.main_depth = 0  # > 0 inside <main>
        self.capture: tuple[str, int] | None = None  # (what, heading level)
        self.captured: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] += 1
        for key in ("src", "href"):
            value = a.get(key) or ""
            if re.match(r"(?i)(https?:)?//", value) and (
                tag in ("script", "img", "iframe") or (tag == "link" and key == "href")
            ):
                self.network.append(f"<{tag} {key}={value}>")
        if tag == "main":
            self.main_depth += 1
        if not self.main_depth:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.capture, self.captured = ("heading", int(tag[1])), []
        elif tag == "caption":
            self.capture, self.captured = ("caption", 0), []
        elif tag == "img":
            self.inventory.figure_alts.append(_norm(a.get("alt") or ""))
        elif tag == "a" and "data-link" in (a.get("class") or "").split():
            self.inventory.download_links.append(a.get("href") or "")
        elif tag == "details" and "code-fold" in (a.get("class") or "").split():
            self.inventory.code_folds += 1
        elif tag == "div" and "callout" in (a.get("class") or "").split():
            kinds = (
                "callout-note",
                "callout-tip",
                "callout-important",
                "callout-warning",
                "callout-caution",
            )
            kind = next((c for c in a["class"].split() if c in kinds), "callout")
            self.inventory.callouts.append(kind)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "main":
            self.main_depth -= 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.main_depth -= 1
        if self.capture is None:
            return
        what, level = self.capture
        if (what == "heading" and tag == f"h{level}") or (what == "caption" and tag == "caption"):
            text = _norm("".join(self.captured))
            if what == "heading":
                self.inventory.headings.append((level, text))
            else:
                self.inventory.table_captions.append(text)
            self.capture = None

    def handle_data(self, data):
        if self.capture is not None:
            self.captured.append(data)


@dataclass
class Page:
    path: Path
    inventory: Inventory
    duplicate_ids: list[str]
    network: list[str]
    text: str


def read_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    parser = _PageParser()
    parser.feed(text)
    duplicates = sorted(i for i, n in parser.ids.items() if n > 1)
    return Page(path, parser.inventory, duplicates, parser.network, text)


def read_report(folder: Path) -> dict[str, Page]:
    """Every page of a rendered report, by file name."""
    return {p.name: read_page(p) for p in sorted(folder.glob("*.html"))}
