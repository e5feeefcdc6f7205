"""Parameters: validated before anything runs, with messages an analyst can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from snalib.errors import ParamsError
from snalib.params import documented_keys, load_params, parse_params
from tests.conftest import HANDWRITTEN, ROOT


def _base() -> dict:
    return yaml.safe_load((HANDWRITTEN / "params.yaml").read_text())


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_load_params_resolves_paths_relative_to_the_params_file():
    params = load_params(HANDWRITTEN / "params.yaml")
    assert params.sources.crimes.path == (HANDWRITTEN / "crimes.csv").resolve()
    assert params.sources.crimes.format == "canonical"
    assert params.report_year == "2021/22"
    assert params.fy.start.isoformat() == "2021-04-01"
    assert params.definition.priority_age_limit == 25  # default


def test_unknown_key_is_rejected_with_did_you_mean(tmp_path):
    data = _base()
    data["definition"] = {"public_place_onyl": True}
    with pytest.raises(ParamsError) as err:
        load_params(_write(tmp_path, data))
    message = str(err.value)
    assert "unknown key 'definition.public_place_onyl'" in message
    assert "did you mean 'definition.public_place_only'" in message
    assert "params.yaml" in message


def test_unknown_top_level_key_suggests_the_nearest():
    data = _base()
    data["report_yaer"] = data.pop("report_year")
    with pytest.raises(ParamsError) as err:
        parse_params(data)
    assert "did you mean 'report_year'" in str(err.value)
    assert "missing required key 'report_year'" in str(err.value)


@pytest.mark.parametrize(
    ("misspelt", "expected"),
    [
        # A key inside an optional model, and inside an item of a list of models.
        (
            lambda d: d["sources"]["crimes"].update(fromat="canonical"),
            "unknown key 'sources.crimes.fromat'; did you mean 'sources.crimes.format'?",
        ),
        (
            lambda d: d.update(periods=[{"name": "Lockdown", "strat": "2020-03-23"}]),
            "unknown key 'periods (item 1).strat'; did you mean 'periods (item 1).start'?",
        ),
    ],
)
def test_nested_unknown_key_suggests_the_key_in_the_same_place(misspelt, expected):
    data = _base()
    if isinstance(data["sources"]["crimes"], str):
        data["sources"]["crimes"] = {"path": data["sources"]["crimes"]}
    misspelt(data)
    with pytest.raises(ParamsError) as err:
        parse_params(data)
    assert expected in str(err.value)


def test_each_problem_is_listed_once_with_the_value_given():
    data = _base()
    data["seed"] = "many"
    data["definition"] = {"priority_age_limit": 0}
    with pytest.raises(ParamsError) as err:
        parse_params(data)
    message = err.value.message
    assert message.startswith("2 problem(s) in the parameters: ")
    assert "'seed': Input should be a valid integer" in message
    assert "(got 'many')" in message and "(got 0)" in message
    assert message.endswith(". See docs/params.md for every key.")


@pytest.mark.parametrize("year", ["2021/23", "2021-22", "21/22", "2021/2023"])
def test_report_year_must_be_a_financial_year(year):
    data = _base()
    data["report_year"] = year
    with pytest.raises(ParamsError, match="report_year"):
        parse_params(data)


def test_report_year_accepts_long_form_and_normalises():
    data = _base()
    data["report_year"] = "2021/2022"
    assert parse_params(data).report_year == "2021/22"


def test_report_year_outside_window_is_rejected():
    data = _base()
    data["report_year"] = "2023/24"
    with pytest.raises(ParamsError, match="not inside the analysis window"):
        parse_params(data)


def test_baseline_after_report_year_is_rejected():
    data = _base()
    data["baseline"] = "2021/22"
    with pytest.raises(ParamsError, match="baseline 2021/22 must be before"):
        parse_params(data)


def test_window_end_before_start_is_rejected():
    data = _base()
    data["analysis_window"] = {"start": "2022-01-01", "end": "2021-01-01"}
    with pytest.raises(ParamsError, match="must be after start"):
        parse_params(data)


def test_bad_date_names_the_key():
    data = _base()
    data["periods"] = [{"name": "Lockdown", "start": "2020-02-30"}]
    with pytest.raises(ParamsError, match=r"periods \(item 1\)\.start"):
        parse_params(data)


def test_period_end_before_start_is_rejected():
    data = _base()
    data["periods"] = [{"name": "Lockdown", "start": "2020-03-23", "end": "2020-03-01"}]
    with pytest.raises(ParamsError, match="end 2020-03-01 is before start"):
        parse_params(data)


def test_missing_required_source_is_named():
    data = _base()
    del data["sources"]["crimes"]
    with pytest.raises(ParamsError, match="missing required key 'sources.crimes'"):
        parse_params(data)


def test_source_may_be_a_mapping_with_format():
    data = _base()
    data["sources"]["crimes"] = {"path": "street", "format": "police_uk"}
    params = parse_params(data, source_file=HANDWRITTEN / "params.yaml")
    assert params.sources.crimes.format == "police_uk"
    assert params.sources.crimes.path == (HANDWRITTEN / "street").resolve()


def test_unknown_source_format_is_rejected():
    data = _base()
    data["sources"]["crimes"] = {"path": "x.csv", "format": "excel"}
    with pytest.raises(ParamsError, match="sources.crimes.format"):
        parse_params(data)


def test_priority_age_rule_is_checked():
    data = _base()
    data["definition"] = {"priority_age_applies_to": "victims"}
    with pytest.raises(ParamsError, match="priority_age_applies_to"):
        parse_params(data)


def test_missing_file_and_bad_yaml_raise_params_error(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("area: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML at line"):
        load_params(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    with pytest.raises(ParamsError, match="expected a YAML mapping"):
        load_params(scalar)


def test_default_output_dir_is_outputs_beside_params_folder():
    params = load_params(HANDWRITTEN / "params.yaml")
    assert (
        params.default_output_dir()
        == (HANDWRITTEN.parent / "outputs" / "handwritten-2021-22").resolve()
    )


def test_every_params_key_is_documented():
    doc = (ROOT / "docs" / "params.md").read_text()
    missing = [k for k in documented_keys() if f"`{k}`" not in doc]
    assert not missing, f"keys missing from docs/params.md: {missing}"


def test_every_shipped_params_file_validates():
    files = sorted((ROOT / "params").glob("*.yaml"))
    for path in files:
        params = load_params(path)
        assert params.area.slug
