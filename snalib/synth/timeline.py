"""The calendar of the synthetic data and its temporal factors (trend, season, week, COVID)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from snalib.synth import design


@dataclass(frozen=True)
class Calendar:
    """Every day from 1 April of ``first_fy`` to 31 March after ``last_fy``."""

    first_fy: int
    last_fy: int
    days: np.ndarray  # datetime64[D]
    year: np.ndarray
    month: np.ndarray  # 1-12
    dow: np.ndarray  # Monday = 0
    fy: np.ndarray  # financial year start year
    month_index: np.ndarray  # 0 = April of first_fy
    date_text: np.ndarray  # YYYY-MM-DD
    months: tuple[str, ...]  # YYYY-MM of each month_index

    @classmethod
    def build(cls, first_fy: int, last_fy: int) -> Calendar:
        days = np.arange(
            np.datetime64(f"{first_fy}-04-01"), np.datetime64(f"{last_fy + 1}-04-01")
        ).astype("datetime64[D]")
        year = days.astype("datetime64[Y]").astype(int) + 1970
        month = days.astype("datetime64[M]").astype(int) % 12 + 1
        dow = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        fy = np.where(month >= 4, year, year - 1)
        month_index = (year - first_fy) * 12 + month - 4
        n_months = 12 * (last_fy - first_fy + 1)
        months = tuple(
            f"{first_fy + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(n_months)
        )
        return cls(
            first_fy,
            last_fy,
            days,
            year,
            month,
            dow,
            fy,
            month_index,
            days.astype(str).astype(object),
            months,
        )

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def fys(self) -> list[int]:
        return list(range(self.first_fy, self.last_fy + 1))

    @property
    def start(self) -> date:
        return date(self.first_fy, 4, 1)

    @property
    def end(self) -> date:
        return date(self.last_fy + 1, 3, 31)

    def day_of(self, day: date) -> int:
        """Index of a date (may fall outside the window)."""
        return int((np.datetime64(day) - self.days[0]).astype(int))

    def between(self, start: date, end: date) -> np.ndarray:
        """Boolean mask of the days from ``start`` to ``end`` inclusive."""
        return (self.days >= np.datetime64(start)) & (self.days <= np.datetime64(end))


def week_matrix(name: str) -> np.ndarray:
    """The 7 x 24 day-of-week by hour weights of a week profile, mean 1."""
    profile = design.WEEKS[name]
    w = np.outer(np.asarray(profile.day_weights), np.asarray(profile.hours))
    for days, hours, factor in profile.boosts:
        w[np.ix_(list(days), list(hours))] *= factor
    return w / w.mean()


def trend(cal: Calendar) -> np.ndarray:
    """Daily trend factor: 1 on the reference date, ``TREND_IRR_PER_YEAR`` per year."""
    years = (cal.days - np.datetime64(design.REFERENCE_DATE)).astype(float) / 365.25
    return design.TREND_IRR_PER_YEAR**years


def periods_in_window(cal: Calendar) -> list[design.Period]:
    """The COVID-19 periods that overlap the calendar, in design order."""
    return [p for p in design.PERIODS if p.end >= cal.start and p.start <= cal.end]


def national_covid(cal: Calendar, profile: str) -> np.ndarray:
    """Daily rate ratio of the national periods for one COVID-19 profile."""
    factor = np.ones(cal.n_days)
    for period in design.PERIODS:
        if not period.local:
            factor[cal.between(period.start, period.end)] *= design.COVID_IRR[profile][period.key]
    return factor


def local_covid(cal: Calendar, profile: str) -> np.ndarray:
    """Daily extra rate ratio for the local lockdown district (1 outside the period)."""
    factor = np.ones(cal.n_days)
    for period in design.PERIODS:
        if period.local:
            factor[cal.between(period.start, period.end)] *= design.COVID_IRR[profile][period.key]
    return factor


def daily_factor(cal: Calendar, season: str, week: str, covid: str) -> np.ndarray:
    """Product of trend, month of year, day of week and national COVID-19 factors."""
    seasonal = np.asarray(design.SEASONS[season])[cal.month - 1]
    day_of_week = week_matrix(week).mean(axis=1)[cal.dow]
    return trend(cal) * seasonal * day_of_week * national_covid(cal, covid)
