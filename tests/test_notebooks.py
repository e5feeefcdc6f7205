"""Each notebook, executed by papermill on a small synthetic run, writes what it promises."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from snalib import synth
from snalib.inputs import load_inputs
from snalib.manifest import build_manifest, write_manifest
from snalib.params import load_params
from snalib.pipeline import NOTEBOOKS, execute_notebook, write_data

pytestmark = pytest.mark.xdist_group("notebooks")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """Validated data of a small synthetic area, then every notebook executed in order."""
    base = tmp_path_factory.mktemp("nb")
    demo = synth.generate(base / "input", scale=0.02, n_lsoas=40)
    params = load_params(demo.params)
    inputs = load_inputs(params)
    run = base / "run"
    run.mkdir()
    write_data(inputs, params, run)
    for stage in NOTEBOOKS:
        if stage.after_manifest:
            manifest = build_manifest(
                params=params,
                results=inputs.results,
                stages=[],
                run_dir=run,
                renderer="builtin",
                status="notebooks running",
                include_outputs=False,
            )
            write_manifest(run, manifest)
        execute_notebook(stage, run)
    return run


def _outputs(run: Path, notebook: str) -> dict[str, list]:
    nb = nbformat.read(run / "notebooks" / notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("#| label:"):
            out[cell.source.split("\n", 1)[0].split(":", 1)[1].strip()] = cell.outputs
    return out


@pytest.mark.parametrize("stage", NOTEBOOKS, ids=lambda s: s.notebook)
def test_executed_notebooks_have_no_errors_and_the_run_dir_parameter(small_run, stage):
    nb = nbformat.read(small_run / "notebooks" / stage.notebook, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'run_dir = "."' in injected[0].source
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{stage.notebook}: {output.get('ename')}"
            assert not (
                output["output_type"] == "stream"
                and output["name"] == "stderr"
                and "Traceback" in output["text"]
            )


def test_data_quality_notebook_writes_a_reconciled_table(small_run):
    table = pd.read_csv(small_run / "tables" / "data_quality.csv")
    provided = table[table["status"] == "provided"]
    assert len(provided) == 11
    assert (
        provided["rows_in"] == provided["included"] + provided["excluded"] + provided["rejected"]
    ).all()
    assert (provided["reconciles"] == "yes").all()
    html = "".join(
        o["data"].get("text/html", "")
        for o in _outputs(small_run, "01-data-quality.ipynb")["dq-reconciliation"]
    )
    assert "<caption>Records in each source" in html


def test_definition_notebook_flow_ends_at_the_serious_violence_count(small_run):
    flow = pd.read_csv(small_run / "tables" / "inclusion_flow.csv")
    flagged = pd.read_parquet(small_run / "data" / "crimes_flagged.parquet")
    in_year = flagged[
        (flagged["offence_date"] >= "2021-04-01") & (flagged["offence_date"] <= "2022-03-31")
    ]
    records = pd.to_numeric(flow["records"], errors="coerce")
    assert records.iloc[0] == len(in_year)
    assert records.iloc[-1] == int(in_year["serious_violence"].sum())
    for ext in ("svg", "png", "csv"):
        assert (small_run / "figures" / f"inclusion_flow.{ext}").stat().st_size > 0
    outputs = _outputs(small_run, "02-definition.ipynb")
    figure_html = outputs["inclusion-flow-figure"][0]["data"]["text/html"]
    assert (
        "meet the serious violence definition in 2021/22" in figure_html
        and 'alt="Horizontal bar chart' in figure_html
    )
    text = outputs["inclusion-flow-text"][0]["data"]["text/markdown"]
    assert "crimes meet the serious violence definition in 2021/22" in text


def test_definition_notebook_writes_monthly_series_for_every_month_of_the_window(small_run):
    series = pd.read_csv(small_run / "tables" / "monthly_series.csv")
    assert {"month", "series", "count"} <= set(series.columns)
    sv = series[series["series"] == "Serious violence"]
    assert len(sv) == 84 and sv["month"].iloc[0] == "2015-04" and sv["month"].iloc[-1] == "2022-03"
    flagged = pd.read_parquet(small_run / "data" / "crimes_flagged.parquet")
    counts = pd.to_numeric(sv["count"], errors="coerce")
    visible = counts.notna()  # small counts are suppressed as [c]
    expected = (
        flagged[flagged["serious_violence"]]
        .groupby(flagged["offence_date"].dt.strftime("%Y-%m"))
        .size()
    )
    assert (
        counts[visible].to_numpy()
        == expected.reindex(sv["month"][visible], fill_value=0).to_numpy()
    ).all()
    assert not ((counts >= 1) & (counts < 5)).any()


def test_programme_notebook_spend_total_is_the_sum_of_the_lines(small_run):
    spend = pd.read_csv(small_run / "tables" / "spend_against_plan.csv")
    lines = spend[spend["category"] != "Total"]
    total = spend[spend["category"] == "Total"].iloc[0]
    assert total["planned"] == pytest.approx(lines["planned"].sum())
    assert total["actual"] == pytest.approx(lines["actual"].sum())
    interventions = pd.read_csv(small_run / "tables" / "interventions.csv")
    assert {"intervention", "referrals", "engaged", "completed"} <= set(interventions.columns)


def test_overview_notebook_key_facts_match_the_data(small_run):
    facts = pd.read_csv(small_run / "tables" / "key_facts.csv").set_index("fact")
    flagged = pd.read_parquet(small_run / "data" / "crimes_flagged.parquet")
    in_year = flagged[
        (flagged["offence_date"] >= "2021-04-01") & (flagged["offence_date"] <= "2022-03-31")
    ]
    n = int(in_year["serious_violence"].sum())
    assert facts.loc["Serious violence in 2021/22", "value"] == (
        f"{n:,}" if n >= 5 or n == 0 else "[c]"
    )


def test_methods_notebook_lists_every_input_with_its_checksum(small_run):
    inputs = pd.read_csv(small_run / "tables" / "provenance_inputs.csv")
    manifest = json.loads((small_run / "manifest.json").read_text())
    assert set(inputs["source"]) == {i["source"] for i in manifest["inputs"]}
    assert inputs["sha256"].str.len().min() > 10
    params = pd.read_csv(small_run / "tables" / "provenance_parameters.csv").set_index("parameter")
    assert params.loc["report_year", "value"] == "2021/22"
