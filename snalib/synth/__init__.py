"""A seeded, byte-for-byte deterministic synthetic dataset for demonstrations and tests.

:func:`generate` writes every canonical table of the data contract for the fictional force
area of Northshire (about 1,000,000 residents, eight districts, one city with a city
centre), a ready ``params.yaml`` and ``truth.json``: the record of every injected effect
(trend, seasonality, COVID-19 periods, a local lockdown, city-centre and deprivation
concentration, risk factor associations, knife and domestic shares, the ED unreported
share...), so that each chapter can be checked to recover them.

Every value injected lives in :mod:`snalib.synth.design`; ``docs/synthetic-data.md``
explains them. Each table draws from its own named random stream (:func:`_util.stream`),
so a change to one table does not change the others.

Examples
--------
>>> from snalib.synth import generate
>>> demo = generate("outputs/demo-data", scale=0.02, n_lsoas=40)  # doctest: +SKIP
>>> demo.params  # doctest: +SKIP
PosixPath('outputs/demo-data/params.yaml')

Or from a shell: ``python -m snalib.synth outputs/demo-data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from snalib.params import load_params
from snalib.synth._util import stream
from snalib.synth.crimes import simulate_crimes, write_crimes
from snalib.synth.geography import build_geography, write_areas, write_population
from snalib.synth.health import (
    expected_admissions,
    simulate_assaults,
    write_admissions,
    write_ambulance,
    write_ed,
    write_homicides,
)
from snalib.synth.programme import write_interventions, write_spend, write_survey
from snalib.synth.risk import write_risk_factors
from snalib.synth.timeline import Calendar
from snalib.synth.truth import SOURCE_FILES, build_truth, write_params, write_truth

DEFAULT_SEED = 20190901

__all__ = ["DEFAULT_SEED", "DemoData", "generate"]


@dataclass(frozen=True)
class DemoData:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out_dir
        The folder written to.
    tables
        Canonical table name -> CSV path, for every table of the params ``sources``.
    params
        The ready params file (relative source paths), valid for ``sna build``.
    truth
        ``truth.json``: every injected effect and what was realised.
    seed, scale
        The arguments used.
    """

    out_dir: Path
    tables: dict[str, Path]
    params: Path
    truth: Path
    seed: int
    scale: float

    @property
    def files(self) -> list[Path]:
        """Every file written, tables first."""
        return [*self.tables.values(), self.params, self.truth]


def _check_arguments(seed: int, scale: float, first_fy: int, last_fy: int, n_lsoas: int):
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if not scale > 0:
        raise ValueError(f"scale must be greater than 0, got {scale!r}")
    if not 2012 <= first_fy <= 2019:
        raise ValueError(
            f"first_fy must be 2012 to 2019 (codes 5D/5E/8N/8P start in April 2012; the VRU "
            f"starts in 2019/20), got {first_fy}"
        )
    if not 2020 <= last_fy <= 2030 or last_fy <= first_fy:
        raise ValueError(
            f"last_fy must be 2020 to 2030 and after first_fy (the 2020/21 spend plan and the "
            f"COVID-19 periods must be inside the window), got {last_fy}"
        )
    if n_lsoas < 16:
        raise ValueError(f"n_lsoas must be at least 16 (two per district), got {n_lsoas}")


def generate(
    out_dir: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    first_fy: int = 2015,
    last_fy: int = 2021,
    n_lsoas: int = 600,
) -> DemoData:
    """Write the synthetic Northshire dataset, its params file and its truth record.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed; files of the same names are overwritten).
    seed
        Base seed. The same seed and arguments give byte-identical files.
    scale
        Multiplier of the record-level volumes: crimes (about 105,000 a year at 1.0, of
        which about 20,000 in the definition codes), ED attendances, ambulance call-outs,
        homicides (never fewer than 8 expected over the window) and survey respondents
        (at least 60 a year). Population, areas, admissions, risk factors, interventions
        and spend are aggregates and do not scale.
    first_fy, last_fy
        First and last financial year (start years): the window runs from 1 April
        ``first_fy`` to 31 March ``last_fy + 1``. The report year is ``last_fy``.
    n_lsoas
        Number of LSOAs. The population stays about 1,000,000 whatever the number.

    Returns
    -------
    DemoData
        The paths written.

    Raises
    ------
    ValueError
        If an argument is out of range.
    snalib.errors.ParamsError
        If the params file written does not validate (a bug).

    Notes
    -----
    At ``scale=1.0`` with 600 LSOAs and seven years the run takes about 15 seconds and
    writes about 90 MB, most of it crimes.csv.
    """
    _check_arguments(seed, scale, first_fy, last_fy, n_lsoas)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar.build(first_fy, last_fy)
    geo = build_geography(seed, n_lsoas, cal.fys)
    crimes = simulate_crimes(geo, cal, seed, scale)
    assaults = simulate_assaults(crimes, geo, cal, seed, scale)
    admissions_expected = expected_admissions(geo, cal, seed)
    admissions = stream(seed, "admissions").poisson(admissions_expected)

    written = {
        "crimes": write_crimes(crimes, cal, out),
        "population": write_population(geo, out),
        "areas": write_areas(geo, out),
        "ed_attendances": write_ed(assaults, geo, cal, seed, out),
        "ambulance": write_ambulance(crimes, assaults, geo, cal, seed, out),
        "admissions": write_admissions(admissions, cal, out),
        "homicides": write_homicides(crimes, cal, out),
        "risk_factors": write_risk_factors(geo, cal.fys, seed, out),
        "interventions": write_interventions(cal, seed, out),
        "spend": write_spend(cal, seed, out),
        "survey": write_survey(geo, cal, seed, scale, out),
    }
    assert list(written) == list(SOURCE_FILES)
    sizes = {name: _rows(path) for name, path in written.items()}
    truth = build_truth(
        seed=seed,
        scale=scale,
        n_lsoas=n_lsoas,
        cal=cal,
        geo=geo,
        crimes=crimes,
        assaults=assaults,
        admissions_expected=admissions_expected,
        admissions=admissions,
        sizes=sizes,
    )
    truth_path = write_truth(truth, out)
    params_path = write_params(cal, seed, out)
    load_params(params_path)
    return DemoData(out, written, params_path, truth_path, seed, scale)


def _rows(path: Path) -> int:
    """Data rows of a CSV written by this package (no quoted line breaks)."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle) - 1
