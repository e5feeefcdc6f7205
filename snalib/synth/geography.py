"""The fictional force area: LSOAs, districts, deprivation, latent risk factors, population."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from snalib.synth import design
from snalib.synth._util import fmt_int, largest_remainder, stream, write_table


@dataclass(frozen=True)
class Geography:
    """The LSOAs of Northshire and everything the generators need to know about them."""

    lsoa_code: np.ndarray
    lsoa_name: np.ndarray
    district: np.ndarray  # index into design.DISTRICTS
    city_centre: np.ndarray  # bool
    deprivation_z: np.ndarray  # latent, England ~ N(0, 1), + is deprived
    imd_rank: np.ndarray
    imd_decile: np.ndarray
    imd_score: np.ndarray
    risk_z: dict[str, np.ndarray]  # standardised latent LSOA risk factors
    years: tuple[int, ...]
    population: np.ndarray  # (LSOA, year, ESP band, sex [M, F]) counts

    @property
    def n(self) -> int:
        return len(self.lsoa_code)

    @property
    def city(self) -> np.ndarray:
        """LSOAs of the city (the local lockdown district)."""
        city_index = next(i for i, d in enumerate(design.DISTRICTS) if d.is_city)
        return self.district == city_index

    def residents(self) -> np.ndarray:
        """(LSOA, year) total residents."""
        return self.population.sum(axis=(2, 3))

    def year_index(self, year: int) -> int:
        return self.years.index(year)

    def band_population(self, lo: int, hi: int) -> np.ndarray:
        """(LSOA, year, sex [M, F]) residents aged ``lo``-``hi``.

        ESP bands that straddle ``lo`` or ``hi`` are split evenly by year of age (``90+`` is
        taken as 90-99).
        """
        total = np.zeros((*self.population.shape[:2], 2))
        for b, band in enumerate(design.ESP_BANDS):
            b_lo = int(band.split("-")[0].rstrip("+"))
            b_hi = int(band.split("-")[1]) if "-" in band else 99
            overlap = max(0, min(hi, b_hi) - max(lo, b_lo) + 1)
            if overlap:
                total += self.population[:, :, b, :] * overlap / (b_hi - b_lo + 1)
        return total


def lsoa_counts(n_lsoas: int) -> np.ndarray:
    """LSOAs per district (largest remainder of the design shares, at least 2 each)."""
    shares = np.array([d.lsoa_share for d in design.DISTRICTS])
    counts = largest_remainder(n_lsoas * shares[None, :] / shares.sum(), np.array([n_lsoas]))[0]
    while (counts < 2).any():  # only for very small n_lsoas
        counts[np.argmin(counts)] += 1
        counts[np.argmax(counts)] -= 1
    return counts


def build_geography(seed: int, n_lsoas: int, years: list[int]) -> Geography:
    """Draw the fictional geography.

    Parameters
    ----------
    seed
        Base seed (stream ``geography``).
    n_lsoas
        Number of LSOAs (at least 16).
    years
        Mid-years of the population estimates.
    """
    rng = stream(seed, "geography")
    counts = lsoa_counts(n_lsoas)
    district = np.repeat(np.arange(len(design.DISTRICTS)), counts)
    codes = np.array([f"E019{k:05d}" for k in range(1, n_lsoas + 1)], dtype=object)
    names = []
    for d, n in zip(design.DISTRICTS, counts, strict=True):
        names += [f"{d.name} {k // 5 + 1:03d}{'ABCDE'[k % 5]}" for k in range(n)]
    names = np.array(names, dtype=object)

    city_index = next(i for i, d in enumerate(design.DISTRICTS) if d.is_city)
    n_city = int(counts[city_index])
    n_centre = max(2, round(design.CITY_CENTRE_SHARE * n_city))
    first_city = int(counts[:city_index].sum())
    city_centre = np.zeros(n_lsoas, dtype=bool)
    city_centre[first_city : first_city + n_centre] = True

    # Deprivation: a latent z per LSOA; IMD rank from its England percentile (made unique).
    means = np.array([d.deprivation_mean for d in design.DISTRICTS])[district]
    dep = means + design.DEPRIVATION_SD_WITHIN_DISTRICT * rng.standard_normal(n_lsoas)
    raw_rank = np.clip(
        1 + np.floor((1 - ndtr(dep)) * design.IMD_LSOAS_ENGLAND), 1, design.IMD_LSOAS_ENGLAND
    ).astype(np.int64)
    order = np.lexsort((np.arange(n_lsoas), raw_rank))
    ranks_sorted = raw_rank[order].copy()
    for k in range(1, n_lsoas):  # n_lsoas is small: a plain loop is fine
        ranks_sorted[k] = max(ranks_sorted[k], ranks_sorted[k - 1] + 1)
    rank = np.empty(n_lsoas, dtype=np.int64)
    rank[order] = np.minimum(ranks_sorted, design.IMD_LSOAS_ENGLAND)
    decile = (rank * 10 + design.IMD_LSOAS_ENGLAND - 1) // design.IMD_LSOAS_ENGLAND
    score = np.round(np.clip(np.exp(design.IMD_SCORE_A + design.IMD_SCORE_B * dep), 0.5, 92.0), 3)

    # Latent risk factors, correlated with deprivation, standardised over the area.
    dep_std = (dep - dep.mean()) / dep.std()
    risk_z = {}
    for ind in design.RISK_INDICATORS:
        if ind.level != "lsoa" or ind.key == "imd_score":
            continue
        e = rng.standard_normal(n_lsoas)
        z = ind.rho_deprivation * dep_std + np.sqrt(1 - ind.rho_deprivation**2) * e
        risk_z[ind.key] = (z - z.mean()) / z.std()

    population = _population(rng, district, city_centre, years)
    return Geography(
        codes, names, district, city_centre, dep, rank, decile, score, risk_z,
        tuple(years), population,
    )  # fmt: skip


def _population(
    rng: np.random.Generator, district: np.ndarray, city_centre: np.ndarray, years: list[int]
) -> np.ndarray:
    n = len(district)
    size = rng.lognormal(0.0, design.LSOA_SIZE_SD, n)
    ref_total = largest_remainder(
        (design.POPULATION_TOTAL * size / size.sum())[None, :], np.array([design.POPULATION_TOTAL])
    )[0]
    base = np.asarray(design.AGE_STRUCTURE)
    kinds = np.array([d.kind for d in design.DISTRICTS], dtype=object)[district]
    kinds = np.where(city_centre, "city_centre", kinds)
    tilt = np.array([design.AGE_TILTS[k] for k in kinds])
    shares = base[None, :] * tilt * np.exp(design.AGE_NOISE_SD * rng.standard_normal((n, 19)))
    shares /= shares.sum(axis=1, keepdims=True)
    male = np.asarray(design.MALE_SHARE)
    cell_share = np.stack([shares * male, shares * (1 - male)], axis=-1).reshape(n, 38)

    growth = np.array([d.growth for d in design.DISTRICTS])[district]
    out = np.zeros((n, len(years), 19, 2), dtype=np.int64)
    for y, year in enumerate(years):
        totals = np.round(
            ref_total * (1 + growth) ** (year - design.POPULATION_REFERENCE_YEAR)
        ).astype(np.int64)
        cells = largest_remainder(cell_share * totals[:, None], totals)
        out[:, y] = cells.reshape(n, 19, 2)
    return out


def relative_rate(geo: Geography, seed: int, model: str) -> tuple[np.ndarray, np.ndarray]:
    """Relative rate per resident of each LSOA under a spatial model (see ``SpatialModel``).

    Returns
    -------
    rate
        The multiplier, including the random effect.
    random_effect
        The LSOA random effect alone (mean 1).
    """
    spec = design.SPATIAL[model]
    rng = stream(seed, f"spatial:{model}")
    u = rng.gamma(spec.random_effect_shape, 1.0 / spec.random_effect_shape, geo.n)
    log_rate = np.log(spec.deprivation_irr) * (10 - geo.imd_decile)
    log_rate = log_rate + np.log(spec.city_centre_irr) * geo.city_centre
    for key, irr in spec.risk_irr.items():
        log_rate = log_rate + np.log(irr) * geo.risk_z[key]
    return np.exp(log_rate) * u, u


# --------------------------------------------------------------------------- tables


def write_areas(geo: Geography, out_dir: Path) -> Path:
    """areas.csv: LSOA -> district -> CSP -> force, with IMD rank and decile."""
    d = [design.DISTRICTS[i] for i in geo.district]
    columns = {
        "lsoa_code": geo.lsoa_code,
        "lsoa_name": geo.lsoa_name,
        "district_code": np.array([x.code for x in d], dtype=object),
        "district_name": np.array([x.name for x in d], dtype=object),
        "csp_code": np.array([x.csp_code for x in d], dtype=object),
        "csp_name": np.array([f"{x.name} Community Safety Partnership" for x in d], dtype=object),
        "force_code": np.full(geo.n, design.FORCE_CODE, dtype=object),
        "force_name": np.full(geo.n, design.FORCE_NAME, dtype=object),
        "imd_decile": fmt_int(geo.imd_decile),
        "imd_rank": fmt_int(geo.imd_rank),
    }
    return write_table(out_dir / "areas.csv", "areas", columns)


def write_population(geo: Geography, out_dir: Path) -> Path:
    """population.csv: LSOA x mid-year x sex x ESP 2013 age band."""
    n, n_years = geo.population.shape[:2]
    # Row order: LSOA, year, sex (M then F), band.
    counts = geo.population.transpose(0, 1, 3, 2)  # (LSOA, year, sex, band)
    shape = counts.shape
    lsoa = np.broadcast_to(np.arange(n)[:, None, None, None], shape).ravel()
    year = np.broadcast_to(np.asarray(geo.years)[None, :, None, None], shape).ravel()
    sex = np.broadcast_to(np.array(["M", "F"], dtype=object)[None, None, :, None], shape).ravel()
    band = np.broadcast_to(np.asarray(design.ESP_BANDS, dtype=object), shape).ravel()
    columns = {
        "area_code": geo.lsoa_code[lsoa],
        "year": fmt_int(year),
        "sex": sex,
        "age_band": band,
        "population": fmt_int(counts.ravel()),
    }
    return write_table(out_dir / "population.csv", "population", columns)
