"""Area-level risk factor indicators (risk_factors.csv), by LSOA or district and FY.

LSOA indicators come from the latent standardised values drawn with the geography (the
same ``z`` that enters the serious violence intensity with ``SpatialModel.risk_irr``), so
a model of violence counts on these indicators can be checked against the injected rate
ratios: 1.25 per SD for persistent absence, 1.00 (a designed null) for school exclusions
and child poverty, given deprivation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snalib.synth import design
from snalib.synth._util import fmt_float, stream, write_table
from snalib.synth.geography import Geography

#: Denominator populations: (lowest age, highest age).
_DENOMINATORS = {
    "pupils aged 5-15": (5, 15),
    "children aged 0-15": (0, 15),
    "children aged 0-17": (0, 17),
    "residents aged 10-17": (10, 17),
}
_BASE_FY = 2015


def _shift(ind: design.RiskIndicator, fy: int) -> float:
    return ind.year_shift * (fy - _BASE_FY) + (ind.covid_shift if fy >= 2020 else 0.0)


def district_deprivation(geo: Geography) -> np.ndarray:
    """Standardised population-weighted mean deprivation z of each district."""
    ref = geo.residents()[:, -1]
    n_d = len(design.DISTRICTS)
    mean = np.bincount(geo.district, weights=geo.deprivation_z * ref, minlength=n_d) / (
        np.bincount(geo.district, weights=ref, minlength=n_d)
    )
    return (mean - mean.mean()) / mean.std()


def write_risk_factors(geo: Geography, fys: list[int], seed: int, out_dir: Path) -> Path:
    """risk_factors.csv in long format (area, indicator, FY, numerator, denominator, value)."""
    rng = stream(seed, "risk_factors")
    area, indicator, period, num, den, value = [], [], [], [], [], []
    labels = [f"{fy}/{(fy + 1) % 100:02d}" for fy in fys]
    dist_z = district_deprivation(geo)
    district_codes = np.array([d.code for d in design.DISTRICTS], dtype=object)
    for ind in design.RISK_INDICATORS:
        for y, fy in enumerate(fys):
            if ind.key == "imd_score":
                codes, v, n, d = geo.lsoa_code, geo.imd_score, None, None
            else:
                if ind.level == "lsoa":
                    codes, z = geo.lsoa_code, geo.risk_z[ind.key]
                    pop = geo.band_population(*_DENOMINATORS[ind.denominator])[:, y].sum(-1)
                else:
                    codes, z = district_codes, dist_z
                    by_lsoa = geo.band_population(*_DENOMINATORS[ind.denominator])[:, y].sum(-1)
                    pop = np.bincount(geo.district, weights=by_lsoa, minlength=len(codes))
                    # District indicators wobble a little from year to year.
                    z = z + 0.1 * rng.standard_normal(len(codes))
                latent = np.clip(ind.mean + ind.sd * z + _shift(ind, fy), ind.low, ind.high)
                d = np.maximum(np.round(pop), 1)
                n = np.round(latent * d / ind.per)
                v = n * ind.per / d
            area.append(codes)
            indicator.append(np.full(len(codes), ind.key, dtype=object))
            period.append(np.full(len(codes), labels[y], dtype=object))
            empty = np.full(len(codes), "", dtype=object)
            num.append(empty if n is None else fmt_float(n, 0))
            den.append(empty if d is None else fmt_float(d, 0))
            value.append(fmt_float(v, 3 if n is None else 2))
    columns = {
        "area_code": np.concatenate(area),
        "indicator": np.concatenate(indicator),
        "period": np.concatenate(period),
        "numerator": np.concatenate(num),
        "denominator": np.concatenate(den),
        "value": np.concatenate(value),
    }
    return write_table(out_dir / "risk_factors.csv", "risk_factors", columns)
