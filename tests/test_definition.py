"""The definition: every offence code, crossed with every flag combination."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from snalib.definition.flags import (
    definition_codes,
    describe_definition,
    flag_crimes,
    inclusion_flow,
)
from snalib.definition.offence_codes import load_offence_codes
from snalib.params import DefinitionParams

# Typed from DOMAIN.md ("The VRN serious violence definition"), independently of the CSV.
DOMAIN_CODES = {"1", "1/1", "1/2", "4/1", "2", "5D", "5E", "8N", "8P", "34A", "34B"}
# The open data tables' combined Homicide row cannot be split, so it counts as homicide.
COMBINED_HOMICIDE = "1/4.1/4.10/4.2"


def _all_combinations() -> pd.DataFrame:
    codes = load_offence_codes()["hocr_code"].tolist()
    rows = []
    flags = itertools.product(
        [True, False, None],  # public place
        [True, False],  # domestic
        [17, 30, None],  # victim age
        [19, 40, None],  # offender age
    )
    for i, (code, (public, domestic, v_age, o_age)) in enumerate(
        itertools.product(codes, list(flags))
    ):
        rows.append((f"C{i}", code, public, domestic, v_age, o_age))
    frame = pd.DataFrame(
        rows,
        columns=["crime_id", "hocr_code", "public_place", "domestic", "victim_age", "offender_age"],
    )
    frame["public_place"] = frame["public_place"].astype("boolean")
    frame["domestic"] = frame["domestic"].astype("boolean")
    frame["victim_age"] = frame["victim_age"].astype("Int64")
    frame["offender_age"] = frame["offender_age"].astype("Int64")
    frame["offence_date"] = pd.Timestamp("2021-06-01")
    frame["knife"] = pd.array([False] * len(frame), dtype="boolean")
    return frame


def _expected(frame: pd.DataFrame, d: DefinitionParams) -> pd.Series:
    """The definition re-stated row by row, without the library's vectorised logic."""
    out = []
    for r in frame.itertuples():
        ok = r.hocr_code in DOMAIN_CODES | {COMBINED_HOMICIDE}
        if d.public_place_only:
            ok = ok and r.public_place is True
        if d.exclude_domestic:
            ok = ok and r.domestic is not True
        if d.apply_priority_age:
            v = None if pd.isna(r.victim_age) else r.victim_age < d.priority_age_limit
            o = None if pd.isna(r.offender_age) else r.offender_age < d.priority_age_limit
            rule = {
                "victim": v is True,
                "offender": o is True,
                "either": v is True or o is True,
                "both": v is True and o is True,
            }[d.priority_age_applies_to]
            ok = ok and rule
        out.append(ok)
    return pd.Series(out, index=frame.index)


def _as_python(frame: pd.DataFrame) -> pd.DataFrame:
    py = frame.copy().astype(object)
    return py.where(frame.notna(), None)


@pytest.mark.parametrize(
    "definition",
    [
        DefinitionParams(),
        DefinitionParams(priority_age_applies_to="victim"),
        DefinitionParams(priority_age_applies_to="offender"),
        DefinitionParams(priority_age_applies_to="both"),
        DefinitionParams(public_place_only=False),
        DefinitionParams(exclude_domestic=False),
        DefinitionParams(apply_priority_age=False),
        DefinitionParams(priority_age_limit=18),
    ],
    ids=[
        "default",
        "victim",
        "offender",
        "both",
        "any-place",
        "with-domestic",
        "all-ages",
        "under-18",
    ],
)
def test_every_code_and_flag_combination_is_classified_as_domain_says(definition):
    frame = _all_combinations()
    flagged = flag_crimes(frame, definition)
    expected = _expected(_as_python(frame), definition)
    mismatch = flagged.loc[
        flagged["serious_violence"] != expected,
        ["hocr_code", "public_place", "domestic", "victim_age", "offender_age"],
    ]
    assert mismatch.empty, mismatch.head(10).to_string()
    assert expected.sum() > 0


def test_reference_definition_codes_match_domain():
    ref = load_offence_codes()
    in_def = set(ref.loc[ref["in_definition"], "hocr_code"])
    assert DOMAIN_CODES <= in_def
    assert in_def - DOMAIN_CODES == {COMBINED_HOMICIDE}
    for code in ("8S", "4/10", "4/2", "4/3", "37/1", "105A", "19C", "8L"):
        assert code not in definition_codes(DefinitionParams())


def test_open_data_notation_is_normalised_before_matching():
    frame = _all_combinations().head(1).copy()
    frame["hocr_code"] = "4.1"
    frame["public_place"] = pd.array([True], dtype="boolean")
    frame["domestic"] = pd.array([False], dtype="boolean")
    frame["victim_age"] = pd.array([20], dtype="Int64")
    flagged = flag_crimes(frame, DefinitionParams())
    assert flagged["hocr_code"].iloc[0] == "4/1"
    assert bool(flagged["serious_violence"].iloc[0])
    assert flagged["definition_group"].iloc[0] == "Homicide"


def test_extra_and_excluded_codes_change_the_definition():
    d = DefinitionParams(extra_codes=["8s"], excluded_codes=["34A"])
    codes = definition_codes(d)
    assert "8S" in codes and "34A" not in codes
    assert "8S" in describe_definition(d) and "34A" in describe_definition(d)


def _small() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "crime_id": [f"X{i}" for i in range(8)],
            "hocr_code": ["8N", "8N", "8N", "8N", "34B", "105A", "19C", "5D"],
            "public_place": pd.array(
                [True, False, None, True, True, True, True, True], dtype="boolean"
            ),
            "domestic": pd.array(
                [False, False, False, True, False, False, False, False], dtype="boolean"
            ),
            "victim_age": pd.array([19, 19, 19, 19, 40, 19, 19, None], dtype="Int64"),
            "offender_age": pd.array([None, None, None, None, 41, None, None, None], dtype="Int64"),
            "offence_date": pd.Timestamp("2021-05-01"),
            "knife": pd.array([False] * 8, dtype="boolean"),
        }
    )
    return frame


def test_inclusion_flow_counts_each_exclusion_once_and_ends_at_the_definition():
    flow = inclusion_flow(flag_crimes(_small(), DefinitionParams()), DefinitionParams())
    by_step = flow.set_index("step_id")
    assert list(flow["step_id"]) == [
        "all_crimes",
        "offence_code",
        "not_sexual",
        "public_place",
        "not_domestic",
        "priority_age",
    ]
    assert by_step.loc["all_crimes", "records"] == 8
    assert by_step.loc["offence_code", "excluded"] == 2  # 105A, 19C
    assert by_step.loc["not_sexual", "excluded"] == 0  # 19C already out at the code step
    assert by_step.loc["public_place", "excluded"] == 2
    assert by_step.loc["public_place", "excluded_not_recorded"] == 1
    assert by_step.loc["not_domestic", "excluded"] == 1
    assert by_step.loc["priority_age", "excluded"] == 2  # 34B aged 40/41, 5D with no ages
    assert by_step.loc["priority_age", "excluded_not_recorded"] == 1
    assert by_step.loc["priority_age", "records"] == 1
    assert (flow["records"].shift(1).fillna(8) - flow["excluded"] == flow["records"]).all()


def test_switching_a_condition_off_changes_the_counts_and_drops_its_step():
    crimes = _small()
    default = inclusion_flow(flag_crimes(crimes, DefinitionParams()), DefinitionParams())
    d = DefinitionParams(public_place_only=False)
    relaxed = inclusion_flow(flag_crimes(crimes, d), d)
    assert "public_place" not in set(relaxed["step_id"])
    assert relaxed["records"].iloc[-1] > default["records"].iloc[-1]
    assert "public place" not in describe_definition(d)
    assert "public place" in describe_definition(DefinitionParams())


def test_unknown_age_with_either_rule_counts_when_the_other_party_is_young():
    crimes = _small().iloc[[0]]  # victim 19, offender unknown
    flagged = flag_crimes(crimes, DefinitionParams(priority_age_applies_to="either"))
    assert bool(flagged["serious_violence"].iloc[0])
    flagged = flag_crimes(crimes, DefinitionParams(priority_age_applies_to="both"))
    assert not bool(flagged["serious_violence"].iloc[0])
    assert flagged["exclusion_step"].iloc[0] == "priority_age"
