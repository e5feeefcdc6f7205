"""The rendered HTML in a real browser (headless Chromium): what a reviewer sees."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from snalib.cli import main
from tests.conftest import HANDWRITTEN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless chromium (.ci/run installs it)"),
]


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("browser")
    shutil.copytree(HANDWRITTEN, work / "input")
    out = work / "run"
    assert main(["build", str(work / "input" / "params.yaml"), "--out", str(out), "--quiet"]) == 0
    return out


def test_definition_chapter_renders_its_table_figure_and_navigation_in_chromium(run_dir):
    page = run_dir / "sna" / "definition.html"
    dom = chromium("--dump-dom", page.as_uri()).stdout
    assert "<caption>Inclusion flow: from all recorded crimes to serious violence, 2021/22" in dom
    assert 'aria-current="page"' in dom and "Skip to main content" in dom
    assert 'img src="data:image/svg+xml;base64,' in dom


def test_title_page_screenshot_is_not_blank(run_dir, tmp_path):
    shot = tmp_path / "index.png"
    chromium(
        "--window-size=1280,1000", f"--screenshot={shot}", (run_dir / "sna" / "index.html").as_uri()
    )
    assert shot.is_file() and shot.stat().st_size > 20_000  # a blank page compresses to a few kB
