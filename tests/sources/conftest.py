from __future__ import annotations

from pathlib import Path

import pytest

from ._paths import PUBLIC


@pytest.fixture
def public() -> Path:
    """The full public data folder (../shared/data/public); skips when it is absent."""
    if not PUBLIC.is_dir():
        pytest.skip(f"shared public data not found at {PUBLIC}")
    return PUBLIC
