"""How a notebook cell shows a chapter's outputs.

A chapter function returns what its cell shows: a published table or figure, a sentence
(Markdown text), or a sequence of them. A notebook cell passes it to :func:`show`, which
displays each item in order. A cell that a report embeds must always show something (Quarto
refuses to embed a cell without output), so a chapter says in a sentence why there is
nothing to show, and :func:`show` refuses to show nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from IPython.display import Markdown, display


def _items(outputs: Iterable[object]) -> list[object]:
    flat: list[object] = []
    for item in outputs:
        if item is None:
            continue
        if isinstance(item, list | tuple):
            flat.extend(_items(item))
        else:
            flat.append(item)
    return flat


def show(*outputs: object) -> None:
    """Display chapter outputs in order: text as Markdown, other objects as they are.

    ``None`` is skipped and lists or tuples are shown item by item.

    Raises
    ------
    ValueError
        When nothing would be shown: the chapter must say why instead.
    """
    items = _items(outputs)
    if not items or all(isinstance(item, str) and not item.strip() for item in items):
        raise ValueError("a chapter cell must show something: return a sentence saying why not")
    for item in items:
        display(Markdown(item) if isinstance(item, str) else item)
