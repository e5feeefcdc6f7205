"""CSV cells that a spreadsheet cannot run: the OWASP guidance on CSV injection.

Every CSV that ``sna`` writes for people to open, published tables and chart data
(:func:`snalib.publish.tables.write_csv`) and the analyst's rejected rows
(``data/rejected_<table>.csv``), goes through here. A text cell beginning with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so that a
spreadsheet shows it as text and never evaluates it. A number, or text that is a plain
number such as ``-2.5`` or ``+3``, is left as written. A carriage return inside a cell is
written as a newline, so that every CSV reader sees one quoted cell.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import re

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-2.5", "+3", "1,234", "-1e-05", "12%") is a number to a
# spreadsheet, not a formula.
PLAIN_NUMBER = r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def _one_line_end(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def neutralise_formula(value: object) -> object:
    """One cell made safe to open in a spreadsheet (anything but text is returned as is)."""
    if not isinstance(value, str):
        return value
    value = _one_line_end(value)
    if value.startswith((*FORMULA_TRIGGERS, "\n")) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_text_column(column: pd.Series) -> pd.Series:
    """A column as text, vectorised (for large files such as rejected rows)."""
    text = column.astype("string").fillna("").str.replace("\r\n", "\n").str.replace("\r", "\n")
    risky = text.str.startswith((*FORMULA_TRIGGERS, "\n")) & ~text.str.fullmatch(PLAIN_NUMBER)
    return text.mask(risky, "'" + text)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas; numeric
    columns (and their dtypes) are unchanged."""
    columns = []
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            series = series.map(neutralise_formula)
        columns.append(series.reset_index(drop=True))
    out = pd.concat(columns, axis=1, ignore_index=True) if columns else frame.iloc[:, :0].copy()
    out.index = frame.index
    out.columns = [neutralise_formula(str(c)) for c in frame.columns]
    return out
