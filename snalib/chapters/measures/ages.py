"""Age bands: which bands of a table make up all ages and the priority age group.

Population and admissions tables come in age bands (``0-17``, ``18-24``, ``55+``, ``all``).
The priority group is the sum of bands lying wholly under the limit; a band straddling
the limit is refused rather than split (:func:`select_age_bands`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from snalib.stats.dsr import normalise_age_band


def parse_age_band(label: object) -> tuple[float, float] | None:
    """Ages covered by a band label: ``"18-24"`` -> (18, 24), ``"55+"`` -> (55, inf).

    Returns None for ``"all"``.

    Raises
    ------
    ValueError
        If the label is neither ``a-b``, ``a+`` nor ``all``.
    """
    text = normalise_age_band(label)
    if text.lower() == "all":
        return None
    m = re.fullmatch(r"(\d+)-(\d+)", text)
    if m and int(m.group(1)) <= int(m.group(2)):
        return float(m.group(1)), float(m.group(2))
    m = re.fullmatch(r"(\d+)\+", text)
    if m:
        return float(m.group(1)), math.inf
    raise ValueError(f"age band '{label}' is not of the form 18-24, 90+ or all")


def _cover_gaps(ranges: list[tuple[float, float]], low: float, high: float) -> str:
    """Why the ranges do not tile [low, high] exactly ("" when they do)."""
    ranges = sorted(ranges)
    expected = low
    for lo, hi in ranges:
        if lo > expected:
            return f"no band covers ages {expected:g} to {lo - 1:g}"
        if lo < expected:
            return f"bands overlap at age {lo:g}"
        expected = hi + 1
    if expected <= high and expected != math.inf:
        return f"no band covers ages from {expected:g}" + (
            "" if high == math.inf else f" to {high:g}"
        )
    return ""


@dataclass(frozen=True)
class BandSelection:
    """Which age bands make up "all ages" and the priority group, or why they cannot.

    ``all_bands`` is used where a key has no ``all`` row; ``young_bands`` is None with the
    reason in ``young_problem`` when the priority group cannot be counted from the bands.
    """

    all_bands: tuple[str, ...] | None
    young_bands: tuple[str, ...] | None
    all_problem: str = ""
    young_problem: str = ""


def select_age_bands(labels: Iterable[object], limit: int) -> BandSelection:
    """Choose the age bands for all ages and for ages under ``limit``.

    Parameters
    ----------
    labels
        The age band labels present in the data (``all`` and bands such as ``18-24``).
    limit
        The priority age limit (under-25 is ``limit=25``).

    Returns
    -------
    BandSelection
        Bands lying wholly under the limit make the priority group; they must cover every
        age from 0 to ``limit - 1`` exactly once. A band straddling the limit (e.g.
        ``16-29`` for under 25) is **refused**, not split: its share under the limit is
        unknown, and guessing would make the measure wrong silently. All ages is the
        ``all`` row where the data give one, otherwise the sum of bands that must cover
        every age exactly once.
    """
    unique = sorted({str(label) for label in labels})
    ranges: dict[str, tuple[float, float]] = {}
    bad = []
    for label in unique:
        try:
            parsed = parse_age_band(label)
        except ValueError:
            bad.append(label)
            continue
        if parsed is not None:
            ranges[label] = parsed
    if bad:
        problem = f"age band(s) {', '.join(bad)} cannot be read"
        return BandSelection(None, None, problem, problem)
    all_problem = ""
    all_bands: tuple[str, ...] | None = tuple(ranges)
    if ranges:
        gap = _cover_gaps(list(ranges.values()), 0, math.inf)
        if gap:
            all_bands = None
            all_problem = f"the age bands do not add up to all ages ({gap})"
    elif not any(parse_age_band(label) is None for label in unique):
        all_bands, all_problem = None, "no age bands"
    if not ranges:
        return BandSelection(
            all_bands,
            None,
            all_problem,
            f"the data give all ages only, so the under-{limit} group cannot be counted",
        )
    straddle = [b for b, (lo, hi) in ranges.items() if lo < limit <= hi]
    if straddle:
        return BandSelection(
            all_bands,
            None,
            all_problem,
            f"age band(s) {', '.join(straddle)} straddle the priority age limit of {limit}; "
            f"the under-{limit} count is not computed rather than guessed",
        )
    young = {b: r for b, r in ranges.items() if r[1] < limit}
    gap = _cover_gaps(list(young.values()), 0, limit - 1)
    if gap:
        return BandSelection(
            all_bands, None, all_problem, f"the age bands under {limit} are incomplete ({gap})"
        )
    return BandSelection(all_bands, tuple(sorted(young, key=lambda b: young[b])), all_problem)
