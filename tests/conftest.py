"""Shared fixtures: paths, the handwritten fixture, small synthetic runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
