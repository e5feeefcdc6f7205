"""Where a run is written, without ever destroying what the user did not ask to replace.

A build writes into ``<out>.building/`` and swaps it into ``<out>/`` when every stage has
succeeded. Before anything is written, :func:`check_run_dir` refuses a run directory that
is, contains or sits inside an input or the params file, and an existing ``<out>`` that
holds anything but an earlier run of ``sna`` (recognised by its ``manifest.json``). The
folders beside it that a build uses (``<out>.building``, ``<out>.previous``,
``<out>.failed``) are only ever removed when ``sna`` made them (a marker file says so).

When a build fails, or is interrupted, :func:`keep_evidence` moves its log and the notebook
that failed to ``<out>.failed/<time>/`` and removes the rest of the staging folder: the
previous run stays as it was, and nothing is left behind but the evidence.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from snalib.errors import InputError
from snalib.params import Params

#: The file that marks a folder as made by ``sna`` (staging, previous or failed runs).
MARKER = ".sna-run"


@dataclass(frozen=True)
class RunPaths:
    """The run directory and the folders beside it that a build uses."""

    run: Path

    @property
    def staging(self) -> Path:
        return self.run.with_name(self.run.name + ".building")

    @property
    def previous(self) -> Path:
        return self.run.with_name(self.run.name + ".previous")

    @property
    def failed(self) -> Path:
        return self.run.with_name(self.run.name + ".failed")

    def all(self) -> tuple[Path, ...]:
        return (self.run, self.staging, self.previous, self.failed)


def is_earlier_run(folder: Path) -> bool:
    """Whether ``folder`` holds a run of ``sna``: its ``manifest.json`` says so."""
    manifest = folder / "manifest.json"
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and "sna_version" in record and "manifest_version" in record


def made_by_sna(folder: Path) -> bool:
    """Whether a staging, previous or failed folder was made by ``sna``."""
    return (folder / MARKER).is_file() or is_earlier_run(folder)


def input_locations(params: Params) -> list[Path]:
    """Every path a build reads: the params file and each source's file or folder."""
    paths = [params.source_file] if params.source_file else []
    for name in type(params.sources).model_fields:
        spec = getattr(params.sources, name)
        if spec is not None:
            paths.append(spec.path)
    return [Path(p).resolve() for p in paths]


def _relation(out: Path, location: Path) -> str | None:
    if out == location:
        return "is"
    if out in location.parents:
        return "contains"
    if location in out.parents:
        return "sits inside"
    return None


def check_run_dir(run_dir: Path, params: Params) -> RunPaths:
    """Refuse a run directory whose writing could destroy anything the user did not ask to
    replace.

    Raises
    ------
    InputError
        When the run directory (or a folder beside it that the build uses) is, contains or
        sits inside an input or the params file, or is an existing folder or file that is
        not an earlier run of ``sna``.
    """
    paths = RunPaths(Path(run_dir).resolve())
    for location in input_locations(params):
        for path in paths.all():
            relation = _relation(path, location)
            if relation:
                what = "the params file" if location == params.source_file else "an input"
                raise InputError(
                    f"the run directory {path} {relation} {what}, {location}: a build "
                    "replaces its run directory and would destroy it. Choose --out (or "
                    "output_dir) outside the inputs, e.g. a new folder beside them."
                )
    run = paths.run
    if run.exists() and not run.is_dir():
        raise InputError(f"--out {run} is a file, not a folder: choose a folder for the run")
    if run.is_dir() and any(run.iterdir()) and not is_earlier_run(run):
        raise InputError(
            f"--out {run} is a folder that holds files other than an earlier run of sna (it "
            "has no sna manifest.json), and a build replaces its run directory. Choose a new "
            "or empty folder, or the folder of an earlier run."
        )
    for path in (paths.staging, paths.previous, paths.failed):
        if path.exists() and not (path.is_dir() and made_by_sna(path)):
            raise InputError(
                f"{path} exists and was not made by sna, and a build of {run} uses that name. "
                "Move it, or choose another --out."
            )
    return paths


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def start_staging(paths: RunPaths) -> Path:
    """A fresh, marked staging folder. A staging folder left by a killed build keeps its
    evidence first (:func:`keep_evidence`)."""
    if paths.staging.exists():
        keep_evidence(paths, reason="left by an earlier build that did not finish")
    paths.staging.mkdir(parents=True)
    (paths.staging / MARKER).write_text("sna staging folder\n", encoding="utf-8")
    return paths.staging


def keep_evidence(
    paths: RunPaths, *, notebook: str | None = None, reason: str = "the build failed"
) -> Path | None:
    """Move the staging folder's log (and the failed notebook) to ``<out>.failed/<time>/``
    and remove the rest of the staging folder.

    Returns
    -------
    Path or None
        The folder that keeps the evidence, or None when there was no staging folder.
    """
    staging = paths.staging
    if not staging.is_dir():
        return None
    paths.failed.mkdir(exist_ok=True)
    (paths.failed / MARKER).write_text("sna: logs of failed builds\n", encoding="utf-8")
    kept = paths.failed / _stamp()
    kept.mkdir()
    if (staging / "logs").is_dir():
        shutil.copytree(staging / "logs", kept / "logs")
    if notebook and (staging / "notebooks" / notebook).is_file():
        shutil.copy2(staging / "notebooks" / notebook, kept / notebook)
    (kept / "README.txt").write_text(
        f"Evidence of a build of {paths.run.name} that did not finish ({reason}): the build "
        "log and the notebook that failed, if any. Safe to delete.\n",
        encoding="utf-8",
    )
    shutil.rmtree(staging)
    return kept


def swap_into_place(paths: RunPaths) -> None:
    """Replace the run directory by the staging folder (each rename is atomic on one
    filesystem); the earlier run is removed only once the new one is in place."""
    (paths.staging / MARKER).unlink(missing_ok=True)
    if paths.previous.exists():
        shutil.rmtree(paths.previous)
    if paths.run.exists():
        paths.run.rename(paths.previous)
    paths.staging.rename(paths.run)
    if paths.previous.exists():
        shutil.rmtree(paths.previous)
