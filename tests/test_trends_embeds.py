"""Every cell the reports embed from the trend and monitoring notebooks shows output.

Quarto aborts a whole book on an embed without output, so a chapter that cannot answer a
question must say why in a sentence. The notebooks are executed by papermill on the data
sets that leave the most questions unanswered: the hand-written fixture (36 months, a
handful of crimes: no forecast, no named period) and a 22-month window (no year-on-year
comparison, seasonality or forecast); the monitoring notebook by week, month and quarter.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from snalib import synth
from snalib.inputs.load import load_inputs
from snalib.params import load_params
from snalib.pipeline.build import apply_definition, write_data
from snalib.pipeline.notebooks import NotebookStage, execute_notebook
from tests.conftest import HANDWRITTEN, ROOT

pytestmark = pytest.mark.xdist_group("trends-embeds")

EMBED = re.compile(r"\{\{<\s*embed\s+\.\./\.\./notebooks/(?P<nb>[^#\s]+)#(?P<label>[^\s>]+)")
REPORTS = (ROOT / "reports" / "sna" / "trends.qmd", ROOT / "reports" / "monitoring" / "index.qmd")
TRENDS, MONITORING = "03-trends.ipynb", "05-monitoring.ipynb"
PERIODS = ("week", "month", "quarter")


def embedded_labels() -> dict[str, set[str]]:
    """Notebook → the labels the trend chapter and the monitoring report embed from it."""
    out: dict[str, set[str]] = {}
    for qmd in REPORTS:
        for m in EMBED.finditer(qmd.read_text(encoding="utf-8")):
            out.setdefault(m.group("nb"), set()).add(m.group("label"))
    return out


def shown_text(outputs: list) -> str:
    """What a cell shows in a report: its HTML and Markdown outputs, joined."""
    parts = []
    for output in outputs:
        if output["output_type"] in ("display_data", "execute_result"):
            data = output.get("data", {})
            parts += [data.get("text/html", ""), data.get("text/markdown", "")]
    return "".join(parts).strip()


def executed_outputs(run: Path, notebook: str) -> dict[str, str]:
    """Label → what the labelled cell shows, from the executed notebook of ``run``."""
    nb = nbformat.read(run / "notebooks" / notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        m = re.match(r"#\|\s*label:\s*(\S+)", cell.source)
        if cell.cell_type == "code" and m:
            errors = [o for o in cell.outputs if o["output_type"] == "error"]
            assert not errors, f"{notebook}#{m.group(1)}: {errors[0]['ename']}"
            out[m.group(1)] = shown_text(cell.outputs)
    return out


def execute_chapters(params, run: Path) -> dict[str, dict[str, str]]:
    """Write the run's data, execute the trend notebook once and monitoring by each period.

    Returns ``"03-trends"`` and ``"05-monitoring <period>"`` → label → what it shows.
    """
    run.mkdir(parents=True)
    inputs = load_inputs(params)
    write_data(inputs, params, run)
    apply_definition(inputs, params, run)
    execute_notebook(NotebookStage("trends", TRENDS), run)
    shown = {TRENDS: executed_outputs(run, TRENDS)}
    for period in PERIODS:
        stage = NotebookStage("monitoring", MONITORING, parameters=(("period", period),))
        execute_notebook(stage, run)
        shown[f"{MONITORING} {period}"] = executed_outputs(run, MONITORING)
    return shown


@pytest.fixture(scope="module")
def handwritten_shown(tmp_path_factory) -> dict[str, dict[str, str]]:
    params = load_params(HANDWRITTEN / "params.yaml")
    return execute_chapters(params, tmp_path_factory.mktemp("handwritten") / "run")


@pytest.fixture(scope="module")
def short_window_shown(tmp_path_factory) -> dict[str, dict[str, str]]:
    """A small synthetic area whose analysis window is cut to 22 months (June 2020 on)."""
    base = tmp_path_factory.mktemp("short")
    demo = synth.generate(base / "input", scale=0.02, n_lsoas=40, first_fy=2019, last_fy=2021)
    config = yaml.safe_load(demo.params.read_text(encoding="utf-8"))
    config["analysis_window"] = {"start": "2020-06-01", "end": "2022-03-31"}
    config["baseline"] = None  # the baseline year must lie inside the window
    config["validation"] = {"max_rejected_share": 0.5}  # the months cut off are rejected
    short = demo.params.with_name("params-22-months.yaml")
    short.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return execute_chapters(load_params(short), base / "run")


def _assert_every_embed_shows_output(shown: dict[str, dict[str, str]]) -> None:
    labels = embedded_labels()
    assert len(labels[TRENDS]) >= 17 and len(labels[MONITORING]) == 6
    for key, outputs in shown.items():
        notebook = key.split()[0]
        for label in sorted(labels[notebook]):
            assert label in outputs, f"{key}: no cell labelled {label}"
            assert outputs[label], f"{key}#{label} shows nothing"


def test_every_embedded_trend_and_monitoring_cell_shows_output_on_the_handwritten_fixture(
    handwritten_shown,
):
    _assert_every_embed_shows_output(handwritten_shown)
    trends = handwritten_shown[TRENDS]
    assert trends["trends-forecast"].startswith("No forecast of serious violence: too few crimes")
    assert trends["trends-backtest"].startswith("No backtest of serious violence")


def test_weekly_monitoring_of_the_handwritten_fixture_draws_the_chart_without_its_baseline(
    handwritten_shown,
):
    weekly = handwritten_shown[f"{MONITORING} week"]
    assert 'alt="XmR chart of weekly counts of serious violence' in weekly["monitoring-xmr-figure"]
    # 156 weeks: the baseline (2019/20) lies before the last two years drawn.
    assert "The baseline lies before the 104 weeks drawn" in weekly["monitoring-xmr-text"]
    monthly = handwritten_shown[f"{MONITORING} month"]
    assert "The baseline lies before" not in monthly["monitoring-xmr-text"]


def test_every_embedded_trend_and_monitoring_cell_shows_output_on_a_22_month_window(
    short_window_shown,
):
    _assert_every_embed_shows_output(short_window_shown)
    trends = short_window_shown[TRENDS]
    assert trends["trends-yoy-table"] == (
        "No year-on-year table: comparing a year with the one before needs at least 24 full "
        "months, and this series has 22."
    )
    assert trends["trends-yoy-text"].startswith("No year-on-year change by crime type")
    assert trends["trends-forecast"] == (
        "No forecast of serious violence: it has 22 full months, and a forecast tested on a "
        "held-out year needs at least 36."
    )
    assert trends["trends-stl-figure"].startswith("No seasonal decomposition")
