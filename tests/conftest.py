"""Shared fixtures: paths, the handwritten fixture, small synthetic runs."""

from __future__ import annotations

import os

# One BLAS thread per process: tests run in parallel workers (and notebooks in kernels that
# inherit this environment); threaded linear algebra on top of that only oversubscribes.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import csv  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
HANDWRITTEN = FIXTURES / "handwritten"
#: The shared data folder beside the checkout (absent on some machines: tests skip).
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} beside the checkout")
    return path


@pytest.fixture
def handwritten(tmp_path: Path) -> Path:
    """A private copy of the handwritten fixture (tests may edit it)."""
    dst = tmp_path / "handwritten"
    shutil.copytree(HANDWRITTEN, dst)
    return dst


def assert_no_live_formula(run: Path) -> None:
    """No published CSV cell of a run begins with = + @ tab CR, or - followed by text: a
    spreadsheet would run it as a formula (issue 9)."""
    paths = sorted((run / "tables").glob("*.csv")) + sorted((run / "figures").glob("*.csv"))
    assert paths, "nothing was published"
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not re.match(r"[=+@\t\r]|-(?![\d.])", cell), (path.name, cell)
