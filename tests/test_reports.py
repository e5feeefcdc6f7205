"""The rendered reports, as a reviewer opens them: with Quarto and with the built-in renderer.

Every report is built end to end on several data sets (the small demo, the hand-written
fixture, a 22-month window, the public data excerpt, the monitoring report by week, month
and quarter) and checked page by page: no duplicate id, nothing loaded from the network, no
path of the build machine, every figure with alt text and every table with a caption. With
Quarto on PATH, the Quarto build logs no warning and its pages hold the same headings,
figures, tables, download links and folded code as the built-in renderer's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from snalib import synth
from snalib.cli import main
from tests.conftest import FIXTURES, HANDWRITTEN, ROOT
from tests.html_checks import read_report

QUARTO = shutil.which("quarto") is not None
needs_quarto = [
    pytest.mark.quarto,
    pytest.mark.skipif(not QUARTO, reason="needs the quarto CLI on PATH"),
]
RENDERERS = [
    pytest.param("builtin", id="builtin"),
    pytest.param("quarto", id="quarto", marks=needs_quarto),
]
BOOKS = ("sna", "annual-report")

pytestmark = pytest.mark.xdist_group("reports")


def _build(argv: list[str], capsys) -> str:
    code = main([*argv, "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Params files of the data sets: small demo, hand-written, a 22-month window."""
    base = tmp_path_factory.mktemp("report-inputs")
    demo = synth.generate(base / "demo", scale=0.05, n_lsoas=40)
    handwritten = base / "handwritten"
    shutil.copytree(HANDWRITTEN, handwritten)
    short = yaml.safe_load(demo.params.read_text(encoding="utf-8"))
    short["analysis_window"] = {"start": "2020-06-01", "end": "2022-03-31"}  # 22 months
    short["baseline"] = None  # no baseline year inside 22 months: the measures say so
    # Records before the window are rejected (a reason each); most of the demo is.
    short.setdefault("validation", {})["max_rejected_share"] = 0.9
    short["periods"] = [p for p in short.get("periods", []) if str(p["start"]) >= "2020-06-01"]
    short_params = demo.params.with_name("params-short.yaml")
    short_params.write_text(yaml.safe_dump(short, sort_keys=False), encoding="utf-8")
    return {
        "demo": demo.params,
        "handwritten": handwritten / "params.yaml",
        "short": short_params,
        "public": FIXTURES / "public" / "params-public.yaml",
    }


@pytest.fixture(scope="module")
def built(inputs, tmp_path_factory):
    """Build on demand, once per (data set, renderer): returns (run dir, CLI output)."""
    runs: dict[tuple[str, str], tuple[Path, str]] = {}

    def build(name: str, renderer: str, capsys) -> tuple[Path, str]:
        if (name, renderer) not in runs:
            out = tmp_path_factory.mktemp(f"{name}-{renderer}") / "run"
            argv = ["build", str(inputs[name]), "--out", str(out), "--renderer", renderer]
            runs[name, renderer] = (out, _build(argv, capsys))
        return runs[name, renderer]

    return build


def _published_files(run: Path) -> list[Path]:
    folders = [run / b for b in (*BOOKS, "monitoring")] + [run / "notebooks", run / "tables"]
    files = [p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file()]
    files += list((run / "figures").glob("*.csv")) + [run / "manifest.json"]
    return [p for p in files if p.suffix in (".html", ".ipynb", ".csv", ".json", ".css")]


def _check_pages(run: Path, books=BOOKS) -> dict[str, dict]:
    """Checks every page of every book; returns the pages by book."""
    reports = {book: read_report(run / book) for book in books}
    for pages in [*reports.values(), read_report(run / "notebooks")]:
        for name, page in pages.items():
            assert not page.duplicate_ids, f"{name}: duplicate ids {page.duplicate_ids}"
            assert not page.network, f"{name}: loads from the network: {page.network}"
            assert all(page.inventory.figure_alts), f"{name}: an image without alt text"
    for path in _published_files(run):
        text = path.read_text(encoding="utf-8", errors="replace")
        for machine_path in {str(run), str(run.parent), str(ROOT)}:
            assert machine_path not in text, f"{path.relative_to(run)} holds {machine_path}"
    return reports


def _tables_have_captions(run: Path, books=BOOKS) -> None:
    for book in books:
        for page in (run / book).glob("*.html"):
            text = page.read_text(encoding="utf-8")
            assert text.count('<table class="sna-table"') == text.count("<caption>"), page.name


# --------------------------------------------------------------------------- every data set


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("data", ["demo", "handwritten", "short"])
def test_reports_render_every_chapter_with_clean_pages(built, capsys, data, renderer):
    run, stdout = built(data, renderer, capsys)
    expected = {
        "quarto": "Rendered with Quarto.",
        "builtin": "Rendered with the built-in renderer (--renderer builtin).",
    }[renderer]
    assert expected in stdout and "not on PATH" not in stdout
    reports = _check_pages(run)
    _tables_have_captions(run)
    assert sorted(reports["sna"]) == [
        "data-quality.html",
        "definition.html",
        "index.html",
        "methods.html",
        "success-measures.html",
        "trends.html",
    ]
    assert sorted(reports["annual-report"]) == [
        "index.html",
        "methods.html",
        "programme.html",
        "success-measures.html",
    ]
    log = (run / "logs" / "build.log").read_text(encoding="utf-8")
    assert " WARNING " not in log, [line for line in log.splitlines() if " WARNING " in line]


@pytest.mark.parametrize("data", ["demo", "handwritten"])
def test_chapters_are_numbered_as_quarto_numbers_a_book(built, capsys, data):
    run, _ = built(data, "builtin", capsys)
    pages = read_report(run / "sna")
    first = {name: page.inventory.headings[0] for name, page in pages.items()}
    assert first["index.html"][1].startswith("Serious violence Strategic Needs Assessment")
    assert pages["index.html"].inventory.headings[1] == (1, "Key facts")
    assert first["data-quality.html"] == (1, "1 Data quality")
    assert first["trends.html"] == (1, "3 Trends, seasonality and lockdowns")
    assert first["methods.html"] == (1, "Appendix A — Methods and provenance")
    assert pages["trends.html"].inventory.headings[1][1].startswith("3.1 ")


def test_key_numbers_in_the_report_match_the_published_tables(built, capsys):
    run, _ = built("demo", "quarto" if QUARTO else "builtin", capsys)
    facts = pd.read_csv(run / "tables" / "key_facts.csv", dtype=str)
    index = (run / "sna" / "index.html").read_text(encoding="utf-8")
    for value in facts["value"].dropna():
        assert value in index or value.replace("'", "&#39;") in index, value
    measures = pd.read_csv(run / "tables" / "success_measures.csv", dtype=str)
    page = (run / "sna" / "success-measures.html").read_text(encoding="utf-8")
    for count in measures["current_count"].dropna():
        shown = count if not count.isdigit() else f"{int(count):,}"
        assert shown in page, count


# --------------------------------------------------------------------------- one report


@pytest.mark.quarto
@pytest.mark.skipif(not QUARTO, reason="needs the quarto CLI on PATH")
@pytest.mark.parametrize("data", ["demo", "handwritten", "short", "public"])
def test_quarto_and_builtin_give_the_same_report(built, capsys, data):
    quarto_run, _ = built(data, "quarto", capsys)
    builtin_run, _ = built(data, "builtin", capsys)
    for book in BOOKS:
        quarto_pages = read_report(quarto_run / book)
        builtin_pages = read_report(builtin_run / book)
        assert sorted(quarto_pages) == sorted(builtin_pages)
        for name, page in quarto_pages.items():
            theirs = builtin_pages[name].inventory
            ours = page.inventory
            assert ours.headings == theirs.headings, f"{book}/{name}"
            assert ours.figure_alts == theirs.figure_alts, f"{book}/{name}"
            assert ours.table_captions == theirs.table_captions, f"{book}/{name}"
            assert ours.download_links == theirs.download_links, f"{book}/{name}"
            assert ours.code_folds == theirs.code_folds, f"{book}/{name}"
            assert ours.callouts == theirs.callouts, f"{book}/{name}"


def test_include_code_false_folds_no_code(inputs, tmp_path, capsys):
    params = yaml.safe_load(inputs["handwritten"].read_text(encoding="utf-8"))
    params.setdefault("report", {})["include_code"] = False
    folder = inputs["handwritten"].parent
    path = folder / "params-no-code.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    out = tmp_path / "run"
    _build(["build", str(path), "--out", str(out), "--renderer", "builtin"], capsys)
    pages = read_report(out / "sna")
    assert sum(p.inventory.code_folds for p in pages.values()) == 0


# --------------------------------------------------------------------------- public data


@pytest.mark.parametrize("renderer", RENDERERS)
def test_public_excerpt_reports_render_with_clean_pages(built, capsys, renderer):
    run, _ = built("public", renderer, capsys)
    _check_pages(run)
    _tables_have_captions(run)
    log = (run / "logs" / "build.log").read_text(encoding="utf-8")
    assert " WARNING " not in log


# --------------------------------------------------------------------------- monitoring


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_monitoring_report_renders_for_every_period(inputs, tmp_path, capsys, period, renderer):
    out = tmp_path / "run"
    argv = ["report", "monitoring", str(inputs["demo"]), "--period", period]
    stdout = _build([*argv, "--out", str(out), "--renderer", renderer], capsys)
    assert ("Rendered with Quarto." in stdout) == (renderer == "quarto")
    pages = _check_pages(out, books=("monitoring",))
    _tables_have_captions(out, books=("monitoring",))
    index = pages["monitoring"]["index.html"].inventory
    assert index.figure_alts and index.table_captions
    log = (out / "logs" / "build.log").read_text(encoding="utf-8")
    assert " WARNING " not in log


@pytest.mark.quarto
@pytest.mark.skipif(not QUARTO, reason="needs the quarto CLI on PATH")
def test_monitoring_report_is_the_same_with_either_renderer(inputs, tmp_path, capsys):
    pages = {}
    for renderer in ("quarto", "builtin"):
        out = tmp_path / renderer
        argv = ["report", "monitoring", str(inputs["demo"]), "--period", "month"]
        _build([*argv, "--out", str(out), "--renderer", renderer], capsys)
        pages[renderer] = read_report(out / "monitoring")["index.html"].inventory
    assert pages["quarto"] == pages["builtin"]


@pytest.mark.quarto
@pytest.mark.skipif(not QUARTO, reason="needs the quarto CLI on PATH")
def test_a_quarto_failure_is_one_plain_line_with_the_chapter_and_the_log(
    inputs, tmp_path, capsys, monkeypatch
):
    reports = tmp_path / "reports"
    shutil.copytree(ROOT / "reports", reports)
    chapter = reports / "sna" / "definition.qmd"
    chapter.write_text(
        chapter.read_text(encoding="utf-8")
        + "\n{{< embed ../../notebooks/02-definition.ipynb#no-such-label >}}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr("snalib.render.project.REPORTS_DIR", reports)
    out = tmp_path / "run"
    argv = ["build", str(inputs["handwritten"]), "--out", str(out), "--renderer", "quarto"]
    code = main([*argv, "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "\x1b" not in err
    assert "Quarto could not render the sna report, chapter definition.qmd:" in err
    assert "no-such-label" in err and "build.log" in err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.slow
def test_full_demo_renders_with_no_warning(tmp_path, capsys):
    """`sna demo` at full size, with Quarto when it is on PATH."""
    stdout = _build(["demo", "--out", str(tmp_path / "demo")], capsys)
    assert ("Rendered with Quarto." in stdout) == QUARTO
    _check_pages(tmp_path / "demo")
    log = (tmp_path / "demo" / "logs" / "build.log").read_text(encoding="utf-8")
    assert " WARNING " not in log
