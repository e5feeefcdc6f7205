"""Where a build writes: never over an input, never over what is not a run of sna; a failed
or interrupted build keeps its evidence and leaves the previous run as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snalib.cli import main
from snalib.params import load_params
from snalib.paths import NOTEBOOK_DIR
from snalib.pipeline import notebooks
from snalib.pipeline.notebooks import NOTEBOOKS
from snalib.pipeline.rundir import MARKER, RunPaths, check_run_dir, is_earlier_run
from tests.conftest import FIXTURES, HANDWRITTEN, ROOT

pytestmark = pytest.mark.xdist_group("run_dir")
BUILTIN = ["--renderer", "builtin", "--quiet"]


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "input"
    shutil.copytree(HANDWRITTEN, folder)
    return folder


def _build(params: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["build", str(params), "--out", str(out), *BUILTIN])
    return code, capsys.readouterr().err


# --------------------------------------------------------------------------- --out


@pytest.mark.parametrize(
    "where",
    ["the input folder", "the params file", "an input file", "the folder above the inputs"],
)
def test_out_pointing_at_the_inputs_exits_2_and_every_input_is_still_there(inputs, capsys, where):
    out = {
        "the input folder": inputs,
        "the params file": inputs / "params.yaml",
        "an input file": inputs / "crimes.csv",
        "the folder above the inputs": inputs.parent,
    }[where]
    before = _fingerprint(inputs.parent)
    code, err = _build(inputs / "params.yaml", out, capsys)
    assert code == 2
    assert "run directory" in err and ("input" in err or "params file" in err)
    assert _fingerprint(inputs.parent) == before


def test_out_inside_an_input_folder_exits_2(tmp_path, capsys):
    """A source that is a folder (data.police.uk files) must not receive the run."""
    public = tmp_path / "public"
    shutil.copytree(FIXTURES / "public", public)
    before = _fingerprint(public)
    code, err = _build(public / "params-public.yaml", public / "police_uk" / "run", capsys)
    assert code == 2 and "sits inside an input" in err
    assert _fingerprint(public) == before


def test_out_at_a_folder_of_other_files_exits_2_and_leaves_it(inputs, tmp_path, capsys):
    other = tmp_path / "my documents"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    code, err = _build(inputs / "params.yaml", other, capsys)
    assert code == 2 and "no sna manifest.json" in err
    assert (other / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "my documents"]


def test_a_folder_beside_the_run_that_sna_did_not_make_is_never_removed(inputs, tmp_path, capsys):
    mine = tmp_path / "run.building"
    mine.mkdir()
    (mine / "thesis.docx").write_text("keep me")
    code, err = _build(inputs / "params.yaml", tmp_path / "run", capsys)
    assert code == 2 and "was not made by sna" in err
    assert (mine / "thesis.docx").read_text() == "keep me"


def test_run_dir_rules_accept_a_new_folder_an_empty_folder_and_an_earlier_run(inputs, tmp_path):
    params = load_params(inputs / "params.yaml")
    assert check_run_dir(tmp_path / "new", params).run == (tmp_path / "new").resolve()
    (tmp_path / "empty").mkdir()
    check_run_dir(tmp_path / "empty", params)
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "manifest.json").write_text(json.dumps({"manifest_version": 1, "sna_version": "x"}))
    assert is_earlier_run(earlier)
    check_run_dir(earlier, params)


# --------------------------------------------------------------------------- failures


def _broken_notebooks(folder: Path) -> Path:
    """The pipeline's notebooks with a failing cell appended to each."""
    folder.mkdir()
    for stage in NOTEBOOKS:
        nb = json.loads((NOTEBOOK_DIR / stage.notebook).read_text())
        nb["cells"].append(
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "#| label: boom\nraise RuntimeError('\\n\\ndeliberate failure')",
                "id": "boom",
            }
        )
        (folder / stage.notebook).write_text(json.dumps(nb))
    return folder


def test_a_failed_build_keeps_its_log_and_notebook_and_leaves_the_earlier_run(
    inputs, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "run"
    assert _build(inputs / "params.yaml", out, capsys)[0] == 0
    earlier = _fingerprint(out)
    monkeypatch.setattr(notebooks, "NOTEBOOK_DIR", _broken_notebooks(tmp_path / "broken"))
    code, err = _build(inputs / "params.yaml", out, capsys)
    assert code == 1
    first = NOTEBOOKS[0].notebook
    assert (
        f"the build failed in notebook {first}, cell boom: RuntimeError: deliberate failure" in err
    )
    kept = sorted((tmp_path / "run.failed").iterdir())
    kept = [k for k in kept if k.is_dir()]
    assert len(kept) == 1 and str(kept[0]) in err
    assert "deliberate failure" in (kept[0] / "logs" / "build.log").read_text()
    assert (kept[0] / first).is_file()
    assert _fingerprint(out) == earlier  # the earlier run as it was
    assert not (tmp_path / "run.building").exists()  # nothing else left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "input", "run", "run.failed"]


def test_an_internal_error_always_gives_a_reason(inputs, tmp_path, capsys, monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("\n\n")

    monkeypatch.setattr("snalib.pipeline.build.write_data", fail)
    code, err = _build(inputs / "params.yaml", tmp_path / "run", capsys)
    assert code == 1
    assert "internal error (ValueError)" in err and "build.log" in err


def _start_build(params: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "snalib.cli", "build", str(params), "--out", str(out), *BUILTIN],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupted_build_leaves_the_previous_run_and_only_its_log(
    inputs, tmp_path, capsys, how
):
    out = tmp_path / "run"
    assert _build(inputs / "params.yaml", out, capsys)[0] == 0
    earlier = _fingerprint(out)
    proc = _start_build(inputs / "params.yaml", out)
    _wait_for(tmp_path / "run.building" / "notebooks", proc)  # half way: notebooks running
    proc.send_signal(how)
    _, err = proc.communicate(timeout=120)
    # 130, or killed by SIGINT when the interruption lands in the kernel's asyncio loop: a
    # shell reports both as exit status 130
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "interrupted" in err and "Traceback" not in err
    assert _fingerprint(out) == earlier
    assert (out / "sna" / "index.html").read_text().startswith("<!DOCTYPE html>")
    assert not (tmp_path / "run.building").exists()
    logs = list((tmp_path / "run.failed").glob("*/logs/build.log"))
    assert len(logs) == 1


def test_a_killed_build_leaves_the_previous_run_and_the_next_build_keeps_only_its_log(
    inputs, tmp_path, capsys
):
    """SIGKILL cannot be caught: the staging folder stays until the next build, which keeps
    its log and removes the rest."""
    out = tmp_path / "run"
    assert _build(inputs / "params.yaml", out, capsys)[0] == 0
    earlier = _fingerprint(out)
    proc = _start_build(inputs / "params.yaml", out)
    _wait_for(tmp_path / "run.building" / "notebooks", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert _fingerprint(out) == earlier
    assert (tmp_path / "run.building" / MARKER).is_file()
    assert _build(inputs / "params.yaml", out, capsys)[0] == 0
    assert not (tmp_path / "run.building").exists()
    kept = list((tmp_path / "run.failed").glob("*/logs/build.log"))
    assert len(kept) == 1 and "did not finish" in (kept[0].parents[1] / "README.txt").read_text()


def test_two_consecutive_builds_publish_identical_tables_and_figures(inputs, tmp_path, capsys):
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        assert _build(inputs / "params.yaml", out, capsys)[0] == 0
        fingerprint = {
            key: value
            for key, value in _fingerprint(out).items()
            if key.startswith(("tables/", "figures/")) and "provenance_stages" not in key
        }
        runs.append(fingerprint)
    assert runs[0] == runs[1] and len(runs[0]) > 20


def test_run_paths_name_the_folders_beside_the_run(tmp_path):
    paths = RunPaths(tmp_path / "run")
    assert [p.name for p in paths.all()] == ["run", "run.building", "run.previous", "run.failed"]


def test_demo_data_never_overwrites_files_that_are_not_demo_data(tmp_path, capsys):
    folder = tmp_path / "my data"
    folder.mkdir()
    (folder / "crimes.csv").write_text("my own extract")
    code = main(["demo-data", str(folder), "--scale", "0.01"])
    assert code == 2 and "not demo data written by sna" in capsys.readouterr().err
    assert (folder / "crimes.csv").read_text() == "my own extract"
    again = tmp_path / "demo"
    assert main(["demo-data", str(again), "--scale", "0.01"]) == 0
    assert main(["demo-data", str(again), "--scale", "0.01"]) == 0  # earlier demo data: fine


def test_a_disclosure_finding_publishes_nothing_and_keeps_the_findings_in_the_log(
    inputs, tmp_path, capsys, monkeypatch
):
    """The scanner is the build's last check: a small count found in the outputs stops the
    build before the run is put in place."""
    from snalib.pipeline import build as build_module
    from snalib.publish import scan

    out = tmp_path / "run"
    assert _build(inputs / "params.yaml", out, capsys)[0] == 0
    earlier = _fingerprint(out)

    def leaky_scan(run_dir):
        (Path(run_dir) / "tables" / "leak.csv").write_text("district,count\nNorth,1\n")
        return scan.scan_run(run_dir)

    monkeypatch.setattr(build_module, "scan_run", leaky_scan)
    code, err = _build(inputs / "params.yaml", out, capsys)
    assert code == 1
    assert "nothing was published: the disclosure check found 1 small count" in err
    assert "tables/leak.csv, row 1, column count: 1" in err
    assert _fingerprint(out) == earlier
    kept = [k for k in (tmp_path / "run.failed").iterdir() if k.is_dir()]
    assert len(kept) == 1 and str(kept[0]) in err
    assert "disclosure: tables/leak.csv" in (kept[0] / "logs" / "build.log").read_text()
    assert not (tmp_path / "run.building").exists()
