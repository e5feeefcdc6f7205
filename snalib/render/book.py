"""The structure of a Quarto book project: its chapters, parts, appendices and numbers.

Read from ``_quarto.yml`` (``book.chapters``, ``book.appendices``) and each chapter's
title, as Quarto numbers them: chapters whose title is marked ``{.unnumbered}`` get no
number, the others ``1``, ``2``, ... in order; appendices ``A``, ``B``, ....
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from snalib.errors import RenderError
from snalib.render.markdown import Document, parse_document


@dataclass
class Chapter:
    """One page of the book."""

    source: Path
    href: str
    document: Document
    part: str | None = None
    appendix: bool = False
    number: str = ""

    @property
    def title(self) -> str:
        return self.document.title or Path(self.href).stem

    @property
    def label(self) -> str:
        """How the sidebar and the page heading name it: ``3 Trends``, ``A Methods``."""
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass
class Book:
    project: Path
    config: dict
    title: str
    subtitle: str
    author: str
    chapters: list[Chapter] = field(default_factory=list)

    @property
    def html_options(self) -> dict:
        return (self.config.get("format") or {}).get("html") or {}


def read_book(project: Path, md: MarkdownIt) -> Book:
    """The book of a prepared project.

    Raises
    ------
    RenderError
        When ``index.qmd`` is not the first chapter (Quarto requires it) or a chapter file
        is missing.
    """
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8")) or {}
    book_config = config.get("book") or {}
    chapters: list[Chapter] = []

    def add(entry: object, part: str | None, appendix: bool) -> None:
        if isinstance(entry, str):
            source = project / entry
            if not source.is_file():
                raise RenderError(f"{project.name}/_quarto.yml: chapter {entry} not found")
            document = parse_document(md, source.read_text(encoding="utf-8"))
            href = Path(entry).with_suffix(".html").as_posix()
            chapters.append(Chapter(source, href, document, part=part, appendix=appendix))
        elif isinstance(entry, dict) and "part" in entry:
            for sub in entry.get("chapters") or []:
                add(sub, str(entry["part"]), appendix)

    for entry in book_config.get("chapters") or []:
        add(entry, None, False)
    for entry in book_config.get("appendices") or []:
        add(entry, None, True)
    if not chapters or chapters[0].href != "index.html":
        raise RenderError(f"{project.name}/_quarto.yml: the first chapter must be index.qmd")

    number = 0
    appendix = 0
    for chapter in chapters:
        if "unnumbered" in chapter.document.title_attributes.classes:
            continue
        if chapter.appendix:
            chapter.number = chr(ord("A") + appendix)
            appendix += 1
        else:
            number += 1
            chapter.number = str(number)
    return Book(
        project=project,
        config=config,
        title=str(book_config.get("title", "Report")),
        subtitle=str(book_config.get("subtitle", "") or ""),
        author=str(book_config.get("author", "") or ""),
        chapters=chapters,
    )
