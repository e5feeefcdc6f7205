"""Run directories written by hand for the chapters' unit tests.

A chapter reads its run through :class:`snalib.publish.run.RunContext`; these helpers write
the few files it needs (``params.json``, ``data/*.parquet``, ``data/quality.json``,
``manifest.json``) so that each test states its data and can check every number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from snalib.definition.flags import flag_crimes
from snalib.params import load_params
from snalib.publish.run import RunContext
from tests.conftest import HANDWRITTEN

#: Report year 2021/22, analysis window April 2019 to March 2022, disclosure threshold 2.
PARAMS = load_params(HANDWRITTEN / "params.yaml")


def one_source_quality(**counts: object) -> dict:
    """A ``quality.json`` with only the crimes source, reconciled unless told otherwise."""
    source = {
        "table": "crimes",
        "rows_in": 10,
        "included": 10,
        "excluded": 0,
        "rejected": 0,
        "excluded_by_reason": {},
        "rejected_by_reason": {},
        "notes": [],
    }
    source.update(counts)
    return {"mode": "records", "sources": {"crimes": source}}


def write_run(
    root: Path,
    tables: dict[str, pd.DataFrame] | None = None,
    *,
    quality: dict | None = None,
    manifest: dict | None = None,
) -> RunContext:
    """Write a run directory under ``root`` and open it."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    (root / "params.json").write_text(json.dumps(PARAMS.to_json_dict()), encoding="utf-8")
    for name, frame in (tables or {}).items():
        frame.to_parquet(data / f"{name}.parquet", index=False)
    (data / "quality.json").write_text(
        json.dumps(quality or one_source_quality()), encoding="utf-8"
    )
    if manifest is not None:
        (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return RunContext(root)


def crime(
    crime_id: str,
    date: str,
    *,
    code: str = "5D",
    public: bool | None = True,
    domestic: bool = False,
    victim_age: int | None = 17,
    offender_age: int | None = 30,
    knife: bool = False,
) -> dict:
    """One record-level crime; by default serious violence (public, not domestic, young)."""
    return {
        "crime_id": crime_id,
        "offence_date": pd.Timestamp(date),
        "hocr_code": code,
        "public_place": public,
        "domestic": domestic,
        "victim_age": victim_age,
        "offender_age": offender_age,
        "knife": knife,
    }


def flagged_crimes(rows: list[dict]) -> pd.DataFrame:
    """Crimes typed as the contract types them, flagged by the run's definition."""
    frame = pd.DataFrame(rows).astype(
        {
            "public_place": "boolean",
            "domestic": "boolean",
            "victim_age": "Int64",
            "offender_age": "Int64",
            "knife": "boolean",
            "hocr_code": "string",
        }
    )
    return flag_crimes(frame, PARAMS.definition)


def street_crimes(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    """data.police.uk street-level crimes: ``counts`` of (month, crime type)."""
    rows = [(month, crime_type) for (month, crime_type), n in counts.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["month", "crime_type"])
    frame.insert(0, "crime_id", [f"S{i}" for i in range(len(frame))])
    return frame
