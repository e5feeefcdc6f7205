"""Parameters: validated before anything runs, with messages an analyst can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from snalib.errors import ParamsError
from snalib.params import check_input_paths, documented_keys, load_params, parse_params
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
    assert message.startswith("2 problems in the parameters: ")
    assert "'seed': must be a whole number" in message
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
    with pytest.raises(ParamsError, match="holds plain text, not YAML keys and values"):
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


# --------------------------------------------------------------------------- strict reading


def _text(tmp_path: Path, text: str, name: str = "params.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_key_names_the_key_path_and_both_lines(tmp_path):
    text = (HANDWRITTEN / "params.yaml").read_text() + "  threshold: 7\n"
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.strip() == "threshold: 2")
    with pytest.raises(ParamsError) as err:
        load_params(_text(tmp_path, text))
    message = str(err.value)
    assert (
        f"key 'disclosure.threshold' is given twice, at lines {first} and {len(lines)}" in message
    )
    assert "params.yaml" in message


def test_duplicate_top_level_key_is_refused_not_silently_replaced(tmp_path):
    text = (HANDWRITTEN / "params.yaml").read_text() + 'report_year: "2020/21"\n'
    with pytest.raises(ParamsError, match="key 'report_year' is given twice"):
        load_params(_text(tmp_path, text))


def test_duplicate_key_inside_a_list_item_names_the_item(tmp_path):
    text = (HANDWRITTEN / "params.yaml").read_text() + (
        "periods:\n  - name: A\n    start: 2020-03-23\n  - name: B\n    start: 2020-11-05\n"
        "    start: 2020-11-06\n"
    )
    with pytest.raises(ParamsError, match=r"key 'periods \(item 2\)\.start' is given twice"):
        load_params(_text(tmp_path, text))


def test_the_same_key_in_two_mappings_is_not_a_duplicate(tmp_path):
    text = (HANDWRITTEN / "params.yaml").read_text() + (
        "periods:\n  - {name: A, start: 2020-03-23}\n  - {name: B, start: 2020-11-05}\n"
    )
    params = load_params(_text(tmp_path, text))
    assert [p.name for p in params.periods] == ["A", "B"]


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("colour", None),  # far from every key: no hint (it is 0.62 from 'disclosure')
        ("flavour", None),
        ("baselin", "baseline"),
        ("report_yaer", "report_year"),
        ("sorces", "sources"),
    ],
)
def test_did_you_mean_only_for_a_close_key(key, hint):
    data = _base()
    data[key] = "x"
    with pytest.raises(ParamsError) as err:
        parse_params(data)
    message = str(err.value)
    assert f"unknown key '{key}'" in message
    if hint is None:
        assert "did you mean" not in message
    else:
        assert f"did you mean '{hint}'?" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # A model validator's problem names its key, never "(top level)".
        (lambda d: d.update(baseline="2022/23"), "'baseline': baseline 2022/23 must be before"),
        (
            lambda d: d.update(analysis_window={"start": "2022-01-01", "end": "2021-01-01"}),
            "'analysis_window.end': end 2021-01-01 must be after start 2022-01-01",
        ),
        (
            lambda d: d.update(report_year="2023/24"),
            "'report_year': report_year 2023/24 (2023-04-01 to 2024-03-31) is not inside",
        ),
        (
            lambda d: d.update(periods=[{"name": "L", "start": "2020-03-23", "end": "2020-03-01"}]),
            "'periods (item 1).end': period 'L': end 2020-03-01 is before start 2020-03-23",
        ),
        (lambda d: d.update(report_year="2021/23"), "'report_year': '2021/23' is not a financial"),
        (lambda d: d.update(baseline="2019/21"), "'baseline': '2019/21' is not a financial year"),
        (lambda d: d.update(report_year=2021), "'report_year': '2021' is not a financial year"),
        (lambda d: d.update(disclosure={"threshold": -1}), "'disclosure.threshold': must be 1"),
        (lambda d: d.update(disclosure={"threshold": 0}), "'disclosure.threshold': must be 1"),
        (
            lambda d: d.update(disclosure={"threshold": "five"}),
            "'disclosure.threshold': must be a whole number (got 'five')",
        ),
        (
            lambda d: d.update(disclosure={"threshold": 2.5}),
            "'disclosure.threshold': must be a whole number (got 2.5)",
        ),
        (lambda d: d.update(disclosure=[5]), "'disclosure': must be a mapping of keys to values"),
        (lambda d: d.update(area=["x"]), "'area': must be a mapping of keys to values"),
        (lambda d: d.update(periods={"name": "L"}), "'periods': must be a list"),
        (
            lambda d: d.update(definition={"public_place_only": "perhaps"}),
            "'definition.public_place_only': must be true or false (got 'perhaps')",
        ),
        (
            lambda d: d.update(analysis_window={"start": "01/04/2019", "end": "2022-03-31"}),
            "'analysis_window.start': must be a date written YYYY-MM-DD (got '01/04/2019')",
        ),
        (
            lambda d: d["area"].update(slug="Hand Written"),
            "'area.slug': must be lower-case letters, digits and hyphens",
        ),
        (lambda d: d["sources"].update(crimes=5), "'sources.crimes': must be a path, or a mapping"),
        (
            lambda d: d.update(validation={"max_rejected_share": 5}),
            "'validation.max_rejected_share': must be 1 or less (got 5)",
        ),
    ],
)
def test_every_problem_names_its_key_in_plain_words(change, expected):
    data = _base()
    change(data)
    with pytest.raises(ParamsError) as err:
        parse_params(data)
    message = str(err.value)
    assert expected in message
    assert "(top level)" not in message
    assert "Input should" not in message


def test_a_folder_given_as_params_file_is_called_a_folder(tmp_path):
    (tmp_path / "params.yaml").write_text("x: 1\n")
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path)
    assert "is a folder, not a parameters file" in str(err.value)
    assert "it holds params.yaml" in str(err.value)
    assert "not found" not in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("params.yaml", b"", "the parameters file is empty"),
        ("params.yaml", b"# only a comment\n\n", "the parameters file is empty"),
        ("params.yaml", b"PK\x03\x04rest of a workbook", "this is a zip archive (an Excel"),
        ("params.yaml", b"\x1f\x8b\x08\x00", "this is a gzip-compressed file"),
        ("params.yaml", b"PAR1\x15\x04", "this is a Parquet file"),
        ("params.yaml", b"a: 1\x00\x01\x02", "this is a binary file"),
        ("params.yaml", "report_year: \u00a32021\n".encode("latin-1"), "not UTF-8 text"),
        ("crimes.csv", b"crime_id,offence_date\nA,2021-04-01\n", "this is a CSV file"),
        ("params.yaml", b"- a\n- b\n", "holds a list"),
        ("params.yaml", b"area: [unclosed\n", "not valid YAML at line 2"),
        ("params.yaml", b"area:\n  name: x\n    slug: y\n", "not valid YAML at line 3"),
    ],
)
def test_a_file_that_is_not_a_params_file_gets_one_line_saying_what_it_is(
    tmp_path, name, content, expected
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert expected in message
    assert name in message
    assert "\n" not in message


def test_a_bom_at_the_start_of_the_params_file_is_read(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HANDWRITTEN / "params.yaml").read_bytes())
    assert load_params(path).report_year == "2021/22"


def test_source_file_is_not_a_key_of_the_params_file():
    data = _base()
    data["source_file"] = "elsewhere.yaml"
    with pytest.raises(ParamsError, match="unknown key 'source_file'"):
        parse_params(data)


def test_input_paths_name_the_key_and_the_path_as_written(tmp_path):
    for f in HANDWRITTEN.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "data").mkdir()
    data = _base()
    data["sources"]["crimes"] = "missing/crimes.csv"
    with pytest.raises(ParamsError) as err:
        check_input_paths(load_params(_write(tmp_path, data)))
    assert "sources.crimes: 'missing/crimes.csv' does not exist" in str(err.value)
    assert "params.yaml" in str(err.value)
    data["sources"]["crimes"] = "crimes.csv"
    data["sources"]["population"] = "data"
    with pytest.raises(ParamsError) as err:
        check_input_paths(load_params(_write(tmp_path, data)))
    assert "sources.population: 'data' is a folder; a file is needed here" in str(err.value)
    data["sources"]["population"] = "population.csv"
    check_input_paths(load_params(_write(tmp_path, data)))  # all present: no error


def test_an_option_path_names_its_key(tmp_path):
    data = _base()
    for name in ("crimes", "population"):
        data["sources"][name] = str(HANDWRITTEN / data["sources"][name])
    data["sources"]["areas"] = {
        "path": str(HANDWRITTEN / "areas.csv"),
        "format": "ons_lookup",
        "options": {"csp_lookup": "nowhere.csv"},
    }
    with pytest.raises(ParamsError, match="sources.areas.options.csp_lookup: 'nowhere.csv'"):
        check_input_paths(load_params(_write(tmp_path, data)))
