"""The multiple-comparison helper: Benjamini-Hochberg and Holm, against hand-worked values
and against simulated truth."""

import numpy as np
import pytest

from snalib.stats.multiple import adjust, describe


def test_benjamini_hochberg_matches_hand_worked_values():
    # Benjamini and Hochberg (1995): sorted p, q_(i) = min_{j>=i} p_(j) m / j.
    p = [0.01, 0.04, 0.03, 0.005, 0.20]
    result = adjust(p, "fdr")
    # sorted: 0.005, 0.01, 0.03, 0.04, 0.20 ; m = 5
    # raw: 0.025, 0.025, 0.05, 0.05, 0.20 (running minimum from the top)
    np.testing.assert_allclose(result.p_adjusted, [0.025, 0.05, 0.05, 0.025, 0.20])
    assert result.significant.tolist() == [True, True, True, True, False]
    assert result.n_tests == 5


def test_holm_matches_hand_worked_values():
    p = [0.01, 0.04, 0.03, 0.005]
    result = adjust(p, "holm")
    # sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    np.testing.assert_allclose(result.p_adjusted, [0.03, 0.06, 0.06, 0.02])
    assert result.significant.tolist() == [True, False, False, True]


def test_missing_p_values_are_not_tests():
    result = adjust([0.01, np.nan, 0.02], "holm")
    assert result.n_tests == 2
    assert np.isnan(result.p_adjusted[1]) and not result.significant[1]
    np.testing.assert_allclose(result.p_adjusted[[0, 2]], [0.02, 0.02])


def test_unadjusted_significance_would_name_chance_findings_but_fdr_does_not():
    # 200 families of 20 null tests: unadjusted, ~64% of families name something;
    # Holm keeps the family-wise rate at 5%.
    rng = np.random.default_rng(1)
    named_raw = named_holm = 0
    for _ in range(400):
        p = rng.uniform(size=20)
        named_raw += (p <= 0.05).any()
        named_holm += adjust(p, "holm").significant.any()
    assert named_raw / 400 > 0.5
    assert named_holm / 400 <= 0.08


def test_fdr_controlled_when_some_effects_are_real():
    rng = np.random.default_rng(2)
    false_share = []
    for _ in range(400):
        null = rng.uniform(size=15)
        real = rng.uniform(size=5) * 1e-3
        result = adjust(np.concatenate([null, real]), "fdr")
        named = result.n_significant
        false_share.append(result.significant[:15].sum() / named if named else 0.0)
    # BH controls the FDR at alpha * m0 / m = 3.75% here; allow simulation error.
    assert np.mean(false_share) <= 0.05


def test_describe_says_what_was_controlled_and_over_how_many():
    assert describe(adjust([0.01, 0.5, 0.2], "fdr"), "districts") == (
        "Across 3 districts, the false discovery rate (Benjamini-Hochberg) is controlled at 5%."
    )
    assert "family-wise error rate (Holm)" in describe(adjust([0.01], "holm"))
    assert describe(adjust([0.01], "holm")).startswith("Across 1 comparison,")


@pytest.mark.parametrize("bad", [[-0.1], [1.5]])
def test_rejects_impossible_p_values(bad):
    with pytest.raises(ValueError):
        adjust(bad)


def test_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        adjust([0.1], "bonferroni")
