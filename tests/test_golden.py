"""Backtest: the demo's published tables are byte-identical to the recorded ones.

The synthetic demo is seeded and deterministic, so every ``tables/*.csv`` it publishes has a
fixed sha256, recorded in ``tests/fixtures/golden/``. A refactoring (moving modules,
thinning notebooks, changing the renderer) must leave them unchanged; a change that is meant
to change a published number updates the record in the same commit, and says why:

    SNA_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py -m "slow or not slow"

Two tables are left out: ``provenance_stages.csv`` (stage timings) and
``provenance_versions.csv`` (the installed library versions).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from snalib.cli import main
from snalib.publish.scan import scan_run
from tests.conftest import FIXTURES, assert_no_live_formula

GOLDEN = FIXTURES / "golden"
NOT_COMPARED = {"provenance_stages.csv", "provenance_versions.csv"}

pytestmark = pytest.mark.xdist_group("golden")


def _hashes(tables: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(tables.glob("*.csv"))
        if path.name not in NOT_COMPARED
    }


def _read_record(path: Path) -> dict[str, str]:
    record = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        record[name] = digest
    return record


def _check(run: Path, record_path: Path) -> None:
    actual = _hashes(run / "tables")
    if os.environ.get("SNA_UPDATE_GOLDEN") == "1":
        record_path.write_text(
            "".join(f"{digest}  {name}\n" for name, digest in actual.items()), encoding="utf-8"
        )
    expected = _read_record(record_path)
    assert sorted(actual) == sorted(expected), "the set of published tables changed"
    changed = [name for name in expected if actual[name] != expected[name]]
    assert not changed, f"published tables changed: {changed}"


def test_small_demo_tables_are_unchanged(tmp_path):
    out = tmp_path / "demo"
    argv = ["demo", "--scale", "0.05", "--renderer", "builtin", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    assert scan_run(out) == []  # the disclosure scanner passes on the demo
    assert_no_live_formula(out)
    _check(out, GOLDEN / "demo-scale-0.05.sha256")


@pytest.mark.slow
def test_full_demo_tables_are_unchanged(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--renderer", "builtin", "--out", str(out), "--quiet"]) == 0
    assert scan_run(out) == []
    _check(out, GOLDEN / "demo-full.sha256")
