"""Published tables and figures: the files a run writes and how a chapter shows them.

A published table is written to ``tables/<name>.csv`` after disclosure control and shown
as an accessible HTML table (caption, column headers with scope). A published figure is
written as ``figures/<name>.svg``, ``.png`` and its data as ``figures/<name>.csv``, and
shown as an HTML ``<figure>`` whose image carries alt text and whose caption states the
finding and links the data. Both render the same way in Quarto and in the built-in
renderer, because each is a plain ``text/html`` output of the notebook cell.

Everything shown is escaped: values come from input files that an analyst does not
control completely.
"""

from __future__ import annotations

import base64
import html
import io
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from snalib.csvsafe import formula_safe

# Links in chapters are relative to the rendered page: <run>/<report>/<chapter>.html
LINK_PREFIX = "../"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a published CSV: formula-safe (:func:`formula_safe`) and deterministic (LF line
    ends, no index, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    formula_safe(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _format_cell(value: object, fmt: str | None) -> str:
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float | np.floating) and np.isnan(value))
    ):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Number) and fmt:
        return format(value, fmt)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.2f}"
    return str(value)


def _default_format(col: pd.Series) -> str | None:
    """A column's number format: thousands separators and the decimals its values need (at
    most 2), the same for every cell so that the column lines up."""
    values = pd.to_numeric(col, errors="coerce").dropna()
    if values.empty or pd.api.types.is_integer_dtype(values):
        return ",.0f" if not values.empty else None
    floats = values.astype(float)
    for decimals in (0, 1):
        if np.allclose(floats, floats.round(decimals), rtol=0, atol=1e-9):
            return f",.{decimals}f"
    return ",.2f"


SYMBOLS = {"[c]", "[u]", "[x]", "[z]"}


def _is_numeric_column(col: pd.Series) -> bool:
    """Numbers, possibly with suppression symbols in some cells."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    values = col.dropna()
    values = values[~values.astype(str).isin(SYMBOLS)]
    return (
        len(values) > 0
        and pd.to_numeric(values, errors="coerce").notna().all()
        and not values.map(lambda v: isinstance(v, str)).any()
    )


def table_html(
    frame: pd.DataFrame,
    *,
    caption: str,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    csv_href: str | None = None,
    table_id: str | None = None,
) -> str:
    """An accessible HTML table: caption, ``th scope="col"``, numbers right-aligned."""
    labels = dict(labels or {})
    cols = list(frame.columns)
    numeric = {c for c in cols if _is_numeric_column(frame[c])}
    formats = {c: _default_format(frame[c]) for c in numeric} | dict(formats or {})
    for c in numeric:  # years are labels, not quantities: no thousands separator
        if "year" in str(c).lower() and formats.get(c) == ",.0f":
            formats[c] = ".0f"
    num_class = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_class if c in numeric else ""}>{html.escape(labels.get(c, c))}</th>'
        for c in cols
    )
    body_rows = []
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(cols, row, strict=True):
            text = html.escape(_format_cell(v, formats.get(c)))
            align = ' class="num"' if c in numeric or text in SYMBOLS else ""
            cells.append(f"<td{align}>{text}</td>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    link = (
        f' <a class="data-link" href="{html.escape(csv_href)}">Download this table (CSV)</a>'
        if csv_href
        else ""
    )
    ident = f' id="{html.escape(table_id)}"' if table_id else ""
    return (
        f'<div class="sna-table-wrap" role="region" tabindex="0" aria-label="{html.escape(caption)}">'
        f'<table class="sna-table"{ident}><caption>{html.escape(caption)}{link}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body_rows)}</tbody></table></div>"
    )


@dataclass
class PublishedTable:
    """A table written to ``tables/``; displays itself as HTML in a notebook."""

    name: str
    path: Path
    frame: pd.DataFrame
    caption: str
    labels: Mapping[str, str] | None = None
    formats: Mapping[str, str] | None = None
    shown_columns: list[str] | None = None

    def __repr__(self) -> str:
        # The plain-text form a notebook keeps beside the HTML: no path of this machine.
        return (
            f"<published table tables/{self.path.name}: {len(self.frame):,} rows, {self.caption!r}>"
        )

    def _repr_html_(self) -> str:
        shown = self.frame[self.shown_columns] if self.shown_columns else self.frame
        return table_html(
            shown,
            caption=self.caption,
            labels=self.labels,
            formats=self.formats,
            csv_href=f"{LINK_PREFIX}tables/{self.path.name}",
            table_id=f"tbl-{self.name}",
        )


def figure_bytes(fig) -> tuple[bytes, bytes]:
    """SVG and PNG bytes of a matplotlib figure, without timestamps (deterministic)."""
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    return svg.getvalue(), png.getvalue()


@dataclass
class PublishedFigure:
    """A figure written to ``figures/``; displays itself as an accessible HTML figure."""

    name: str
    title: str
    alt: str
    svg: bytes
    data_path: Path
    note: str = ""

    def __repr__(self) -> str:
        return f"<published figure figures/{self.name}.svg: {self.title!r}>"

    def _repr_html_(self) -> str:
        src = "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")
        note = f" {html.escape(self.note)}" if self.note else ""
        return (
            f'<figure class="sna-figure" id="fig-{html.escape(self.name)}">'
            f'<img src="{src}" alt="{html.escape(self.alt, quote=True)}">'
            f"<figcaption><strong>{html.escape(self.title)}</strong>{note} "
            f'<a class="data-link" href="{LINK_PREFIX}figures/{html.escape(self.name)}.csv">'
            f"Data for this chart (CSV)</a>, "
            f'<a class="data-link" href="{LINK_PREFIX}figures/{html.escape(self.name)}.svg">SVG</a>, '
            f'<a class="data-link" href="{LINK_PREFIX}figures/{html.escape(self.name)}.png">PNG</a>'
            "</figcaption></figure>"
        )


def markdown_escape(text: object) -> str:
    """Escape text from data for safe inclusion in Markdown prose (HTML and Markdown).

    Markup characters become entities or backslash escapes, so the text shows as written
    whichever Markdown reader renders it; quotes and double hyphens are escaped too, so that
    smart typography (Pandoc's in Quarto, the built-in renderer's) leaves a name as it is.
    """
    escaped = html.escape(str(text), quote=False)
    escaped = re.sub(r"([\\`*_\[\]{}#|!\"'~^$])", r"\\\1", escaped)
    return re.sub(r"-(?=-)", r"\\-", escaped)  # "--" would become a dash
