"""Each notebook, executed by papermill on a small synthetic run, writes what it promises."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from snalib import synth
from snalib.inputs.load import load_inputs
from snalib.params import load_params
from snalib.pipeline.build import apply_definition, write_data
from snalib.pipeline.manifest import build_manifest, write_manifest
from snalib.pipeline.notebooks import NOTEBOOKS, execute_notebook

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
    apply_definition(inputs, params, run)
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
        for o in _outputs(small_run, "01-data-quality.ipynb")["quality-reconciliation"]
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
    figure_html = outputs["definition-flow-figure"][0]["data"]["text/html"]
    assert (
        "meet the serious violence definition in 2021/22" in figure_html
        and 'alt="Horizontal bar chart' in figure_html
    )
    text = outputs["definition-flow-text"][0]["data"]["text/markdown"]
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


def _financial_year(frame: pd.DataFrame, column: str = "offence_date") -> pd.DataFrame:
    dates = frame[column]
    return frame[(dates >= "2021-04-01") & (dates <= "2022-03-31")]


def _published(value: int, threshold: int) -> str:
    return str(value) if value == 0 or value >= threshold else "[c]"


def test_success_measures_notebook_writes_six_rows_that_match_the_data(small_run):
    table = pd.read_csv(
        small_run / "tables" / "success_measures.csv", dtype=str, keep_default_na=False
    )
    required = {
        "measure", "group", "baseline_period", "baseline_count", "current_period",
        "current_count", "change_pct", "rate_ratio", "lower95", "upper95", "p_value", "status",
    }  # fmt: skip
    assert required <= set(table.columns)
    assert list(table["measure_id"]) == ["admissions"] * 2 + ["knife_crime"] * 2 + ["homicides"] * 2
    assert list(table["group"]) == ["all ages", "under 25"] * 3
    assert set(table["baseline_period"]) == {"2018/19"} and set(table["current_period"]) == {
        "2021/22"
    }
    rows = table.set_index(["measure_id", "group"])
    flagged = _financial_year(pd.read_parquet(small_run / "data" / "crimes_flagged.parquet"))
    knife = flagged[
        flagged["exclusion_step"].isin(["", "priority_age"]) & flagged["knife"].fillna(False)
    ]
    assert rows.loc[("knife_crime", "all ages"), "current_count"] == _published(len(knife), 5)
    homicides = _financial_year(pd.read_parquet(small_run / "data" / "homicides.parquet"))
    n = int((~homicides["domestic"]).sum())
    assert rows.loc[("homicides", "all ages"), "current_count"] == _published(n, 5)
    admissions = pd.read_parquet(small_run / "data" / "admissions.parquet")
    x99 = admissions[
        (admissions["icd10_cause"] == "X99") & admissions["period"].between("2021-04", "2022-03")
    ]
    assert rows.loc[("admissions", "all ages"), "current_count"] == _published(
        int(x99["count"].sum()), 8
    )
    assert set(table["status"]) <= {
        "significant reduction", "significant increase", "no significant change",
        "too few events to conclude", "not available",
    }  # fmt: skip
    outputs = _outputs(small_run, "04-success-measures.ipynb")
    # one cell shows the three measures over time, in order; another the district funnel
    names = (
        "success_measure_admissions",
        "success_measure_knife_crime",
        "success_measure_homicides",
        "district_funnel",
    )
    shown = outputs["measures-series"] + outputs["measures-district-funnel"]
    for output, name in zip(shown, names, strict=True):
        html = output["data"]["text/html"]
        assert 'alt="' in html and f"figures/{name}.csv" in html
        for ext in ("svg", "png", "csv"):
            assert (small_run / "figures" / f"{name}.{ext}").stat().st_size > 0


def test_success_measures_publish_no_count_below_the_threshold_in_tables_figures_or_html(
    small_run,
):
    from bs4 import BeautifulSoup

    from snalib.chapters.measures.table import COUNT_COLUMNS, DERIVED_FROM
    from snalib.render import prepare_reports, render_report

    table = pd.read_csv(
        small_run / "tables" / "success_measures.csv", dtype=str, keep_default_na=False
    )
    for _, row in table.iterrows():
        threshold = 8 if row["source"] == "hes" else 5
        for col in COUNT_COLUMNS:
            value = pd.to_numeric(row[col], errors="coerce")
            assert not 1 <= value < threshold, (row["measure_id"], row["group"], col, value)
        for col, periods in DERIVED_FROM.items():
            bases = [pd.to_numeric(row[f"{p}_count"], errors="coerce") for p in periods]
            if any(pd.isna(b) or b < 10 for b in bases) and row[col] != "":
                assert row[col] == "[u]", (row["measure_id"], row["group"], col)
        if "[c]" in set(row[COUNT_COLUMNS]):
            assert "suppressed" in row["notes"] or "withheld" in row["notes"]
    # the small run has some small homicide counts: they are withheld, with the rule named
    homicides = pd.read_parquet(small_run / "data" / "homicides.parquet")
    baseline = homicides[homicides["offence_date"].between("2018-04-01", "2019-03-31")]
    small = int((~baseline["domestic"]).sum())
    homicide_row = table[(table["measure_id"] == "homicides") & (table["group"] == "all ages")]
    assert homicide_row["baseline_count"].iloc[0] == _published(small, 5)
    for name in ("success_measure_admissions", "success_measure_knife_crime",
                 "success_measure_homicides", "district_funnel"):  # fmt: skip
        data = pd.read_csv(small_run / "figures" / f"{name}.csv", dtype=str)
        threshold = 8 if name.endswith("admissions") else 5
        counts = pd.to_numeric(data["count"], errors="coerce")
        assert not ((counts >= 1) & (counts < threshold)).any(), name

    prepare_reports(small_run)
    render_report("sna", small_run, "builtin")
    render_report("annual-report", small_run, "builtin")
    for report in ("sna", "annual-report"):
        soup = BeautifulSoup(
            (small_run / report / "success-measures.html").read_text(encoding="utf-8"),
            "html.parser",
        )
        shown = soup.find("table", id="tbl-success_measures")
        headers = [th.get_text() for th in shown.find("thead").find_all("th")]
        count_cols = [i for i, h in enumerate(headers) if h.endswith("count")]
        assert len(count_cols) == 2  # baseline and report year (previous year in the CSV)
        for tr in shown.find("tbody").find_all("tr"):
            cells = [td.get_text() for td in tr.find_all("td")]
            threshold = 8 if cells[0].startswith("Emergency hospital") else 5
            for i in count_cols:
                value = pd.to_numeric(cells[i].replace(",", ""), errors="coerce")
                assert not 1 <= value < threshold, (report, cells[0], headers[i], value)
        text = soup.get_text(" ")
        assert "Homicides are rare" in text
        if 1 <= small < 5:
            assert "[c] (withheld) in the baseline year 2018/19" in text


# --------------------------------------------------------------------------- trends (issue 5)

TREND_COUNT_COLUMNS = (
    "count",
    "rolling_12_month_total",
    "count_previous",
    "count_current",
    "count_basis",
    "observed",
    "value",
    "events_inside_during",
    "year_earlier_count",
)


def test_trends_notebook_writes_a_rate_ratio_or_a_reason_for_every_named_period(small_run):
    effects = pd.read_csv(small_run / "tables" / "trend_effects.csv", dtype=str)
    required = {"series", "term", "rate_ratio", "lower95", "upper95", "p_value", "model"}
    assert required <= set(effects.columns)
    params = json.loads((small_run / "params.json").read_text())
    head = effects[effects["series"] == "Serious violence"]
    steps = head[head["term_type"] == "step"].set_index("period")
    assert {p["name"] for p in params["periods"]} == set(steps.index) and len(steps) == 7
    for name, row in steps.iterrows():
        value = pd.to_numeric(row["rate_ratio"], errors="coerce")
        assert (0 < value < 5) or row["rate_ratio"] == "[u]" or row["note"], name
        if 0 < value < 5:
            assert float(row["lower95"]) <= value <= float(row["upper95"])
    trend = head[head["term_type"] == "trend"].iloc[0]
    assert 0.8 < float(trend["rate_ratio"]) < 1.3
    assert head["model"].iloc[0].startswith(("Poisson GLM", "negative binomial GLM"))
    diagnostics = pd.read_csv(small_run / "tables" / "trend_model_diagnostics.csv")
    assert len(diagnostics) == 4 and diagnostics["ljung_box_p"].between(0, 1).all()


def test_trends_notebook_figures_have_titles_alt_text_and_data(small_run):
    outputs = _outputs(small_run, "03-trends.ipynb")
    for label, name in (
        ("trends-monthly-figure", "trend_monthly"),
        ("trends-stl-figure", "trend_stl"),
        ("trends-day-hour", "trend_day_hour"),
        ("trends-model-figure", "trend_model"),
        ("trends-local", "trend_local_did"),
        ("trends-backtest", "trend_forecast_backtest"),
        ("trends-forecast", "trend_forecast"),
    ):
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs[label])
        assert 'alt="' in html and f"figures/{name}.csv" in html, label
        for ext in ("svg", "png", "csv"):
            assert (small_run / "figures" / f"{name}.{ext}").stat().st_size > 0
    text = "".join(o.get("data", {}).get("text/markdown", "") for o in outputs["trends-day-hour"])
    flagged = pd.read_parquet(small_run / "data" / "crimes_flagged.parquet")
    year = flagged[
        flagged["serious_violence"]
        & (flagged["offence_date"] >= "2021-04-01")
        & (flagged["offence_date"] <= "2022-03-31")
    ]
    missing = int(year["offence_hour"].isna().sum())
    heatmap = pd.read_csv(small_run / "tables" / "trend_day_hour.csv", dtype=str)
    if heatmap["count"].eq("[c]").any():
        # the total and the crimes with no hour would give back the withheld cells' sum
        assert "Crimes with no recorded hour are left out of the heatmap" in text
        assert f"of {len(year):,} crimes" not in text
    else:
        assert f"{missing:,} of {len(year):,} crimes" in text


def test_trends_and_monitoring_publish_no_count_below_the_threshold(small_run):
    files = sorted((small_run / "tables").glob("trend_*.csv"))
    files += sorted((small_run / "tables").glob("monitoring_*.csv"))
    files += sorted((small_run / "figures").glob("trend_*.csv"))
    files += sorted((small_run / "figures").glob("monitoring_*.csv"))
    assert len(files) > 15
    checked = 0
    for path in files:
        table = pd.read_csv(path, dtype=str)
        columns = [c for c in table.columns if c in TREND_COUNT_COLUMNS]
        columns += [c for c in table.columns if c.startswith("Serious violence")]
        if path.name.startswith("monitoring_xmr_"):
            # The XmR value is a rate per 30 days (issue 10): its counts are `count`, and the
            # value is withheld wherever its count is.
            columns = [c for c in columns if c != "value"] + ["count"]
            assert (table.loc[table["count"].eq("[c]"), "value"] == "[c]").all()
        for col in columns:
            values = pd.to_numeric(table[col], errors="coerce")
            assert not ((values >= 1) & (values < 5)).any(), (path.name, col)
            checked += 1
    assert checked > 20


def test_monitoring_notebook_writes_the_monthly_xmr_chart(small_run):
    chart = pd.read_csv(small_run / "figures" / "monitoring_xmr_month.csv")
    assert len(chart) == 84 and chart["label"].iloc[-1] == "Mar 2022"
    assert {"mean", "lower_limit", "upper_limit", "shift", "trend", "two_of_three"} <= set(
        chart.columns
    )
    baseline = chart[chart["baseline"]]
    assert baseline["label"].iloc[0] == "Apr 2017" and len(baseline) == 24
    outputs = _outputs(small_run, "05-monitoring.ipynb")
    text = outputs["monitoring-xmr-text"][0]["data"]["text/markdown"]
    assert f"the mean is {chart['mean'].iloc[0]:,.1f}" in text


@pytest.fixture(scope="module")
def public_trends_run(tmp_path_factory) -> Path:
    """Public data mode on the real excerpts (tests/fixtures/public, no ../shared), with a
    named period added, and the trend and monitoring notebooks executed."""
    from datetime import date

    from snalib.params import NamedPeriod

    params = load_params(Path(__file__).parent / "fixtures" / "public" / "params-public.yaml")
    step4 = NamedPeriod(name="Step 4 of the roadmap", start=date(2021, 7, 19))
    params = params.model_copy(update={"periods": [step4]})
    run = tmp_path_factory.mktemp("public-trends") / "run"
    run.mkdir()
    inputs = load_inputs(params)
    write_data(inputs, params, run)
    apply_definition(inputs, params, run)
    for stage in NOTEBOOKS:
        if stage.notebook in ("03-trends.ipynb", "05-monitoring.ipynb"):
            execute_notebook(stage, run)
    return run


def test_trends_notebook_in_public_mode_says_what_cannot_be_estimated(public_trends_run):
    outputs = _outputs(public_trends_run, "03-trends.ipynb")
    markdown = {
        label: "".join(o.get("data", {}).get("text/markdown", "") for o in cell)
        for label, cell in outputs.items()
    }
    assert "Public data mode" in markdown["trends-data"]
    assert (
        "cannot be made" in markdown["trends-data"] and "12 full months" in markdown["trends-data"]
    )
    assert markdown["trends-stl-figure"].startswith("No seasonal decomposition")
    assert markdown["trends-day-hour"].startswith("No day of week by hour heatmap")
    assert "no year-on-year comparison" in markdown["trends-monthly-text"]
    assert "needs at least 36" in markdown["trends-backtest"]
    # The excerpts hold two months (July and August 2021): the ten months without a file are
    # gaps, not zeros, and two months are too few for a trend model.
    assert "not estimated: only 2 month(s) with data" in markdown["trends-model-text"]
    assert "have no data (see the data quality chapter)" in markdown["trends-data"]
    effects = pd.read_csv(public_trends_run / "tables" / "trend_effects.csv")
    step = effects[effects["period"] == "Step 4 of the roadmap"].iloc[0]
    assert pd.isna(step["rate_ratio"]) and "time of year" in step["note"]
    assert not (public_trends_run / "figures" / "trend_stl.svg").exists()
    monitoring_chart = pd.read_csv(public_trends_run / "figures" / "monitoring_xmr_month.csv")
    assert len(monitoring_chart) == 12
