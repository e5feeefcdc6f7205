"""``show``: what a notebook cell displays of a chapter's outputs."""

from __future__ import annotations

import pytest

from snalib.publish import display as display_module
from snalib.publish.display import show


class Table:
    def _repr_html_(self) -> str:
        return "<table></table>"


def test_show_displays_text_as_markdown_and_objects_as_they_are_in_order(monkeypatch):
    shown = []
    monkeypatch.setattr(display_module, "display", shown.append)
    table = Table()
    show("First **sentence**.", None, [table, ("Second.",)])
    assert [type(item).__name__ for item in shown] == ["Markdown", "Table", "Markdown"]
    assert shown[0].data == "First **sentence**." and shown[1] is table
    assert shown[2].data == "Second."


@pytest.mark.parametrize("outputs", [(), (None,), ([],), ("  ",), (None, "")])
def test_show_refuses_to_show_nothing(outputs):
    with pytest.raises(ValueError, match="must show something"):
        show(*outputs)
