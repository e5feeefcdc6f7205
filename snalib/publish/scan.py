"""The disclosure scanner: read what a run publishes, as a reviewer would, and find any
small count.

Disclosure control (:mod:`snalib.publish.disclosure`) protects each table as a chapter
publishes it. The scanner is the independent check that runs after everything is written:
it reads every published file of a run directory

- the tables (``tables/*.csv``) and the data of the charts (``figures/*.csv``);
- the text of the charts (``figures/*.svg``: titles, labels on bars and points);
- the HTML pages (``sna/``, ``annual-report/``, ``notebooks/``): prose, lists and tables,

and reports a :class:`Finding` for

- a **count** from 1 to the threshold minus 1: a cell of a count column (the columns the
  chapter declared as counts, and any column whose name says it holds a count, such as
  ``count``, ``records`` or ``admissions``), a number followed by what it counts in prose
  (``3 knife crimes``), or a chart label that is a bare number;
- a **percentage that reveals one**: a percentage beside a count it is a share of (in the
  same table row, or the same sentence) such that the count it implies, allowing for the
  rounding of the percentage, can only be from 1 to the threshold minus 1.

A zero is never a finding (a true zero discloses nothing about a person), nor is a
suppression symbol such as ``[c]``. The scanner judges every count by the threshold of the
run's general rule; a table with a ``source`` column judges the rows of HES admissions by
the HES threshold. It does not recompute subtraction attacks between cells (secondary
suppression prevents those when the tables are made); it reads what is there.

The build runs :func:`scan_run` as its last stage and fails (exit 2, nothing published)
when it finds anything; tests run it over full builds.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

#: Folders of a run directory whose files are published.
PUBLISHED_HTML = ("sna", "annual-report", "notebooks")
#: Where a chapter declares the count columns of what it publishes (not published itself).
DECLARATIONS = Path("data") / "published_counts.json"
#: Published tables that count input records, not people or events.
RECORD_ACCOUNTING = ("data_quality", "provenance_")

SYMBOL = re.compile(r"^\[[a-z]\]$")
#: Words in a column name that say it holds a count of people or events.
COUNT_WORDS = {
    "count",
    "counts",
    "n",
    "number",
    "records",
    "crimes",
    "offences",
    "incidents",
    "admissions",
    "attendances",
    "victims",
    "offenders",
    "suspects",
    "people",
    "persons",
    "children",
    "patients",
    "cases",
    "events",
    "referrals",
    "engaged",
    "completed",
    "outcomes",
    "homicides",
    "deaths",
    "injuries",
    "excluded",
    "included",
    "rejected",
    "remaining",
    "total",
    "violence",
    "codes",
    "rows",
}
#: Words in a column name that say it is not a count even if another word says it is.
NOT_COUNT_WORDS = {
    "rate",
    "ratio",
    "pct",
    "percent",
    "percentage",
    "share",
    "proportion",
    "mean",
    "median",
    "index",
    "lower",
    "upper",
    "lower95",
    "upper95",
    "lower80",
    "upper80",
    "p",
    "value",
    "year",
    "month",
    "week",
    "day",
    "hour",
    "step",
    "rank",
    "code",
    "id",
    "population",
    "seconds",
    "bytes",
    "files",
    "months",
    "lags",
    "forecast",
    "expected",
    "z",
    "alpha",
    "statistic",
    "planned",
    "actual",
    "variance",
    "cost",
    "spend",
}
PERCENT_WORDS = {"pct", "percent", "percentage", "share"}
NOT_SHARE_WORDS = {"change", "variance", "coverage", "mape", "power", "confidence", "ci"}
#: A percentage that is a change, a confidence level or a power, not a share of a count.
_BEFORE_NOT_SHARE = re.compile(
    r"(?:fall|rise|drop|increase|decrease|reduction|change[ds]?|up|down|by|higher|lower|"
    r"more|fewer|less|[+\u2212-])\s*(?:of\s*)?$",
    re.IGNORECASE,
)
_AFTER_NOT_SHARE = re.compile(
    r"^\s*(?:\w+\s+)?(?:CI\b|confidence|interval|limits?|power|prediction|significance|"
    r"level|higher|lower|more|fewer|less|increase|decrease|rise|fall|up|down)",
    re.IGNORECASE,
)

#: What a number in prose can count, for "3 knife crimes" or "2 young people".
COUNT_NOUNS = (
    r"crimes?|offences?|incidents?|admissions?|attendances?|victims?|offenders?|suspects?|"
    r"people|persons?|children|child|patients?|cases?|records?|homicides?|deaths?|"
    r"injur(?:y|ies)|referrals?|assaults?|robber(?:y|ies)|stabbings?|woundings?|"
    r"young\s+people|boys?|girls?|men|women|males?|females?"
)
SPELLED = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_NUMBER = r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.,/%-]*\d)(?!\s*%)"
PROSE_COUNT = re.compile(
    rf"(?:{_NUMBER}|\b({'|'.join(SPELLED)})\b)"
    rf"((?:\s+[A-Za-z][\w-]*){{0,3}}?)\s+\b({COUNT_NOUNS})\b",
    re.IGNORECASE,
)
#: "2 of 112 crimes": the first number counts the same thing as the second.
PART_OF = re.compile(
    rf"{_NUMBER}\s+(?:out\s+)?of\s+(?:the\s+)?(\d{{1,3}}(?:,\d{{3}})+|\d+)"
    rf"((?:\s+[A-Za-z][\w-]*){{0,3}}?)\s+\b({COUNT_NOUNS})\b",
    re.IGNORECASE,
)
PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:%|per\s*cent\b)", re.IGNORECASE)
BARE_INTEGER = re.compile(r"^\s*([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)\s*$")  # "01" is a label
#: Tables of at most this many rows are read as a whole for percentages and totals.
SMALL_TABLE = 50


@dataclass(frozen=True)
class Finding:
    """Something published that reveals a small count."""

    path: str  # relative to the run directory
    where: str  # e.g. "row 3, column count" or "text"
    value: str  # what was found, e.g. "3" or "0.4% of 750"
    reason: str

    def __str__(self) -> str:
        return f"{self.path}, {self.where}: {self.value} ({self.reason})"


@dataclass(frozen=True)
class Thresholds:
    """Counts from 1 to ``threshold - 1`` must not be published."""

    threshold: int = 5
    hes_threshold: int = 8

    @classmethod
    def of_run(cls, run_dir: Path) -> Thresholds:
        params = json.loads((run_dir / "params.json").read_text(encoding="utf-8"))
        disclosure = params.get("disclosure") or {}
        return cls(
            int(disclosure.get("threshold", cls.threshold)),
            int(disclosure.get("hes_threshold", cls.hes_threshold)),
        )

    def for_source(self, source: str | None) -> int:
        return self.hes_threshold if str(source or "").lower() == "hes" else self.threshold


# --------------------------------------------------------------------------- numbers


def _number(text: str) -> float | None:
    text = str(text).strip().replace(",", "")
    if not text or SYMBOL.match(text):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_small(value: float | None, threshold: int) -> bool:
    return value is not None and float(value).is_integer() and 1 <= value < threshold


def _decimals(text: str) -> int:
    text = str(text).strip().rstrip("%").strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def implied_small_count(percent: str, total: float, threshold: int) -> int | None:
    """The count a percentage of ``total`` reveals, when every count it could be (given the
    rounding of the percentage as written) lies from 1 to ``threshold - 1``; else None."""
    p = _number(percent)
    if p is None or p <= 0 or p >= 100 or total is None or total < threshold:
        return None
    half = 0.5 * 10 ** (-_decimals(percent))
    low = max(p - half, 0) * total / 100
    high = (p + half) * total / 100
    candidates = range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)
    if len(candidates) == 0 or any(not 1 <= k < threshold for k in candidates):
        return None
    return candidates[0] if len(candidates) == 1 else candidates[-1]


# --------------------------------------------------------------------------- tables


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", str(name).lower()) if w}


def looks_like_count(name: str) -> bool:
    """Whether a column name says it holds a count (``count``, ``referrals``, ``rows_in``...)."""
    words = _words(name)
    return bool(words & COUNT_WORDS) and not (words & NOT_COUNT_WORDS)


def looks_like_percent(name: str) -> bool:
    """Whether a column holds shares (``engagement_pct``, ``share_of_planned``); a change
    (``change_pct``) or a confidence level is not a share of a count."""
    words = _words(name)
    if words & NOT_SHARE_WORDS:
        return False
    return bool(words & PERCENT_WORDS) or "%" in str(name)


@dataclass
class Table:
    """A published table as read back: where it is, its header and its rows of text."""

    path: str
    header: list[str]
    rows: list[list[str]]
    declared_counts: set[str] = field(default_factory=set)
    #: A record accounting table (input records and their problems, not people or events):
    #: column names and prose are not read as counts; percentages still are.
    declared_none: bool = False
    #: The threshold of the rule the table was published under (else the run's, by source).
    threshold: int | None = None
    #: Counts must be multiples of this (``disclosure.rounding``).
    rounding: int = 1


def scan_table(table: Table, thresholds: Thresholds) -> list[Finding]:
    """Small counts in the count columns of a table, and percentages that reveal one."""
    findings: list[Finding] = []
    header = table.header
    count_cols = [
        i
        for i, name in enumerate(header)
        if name in table.declared_counts or (not table.declared_none and looks_like_count(name))
    ]
    percent_cols = [i for i, name in enumerate(header) if looks_like_percent(name)]
    source_col = next((i for i, name in enumerate(header) if name.lower() == "source"), None)
    for r, row in enumerate(table.rows, start=1):
        source = row[source_col] if source_col is not None and source_col < len(row) else None
        threshold = table.threshold or thresholds.for_source(source)
        for i in count_cols:
            value = _number(row[i]) if i < len(row) else None
            if _is_small(value, threshold):
                findings.append(
                    Finding(
                        table.path,
                        f"row {r}, column {header[i]}",
                        row[i],
                        f"a count from 1 to {threshold - 1}",
                    )
                )
            elif (
                table.rounding > 1
                and header[i] in table.declared_counts
                and value is not None
                and value % table.rounding
            ):
                findings.append(
                    Finding(
                        table.path,
                        f"row {r}, column {header[i]}",
                        row[i],
                        f"a count not rounded to a multiple of {table.rounding}",
                    )
                )
        totals = [_number(row[i]) for i in count_cols if i < len(row)]
        for i in percent_cols:
            if i >= len(row):
                continue
            for total in totals:
                k = implied_small_count(row[i], total, threshold) if total else None
                if k is not None:
                    findings.append(
                        Finding(
                            table.path,
                            f"row {r}, column {header[i]}",
                            f"{row[i]}% of {total:,.0f}",
                            f"the percentage reveals a count of {k}",
                        )
                    )
                    break
        for i, cell in enumerate(row):  # text cells are prose (e.g. key facts)
            if i not in count_cols and _number(cell) is None and re.search(r"\d", cell):
                where = f"row {r}, column {header[i] if i < len(header) else i + 1}"
                found = scan_text(cell, table.path, where, threshold)
                if table.declared_none:  # record accounting: only percentages are read
                    found = [f for f in found if "percentage" in f.reason]
                findings.extend(found)
    if len(table.rows) <= SMALL_TABLE:
        # In a short table (key facts, a summary) a percentage in one row can be read
        # against a total in another: every whole number of the table is a possible total.
        totals = []
        for row in table.rows:
            for cell in row:
                value = _number(cell)
                if value is not None and value.is_integer():
                    totals.append(value)
                else:
                    totals += [v for _, v in prose_numbers(cell, thresholds.threshold)[0]]
        for r, row in enumerate(table.rows, start=1):
            for i, cell in enumerate(row):
                if _number(cell) is None:
                    where = f"row {r}, column {header[i] if i < len(header) else i + 1}"
                    percents = prose_numbers(cell, thresholds.threshold)[1]
                    found = _percent_findings(
                        percents, totals, table.path, where, thresholds.threshold
                    )
                    findings += [f for f in found if f not in findings]
    return findings


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def _declarations(run_dir: Path) -> dict[str, dict]:
    """What each chapter declared when it published (``data/published_counts.json``, written
    by :class:`snalib.publish.run.RunContext`): ``{"tables/x.csv": {"counts": [...],
    "no_counts": bool, "threshold": int, "rounding": int}}``."""
    path = run_dir / DECLARATIONS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def is_record_accounting(relative: str) -> bool:
    """Tables that count input records and their problems, not people or events (the data
    quality and provenance tables): their columns and prose are not read as counts."""
    name = relative.split("/")[-1]
    return name.startswith(RECORD_ACCOUNTING)


# --------------------------------------------------------------------------- text


def prose_numbers(text: str, threshold: int) -> tuple[list[tuple[str, float]], list[str]]:
    """The counts in a piece of prose (a number followed by what it counts, as written and as
    a number) and its percentages (as written)."""
    text = re.sub(r"\s+", " ", text)
    counts = []
    for m in PROSE_COUNT.finditer(text):
        value = _number(m.group(1)) if m.group(1) else SPELLED[m.group(2).lower()]
        if value is not None:
            counts.append((m.group(0).strip(), value))
    for m in PART_OF.finditer(text):
        value = _number(m.group(1))
        if value is not None:
            counts.append((m.group(0).strip(), value))
    percents = [
        m.group(1)
        for m in PERCENT.finditer(text)
        if not _BEFORE_NOT_SHARE.search(text[max(0, m.start() - 30) : m.start()])
        and not _AFTER_NOT_SHARE.match(text[m.end() : m.end() + 40])
    ]
    return counts, percents


def _percent_findings(
    percents: Iterable[str], totals: Iterable[float], path: str, where: str, threshold: int
) -> list[Finding]:
    findings = []
    totals = sorted({t for t in totals if t is not None and t >= threshold})
    for percent in percents:
        for total in totals:
            k = implied_small_count(percent, total, threshold)
            if k is not None:
                findings.append(
                    Finding(
                        path,
                        where,
                        f"{percent}% beside {total:,.0f}",
                        f"the percentage reveals a count of {k}",
                    )
                )
                break
    return findings


def scan_text(text: str, path: str, where: str, threshold: int) -> list[Finding]:
    """Small counts in prose (a number followed by what it counts, such as "3 knife
    crimes"), and a percentage beside a count in the same passage that reveals a small one."""
    counts, percents = prose_numbers(text, threshold)
    findings = [
        Finding(path, where, written, f"a count from 1 to {threshold - 1} in the text")
        for written, value in counts
        if _is_small(value, threshold)
    ]
    findings += _percent_findings(percents, [v for _, v in counts], path, where, threshold)
    return findings


class _Page(HTMLParser):
    """Text blocks and tables of an HTML page (code, scripts and styles left out)."""

    BLOCKS = {"p", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption"}
    SKIP = {"script", "style", "pre", "code", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self._table_id = ""
        self.images: list[str] = []
        self._skip = 0
        self._text: list[str] = []
        self._table: list[list[str]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header_rows = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "img":
            src = dict(attrs).get("src") or ""
            if src.startswith("data:image/svg+xml;base64,"):
                self.images.append(src.split(",", 1)[1])
        elif tag == "table":
            self._flush()
            self._table = []
            self._table_id = dict(attrs).get("id") or ""
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in self.BLOCKS or tag in ("br", "div", "section"):
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            rows = self._table
            header, body = (rows[0], rows[1:]) if rows else ([], [])
            self.tables.append((self._table_id, header, body))
            self._table = None
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._table is None:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(text)
        self._text = []

    def close(self):
        super().close()
        self._flush()


def scan_html(path: Path, relative: str, thresholds: Thresholds) -> list[Finding]:
    """Prose, tables and embedded charts of a page. A table with the id ``tbl-<name>`` is the
    HTML form of ``tables/<name>.csv``: a record accounting table is read as in its CSV."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    page.close()
    findings: list[Finding] = []
    for block in page.blocks:
        findings.extend(scan_text(block, relative, "text", thresholds.threshold))
    for n, (ident, header, rows) in enumerate(page.tables, start=1):
        accounting = is_record_accounting(ident.removeprefix("tbl-")) if ident else False
        table = Table(f"{relative} (table {n})", header, rows, declared_none=accounting)
        findings.extend(scan_table(table, thresholds))
    for n, encoded in enumerate(page.images, start=1):
        try:
            svg = base64.b64decode(encoded)
        except ValueError:
            continue
        findings.extend(scan_svg_bytes(svg, f"{relative} (chart {n})", thresholds))
    return findings


def _svg_texts(svg: bytes) -> Iterator[tuple[tuple[str, ...], str]]:
    """(ids of the groups it is drawn in, text) of every text element."""
    try:
        root = ElementTree.parse(io.BytesIO(svg)).getroot()
    except ElementTree.ParseError:
        return

    def walk(element, groups):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "g" and element.get("id"):
            groups = (*groups, element.get("id"))
        if tag == "text":
            yield groups, "".join(element.itertext())
            return
        for child in element:
            yield from walk(child, groups)

    yield from walk(root, ())


#: Groups of a matplotlib SVG whose numbers are scales, not data: axis ticks and legends.
SCALE_GROUP = re.compile(r"^(xtick_|ytick_|legend_|matplotlib\.axis_|colorbar|cbar)")


def scan_svg_bytes(svg: bytes, relative: str, thresholds: Thresholds) -> list[Finding]:
    """Chart text: titles and annotations are prose; a label that is only a small number,
    outside the axes' ticks, is a count drawn on a bar or a point."""
    findings: list[Finding] = []
    threshold = thresholds.threshold
    for groups, text in _svg_texts(svg):
        if any(SCALE_GROUP.match(g) for g in groups):
            continue
        group = groups[-1] if groups else ""
        m = BARE_INTEGER.match(text)
        if m and _is_small(_number(m.group(1)), threshold):
            findings.append(
                Finding(relative, f"chart label ({group})", text.strip(), "a small count")
            )
        else:
            findings.extend(scan_text(text, relative, "chart text", threshold))
    return findings


# --------------------------------------------------------------------------- a run


def published_files(run_dir: Path) -> list[Path]:
    """Every file of a run that is published: tables, chart data and charts, HTML pages."""
    files = sorted((run_dir / "tables").glob("*.csv")) + sorted((run_dir / "figures").glob("*.csv"))
    files += sorted((run_dir / "figures").glob("*.svg"))
    for folder in PUBLISHED_HTML:
        files += sorted((run_dir / folder).rglob("*.html"))
    return files


def scan_run(run_dir: str | Path, thresholds: Thresholds | None = None) -> list[Finding]:
    """Every finding in what a run directory publishes (an empty list when it is clean)."""
    run_dir = Path(run_dir)
    thresholds = thresholds or Thresholds.of_run(run_dir)
    declared = _declarations(run_dir)
    findings: list[Finding] = []
    for path in published_files(run_dir):
        relative = path.relative_to(run_dir).as_posix()
        if path.suffix == ".csv":
            header, rows = _read_csv(path)
            entry = declared.get(relative, {})
            table = Table(
                relative,
                header,
                rows,
                set(entry.get("counts") or ()),
                is_record_accounting(relative),
                entry.get("threshold"),
                int(entry.get("rounding") or 1),
            )
            findings.extend(scan_table(table, thresholds))
        elif path.suffix == ".svg":
            findings.extend(scan_svg_bytes(path.read_bytes(), relative, thresholds))
        else:
            findings.extend(scan_html(path, relative, thresholds))
    return findings
