"""The rendered HTML in a real browser (headless Chromium): what a reviewer sees.

The reports are built from data holding markup where names are expected (the area, the
organisation, a district): every page, with either renderer, must show it as text and run
no injected script. axe-core checks every page against WCAG 2.2 A and AA.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from snalib import synth
from snalib.cli import main
from tests.browser.harness import AXE_JS, CHROMIUM, Browser

QUARTO = shutil.which("quarto") is not None
SCRIPT = "<script>window.__pwned=true</script>"
IMAGE = '"><img src=x onerror="window.__pwned=true">'
AREA = f"Hostile {SCRIPT} area"
DISTRICT = f"District {IMAGE}"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless chromium (.ci/run installs it)"),
]
RENDERERS = [
    pytest.param("builtin", id="builtin"),
    pytest.param(
        "quarto",
        id="quarto",
        marks=[
            pytest.mark.quarto,
            pytest.mark.skipif(not QUARTO, reason="needs the quarto CLI on PATH"),
        ],
    ),
]


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def hostile_params(tmp_path_factory) -> Path:
    """A small demo whose area, organisation and first district are named with markup."""
    demo = synth.generate(tmp_path_factory.mktemp("hostile"), scale=0.02, n_lsoas=40)
    params = yaml.safe_load(demo.params.read_text(encoding="utf-8"))
    params["area"]["name"] = AREA
    params["area"]["organisation"] = f"Unit {IMAGE}"
    demo.params.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    areas = pd.read_csv(demo.tables["areas"], dtype=str, keep_default_na=False)
    first = areas["district_code"].iloc[0]
    areas.loc[areas["district_code"] == first, "district_name"] = DISTRICT
    areas.to_csv(demo.tables["areas"], index=False, lineterminator="\n")
    return demo.params


@pytest.fixture(scope="module")
def hostile_runs(hostile_params, tmp_path_factory):
    runs: dict[str, Path] = {}

    def build(renderer: str) -> Path:
        if renderer not in runs:
            out = tmp_path_factory.mktemp(f"hostile-{renderer}") / "run"
            argv = ["build", str(hostile_params), "--out", str(out), "--renderer", renderer]
            assert main([*argv, "--quiet"]) == 0
            monitoring = ["report", "monitoring", str(hostile_params), "--period", "month"]
            argv = [*monitoring, "--out", str(out.with_name("monitoring")), "--renderer", renderer]
            assert main([*argv, "--quiet"]) == 0
            runs[renderer] = out
        return runs[renderer]

    return build


def _pages(run: Path) -> list[Path]:
    """Every page of the run and of its monitoring report, notebook pages included."""
    monitoring = run.with_name("monitoring")
    return sorted(
        [*(run / "sna").glob("*.html"), *(run / "annual-report").glob("*.html")]
        + list((run / "notebooks").glob("*.html"))
        + list((monitoring / "monitoring").glob("*.html"))
        + list((monitoring / "notebooks").glob("*.html"))
    )


def test_harness_sees_an_injected_script_run(browser, tmp_path):
    """The check below can fail: the same payload, unescaped, runs."""
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html lang=en><title>t</title><p>{IMAGE}</p>{SCRIPT}")
    state = browser.load(page)
    assert state["pwned"] and state["scripts"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_markup_in_names_shows_as_text_and_runs_nothing(browser, hostile_runs, renderer):
    run = hostile_runs(renderer)
    for page in _pages(run):
        state = browser.load(page)
        assert not state["pwned"], f"{page.name}: an injected script ran"
        local = [s for s in state["scripts"] if not s.startswith("file://")]
        assert not local, f"{page.name}: scripts from elsewhere: {local}"
        if renderer == "builtin":
            assert not state["scripts"], f"{page.name}: the built-in pages have no script"
    index = browser.load(run / "sna" / "index.html")
    assert AREA in index["text"] and IMAGE in index["text"]
    assert AREA in index["title"]


@pytest.mark.skipif(not AXE_JS.is_file(), reason="needs axe-core: npm ci --prefix tests/browser")
@pytest.mark.parametrize("renderer", RENDERERS)
def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, hostile_runs, renderer):
    run = hostile_runs(renderer)
    found = []
    for page in _pages(run):
        for v in browser.axe(page):
            if v["impact"] in ("serious", "critical"):
                found.append(
                    f"{page.parent.name}/{page.name}: {v['id']} x{v['nodes']} {v['target']}"
                )
    assert not found, "\n".join(found)


def test_title_page_screenshot_is_not_blank(browser, hostile_runs, tmp_path):
    run = hostile_runs("builtin")
    browser.load(run / "sna" / "index.html")
    shot = browser.call("Page.captureScreenshot", session=True, format="png")
    assert len(shot["data"]) > 20_000  # base64 of a blank page is a few kB
