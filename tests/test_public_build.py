"""Public data mode: `sna build params/leicestershire-public-2021-22.yaml` on the real files.

Needs ../shared beside the checkout (the 15 months of data.police.uk files and the ONS
lookups); skipped without it. The counts are checked against an independent reading of the
raw files with the csv module.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from snalib.cli import main
from snalib.publish.scan import scan_run
from tests.conftest import ROOT, shared_path

pytestmark = pytest.mark.xdist_group("public")

PARAMS = ROOT / "params" / "leicestershire-public-2021-22.yaml"
EXCERPT = ROOT / "tests" / "fixtures" / "public"


@pytest.fixture(scope="module")
def public_run(tmp_path_factory) -> Path:
    shared_path("data", "public", "police_uk_street", "leicestershire")
    out = tmp_path_factory.mktemp("public") / "run"
    assert main(["build", str(PARAMS), "--out", str(out), "--quiet"]) == 0
    return out


def _independent_monthly_counts(folder: Path | None = None) -> Counter:
    """Count crimes by (month, type) from the raw CSVs: ASB (no Crime ID) left out, each
    Crime ID once, in the first month it is listed."""
    folder = folder or shared_path("data", "public", "police_uk_street", "leicestershire")
    first_seen: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*-street.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                crime_id = row["Crime ID"].strip()
                if not crime_id:
                    continue
                key = (row["Month"], row["Crime type"])
                if crime_id not in first_seen or key[0] < first_seen[crime_id][0]:
                    first_seen[crime_id] = key
    return Counter(first_seen.values())


@pytest.fixture(scope="module")
def excerpt_run(tmp_path_factory) -> Path:
    """The public data build on the real excerpts in tests/fixtures/public (no ../shared)."""
    out = tmp_path_factory.mktemp("excerpt") / "run"
    assert main(["build", str(EXCERPT / "params-public.yaml"), "--out", str(out), "--quiet"]) == 0
    return out


def test_excerpt_build_counts_equal_an_independent_count_of_the_excerpt_files(excerpt_run):
    series = pd.read_csv(
        excerpt_run / "tables" / "monthly_series.csv", dtype=str, keep_default_na=False
    )
    expected = _independent_monthly_counts(EXCERPT / "police_uk")
    for crime_type in ("Violence and sexual offences", "Robbery", "Possession of weapons"):
        rows = series[series["series"] == crime_type].set_index("month")
        ours = rows["count"]
        for month in ("2021-07", "2021-08"):
            n = expected[(month, crime_type)]
            assert str(ours[month]) == (str(n) if n == 0 or n >= 5 else "[c]"), (crime_type, month)
            assert rows.loc[month, "missing"] == "False"
        # The ten months with no file are missing: an empty count, never 0, and the reason.
        others = rows.drop(["2021-07", "2021-08"])
        assert set(others["count"]) == {""} and set(others["missing"]) == {"True"}
        assert others["notes"].str.contains("no data.police.uk file for").all()
    quality = json.loads((excerpt_run / "data" / "quality.json").read_text())
    for name, s in quality["sources"].items():
        assert s["rows_in"] == s["included"] + s["excluded"] + s["rejected"], name
    assert (
        quality["sources"]["crimes"]["excluded_by_reason"]["anti-social behaviour (no Crime ID)"]
        == 21
    )
    assert "public data only" in (excerpt_run / "sna" / "definition.html").read_text()


def test_the_disclosure_scanner_passes_the_excerpt_build_and_fails_a_leak_put_into_it(
    excerpt_run, tmp_path
):
    """Acceptance of issue 9: the scanner passes on the public build, and fails on a
    deliberately unsuppressed table and on a percentage that reveals a small count."""
    assert scan_run(excerpt_run) == []
    leaky = tmp_path / "run"
    shutil.copytree(excerpt_run, leaky)
    series = pd.read_csv(leaky / "tables" / "monthly_series.csv", dtype=str)
    row = series.index[series["count"] == "[c]"][0]
    series.loc[row, "count"] = "3"  # the withheld count, published after all
    series.to_csv(leaky / "tables" / "monthly_series.csv", index=False)
    found = scan_run(leaky)
    assert [(f.path, f.where, f.value) for f in found] == [
        ("tables/monthly_series.csv", f"row {row + 1}, column count", "3")
    ]
    series.loc[row, "count"] = "[c]"
    series.to_csv(leaky / "tables" / "monthly_series.csv", index=False)
    page = leaky / "sna" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("</main>", "<p>Of 1,250 crimes, 0.24% involved a firearm.</p></main>", 1),
        encoding="utf-8",
    )
    found = scan_run(leaky)
    assert [(f.path, f.reason) for f in found] == [
        ("sna/index.html", "the percentage reveals a count of 3")
    ]


@pytest.mark.shared
def test_public_build_renders_with_the_renderer_recorded_and_no_warning(public_run):
    manifest = json.loads((public_run / "manifest.json").read_text())
    assert manifest["renderer"] == ("quarto" if shutil.which("quarto") else "builtin")
    log = (public_run / "logs" / "build.log").read_text()
    assert " WARNING " not in log, [line for line in log.splitlines() if " WARNING " in line]


@pytest.mark.shared
def test_public_build_renders_with_the_proxy_explained(public_run):
    index = (public_run / "sna" / "index.html").read_text()
    definition = (public_run / "sna" / "definition.html").read_text()
    assert "Serious violence proxy in 2021/22" in index
    assert "public data only" in definition and "cannot be applied" in definition


@pytest.mark.parametrize(
    "crime_type", ["Violence and sexual offences", "Robbery", "Possession of weapons"]
)
def test_public_monthly_counts_equal_an_independent_count_of_the_raw_files(public_run, crime_type):
    series = pd.read_csv(public_run / "tables" / "monthly_series.csv")
    ours = series[series["series"] == crime_type].set_index("month")["count"].astype(int)
    expected = _independent_monthly_counts()
    months = sorted({m for m, _ in expected})
    assert list(ours.index) == months  # every month of the 15, none missing
    for month in months:
        assert ours[month] == expected[(month, crime_type)], month


@pytest.mark.shared
def test_public_build_reconciles_every_source(public_run):
    quality = json.loads((public_run / "data" / "quality.json").read_text())
    for name, s in quality["sources"].items():
        assert s["rows_in"] == s["included"] + s["excluded"] + s["rejected"], name
    crimes = quality["sources"]["crimes"]
    assert crimes["rows_in"] == 134_630
    assert crimes["excluded_by_reason"]["anti-social behaviour (no Crime ID)"] == 13_003


@pytest.mark.shared
def test_the_disclosure_scanner_passes_the_public_build(public_run):
    assert scan_run(public_run) == []


# --------------------------------------------------------------------------- a missing month

#: The month whose data.police.uk file is taken away (acceptance of issue 10).
GAP = "2021-10"


def _params_without(tmp: Path, month: str, **changes) -> Path:
    """The public params with every path absolute and the crimes folder holding every
    monthly file but ``month``'s (links to the real files, which are never changed)."""
    folder = shared_path("data", "public", "police_uk_street", "leicestershire")
    street = tmp / "police_uk_street"
    street.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.glob("*-street.csv")):
        if not path.name.startswith(month):
            (street / path.name).symlink_to(path)
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))

    def absolute(value):
        if isinstance(value, dict):
            return {k: absolute(v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith("../"):
            return str((PARAMS.parent / value).resolve())
        return value

    data["sources"] = absolute(data["sources"])
    data["sources"]["crimes"]["path"] = str(street)
    data.update(changes)
    params = tmp / "params.yaml"
    params.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return params


@pytest.fixture(scope="module")
def gap_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("gap")
    out = tmp / "run"
    params = _params_without(tmp, GAP)
    assert main(["build", str(params), "--out", str(out), "--renderer", "builtin", "--quiet"]) == 0
    return out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.shared
def test_a_window_with_one_monthly_file_removed_builds_with_the_month_as_a_gap(gap_run):
    """Acceptance of issue 10: the data quality chapter names the missing month, the
    series shows a gap (empty, never 0), and the models leave that month out."""
    quality = (gap_run / "sna" / "data-quality.html").read_text(encoding="utf-8")
    assert (
        "No data.police.uk file for October 2021 in the folder police_uk_street: that month is "
        "shown as a gap and left out of the models." in quality
    )
    series = _csv(gap_run / "tables" / "monthly_series.csv")
    gap = series[series["month"] == GAP]
    assert len(gap) == 5 and set(gap["count"]) == {""} and set(gap["missing"]) == {"True"}
    assert gap["notes"].str.contains("a gap, not a zero").all()
    # Every other month is counted as before, from the same files.
    expected = _independent_monthly_counts()
    robbery = series[series["series"] == "Robbery"].set_index("month")["count"]
    assert all(robbery[m] == str(expected[(m, "Robbery")]) for m in robbery.index if m != GAP)
    monthly = _csv(gap_run / "figures" / "trend_monthly.csv").set_index("month")
    assert monthly.loc[GAP, "count"] == ""  # the chart's data: a gap
    assert (monthly.drop(GAP)["count"] != "").all()
    model = _csv(gap_run / "figures" / "trend_model.csv").set_index("month")
    assert model.loc[GAP, ["observed", "fitted"]].tolist() == ["", ""]
    assert model.loc[GAP, "missing"] == "True"
    diagnostics = _csv(gap_run / "tables" / "trend_model_diagnostics.csv").iloc[0]
    assert (diagnostics["months"], diagnostics["months_used"]) == ("15", "14")
    assert diagnostics["months_left_out"] == GAP
    xmr = _csv(gap_run / "figures" / "monitoring_xmr_month.csv").set_index("label")
    assert xmr.loc["Oct 2021", ["value", "count", "baseline"]].tolist() == ["", "", "False"]
    assert xmr.loc["Nov 2021", "moving_range"] == ""  # no range across the gap
    assert (xmr["unit"] == "crimes per 30 days").all()
    record = json.loads((gap_run / "data" / "quality.json").read_text())
    assert [m["month"] for m in record["missing_months"]] == [GAP]
    crimes = record["sources"]["crimes"]
    assert crimes["rows_in"] == crimes["included"] + crimes["excluded"] + crimes["rejected"]
    assert scan_run(gap_run) == []


@pytest.mark.shared
def test_a_missing_monthly_file_stops_the_run_when_the_params_say_so(tmp_path, capsys):
    params = _params_without(tmp_path, GAP, validation={"missing_months": "stop"})
    assert main(["validate", str(params)]) == 2
    err = capsys.readouterr().err
    assert "police_uk_street" in err and "1 month of the analysis window has no crime data" in err
    assert "2021-10 (no data.police.uk file for October 2021" in err
