"""``sna build``: parameters → validated data → executed notebooks → rendered HTML.

The pipeline is a short DAG of stages. Each stage is timed and recorded in the manifest.
The run is built in a staging folder beside the run directory and moved into place only
when everything has succeeded, so a failed build never leaves a half-written report where
a good one was.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from papermill.exceptions import PapermillExecutionError
from tqdm import tqdm

from snalib.definition.flags import flag_crimes
from snalib.errors import DisclosureFailed, InputError, NotebookFailed
from snalib.inputs.load import Inputs, load_inputs
from snalib.inputs.missing import find_missing_months, to_quality
from snalib.params import Params
from snalib.pipeline.manifest import build_manifest, write_manifest
from snalib.pipeline.notebooks import (
    NOTEBOOKS,
    NotebookStage,
    execute_notebook,
)
from snalib.pipeline.rundir import check_run_dir, keep_evidence, start_staging, swap_into_place
from snalib.publish.scan import published_files, scan_run
from snalib.render import choose_renderer, prepare_reports, render_report
from snalib.validation import check_coverage, check_definition_coverage

log = logging.getLogger("sna")

REPORTS = ("sna", "annual-report")


@dataclass
class BuildResult:
    run_dir: Path
    renderer: str
    stages: list[dict] = field(default_factory=list)
    inputs: Inputs | None = None


class Progress:
    """Stage-by-stage progress on stderr: a line per stage, and a bar on a terminal."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.bar = None
        if enabled and sys.stderr.isatty():
            self.bar = tqdm(total=total, unit="stage", file=sys.stderr, leave=False)

    def start(self, label: str) -> None:
        if not self.enabled:
            return
        msg = f"[{self.done + 1}/{self.total}] {label}"
        if self.bar is not None:
            self.bar.set_description_str(label)
            self.bar.write(msg, file=sys.stderr)
        else:
            print(msg, file=sys.stderr, flush=True)

    def finish(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def _stage(stages: list[dict], progress: Progress, name: str) -> Iterator[None]:
    progress.start(name)
    log.info("stage start: %s", name)
    started = time.perf_counter()
    entry = {"stage": name, "status": "running"}
    stages.append(entry)
    try:
        yield
    except BaseException:
        entry["status"] = "failed"
        entry["seconds"] = round(time.perf_counter() - started, 3)
        raise
    entry["status"] = "ok"
    entry["seconds"] = round(time.perf_counter() - started, 3)
    log.info("stage done: %s (%.1fs)", name, entry["seconds"])
    progress.finish()


def resolve_run_dir(params: Params, out: str | Path | None) -> Path:
    if out is not None:
        return Path(out).resolve()
    if params.output_dir is not None:
        return params.output_dir
    return params.default_output_dir()


def _setup_log(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def write_data(inputs: Inputs, params: Params, run_dir: Path) -> None:
    """Write the validated tables as Parquet, the rejected rows, quality.json and params.json.

    ``quality.json`` holds each source's reconciliation and the months of the window with
    no crime data (``missing_months``, :mod:`snalib.inputs.missing`), which the chapters
    show as gaps and the models leave out.
    """
    data_dir = run_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    quality = {"mode": inputs.mode, "sources": {}}
    for name, result in inputs.results.items():
        result.data.to_parquet(data_dir / f"{result.table}.parquet", index=False)
        if result.n_rejected:
            result.rejected_for_analyst().to_csv(
                data_dir / f"rejected_{result.table}.csv", index=False, lineterminator="\n"
            )
        quality["sources"][name] = result.summary()
    quality["missing_months"] = to_quality(find_missing_months(params, inputs))
    (data_dir / "quality.json").write_text(json.dumps(quality, indent=2) + "\n", encoding="utf-8")
    (run_dir / "params.json").write_text(
        json.dumps(params.to_json_dict(), indent=2) + "\n", encoding="utf-8"
    )


def validate_inputs(params: Params, inputs: Inputs | None = None) -> tuple[Inputs, list[str]]:
    """What ``sna validate`` checks and the build's first stage: load every source, then
    check that the data cover the periods the chapters report on.

    Returns the inputs and the coverage notes (:func:`snalib.validation.check_coverage`).
    """
    if inputs is None:
        inputs = load_inputs(params)
    return inputs, check_coverage(params, inputs)


def flag_against_definition(inputs: Inputs, params: Params):
    """The record-level crimes flagged against the definition (None in public data mode),
    after checking that some crime of the report year meets it
    (:func:`snalib.validation.check_definition_coverage`)."""
    if "crimes" not in inputs.results or inputs.results["crimes"].table != "crimes":
        return None
    flagged = flag_crimes(inputs.table("crimes"), params.definition)
    check_definition_coverage(params, flagged, params.sources.crimes.path)
    return flagged


def apply_definition(inputs: Inputs, params: Params, run_dir: Path) -> bool:
    """Flag every recorded crime against the definition: ``data/crimes_flagged.parquet``.

    Returns whether there was a record-level crimes table to flag (public data give only
    street-level crimes, which the definition chapter treats as a proxy).
    """
    flagged = flag_against_definition(inputs, params)
    if flagged is None:
        return False
    flagged.to_parquet(run_dir / "data" / "crimes_flagged.parquet", index=False)
    return True


def build(
    params: Params,
    *,
    out: str | Path | None = None,
    renderer: str = "auto",
    progress: bool = True,
    inputs: Inputs | None = None,
    notebooks: tuple[NotebookStage, ...] = NOTEBOOKS,
    reports: tuple[str, ...] = REPORTS,
    titles: dict[str, tuple[str, str]] | None = None,
    manifest_extra: dict | None = None,
) -> BuildResult:
    """Run the pipeline for one params file: the whole SNA by default.

    Parameters
    ----------
    params
        Validated parameters.
    out
        Run directory; default from the params (``output_dir``) or
        ``../outputs/<slug>-<year>`` beside the params file.
    renderer
        "auto" (Quarto when on PATH, otherwise the built-in renderer), "quarto" or
        "builtin".
    progress
        Print stage progress on stderr.
    inputs
        Already loaded inputs (``sna validate`` then ``build`` reuses them).
    notebooks, reports
        The notebooks to execute and the report projects to render (a periodic report
        such as ``sna report monitoring`` runs a subset).
    titles
        Report name → (title, subtitle), overriding the titles made from the parameters.
    manifest_extra
        Keys added to ``manifest.json`` (e.g. which periodic report this is).

    Returns
    -------
    BuildResult
        The run directory, the renderer used and the stage timings.
    """
    paths = check_run_dir(resolve_run_dir(params, out), params)
    run_dir = paths.run
    staging = start_staging(paths)
    handler = _setup_log(staging / "logs" / "build.log")
    renderer_used = choose_renderer(renderer)
    stages: list[dict] = []
    steps = 6 + len(notebooks) + len(reports)
    bar = Progress(steps, enabled=progress)
    running: NotebookStage | None = None
    try:
        log.info("sna build %s -> %s (renderer %s)", params.source_file, run_dir, renderer_used)
        with _stage(stages, bar, "validate inputs"):
            # What `sna validate` checks, so that no notebook meets a period without data.
            inputs, notes = validate_inputs(params, inputs)
            for note in notes:
                log.info("coverage: %s", note)
        with _stage(stages, bar, "write validated data"):
            write_data(inputs, params, staging)
        with _stage(stages, bar, "apply the definition"):
            apply_definition(inputs, params, staging)

        def manifest(status: str, outputs: bool) -> None:
            record = build_manifest(
                params=params,
                results=inputs.results,
                stages=stages,
                run_dir=staging,
                renderer=renderer_used,
                status=status,
                include_outputs=outputs,
            )
            write_manifest(staging, {**record, **(manifest_extra or {})})

        for stage in notebooks:
            if stage.after_manifest:
                manifest("notebooks running", outputs=False)
            running = stage
            with _stage(stages, bar, stage.label):
                execute_notebook(stage, staging)
            running = None
        with _stage(stages, bar, "prepare the reports"):
            prepare_reports(staging)
        for report in reports:
            with _stage(stages, bar, f"render {report} ({renderer_used})"):
                render_report(report, staging, renderer_used, title=(titles or {}).get(report))
        with _stage(stages, bar, "scan the outputs for disclosure"):
            check_disclosure(staging)
        with _stage(stages, bar, "manifest"):
            manifest("complete", outputs=True)
        manifest("complete", outputs=True)  # records the manifest stage's own timing
    except InputError:
        _close_log(bar, handler)
        shutil.rmtree(staging, ignore_errors=True)  # nothing was built; the message says why
        raise
    except BaseException as exc:  # a failure, or an interruption (Ctrl-C, SIGTERM)
        log.exception("build failed")
        _close_log(bar, handler)
        notebook = running.notebook if running else None
        kept = keep_evidence(
            paths,
            notebook=notebook,
            reason="interrupted" if isinstance(exc, KeyboardInterrupt) else "the build failed",
        )
        if kept is not None:
            exc.sna_log = kept / "logs" / "build.log"  # type: ignore[attr-defined]
        if isinstance(exc, PapermillExecutionError) and notebook:
            raise NotebookFailed.from_papermill(exc, notebook, kept) from exc
        if isinstance(exc, DisclosureFailed):
            exc.kept = kept
        raise
    _close_log(bar, handler)
    swap_into_place(paths)
    return BuildResult(run_dir=run_dir, renderer=renderer_used, stages=stages, inputs=inputs)


def check_disclosure(run_dir: Path) -> None:
    """The last check before a run is put in place: the scanner reads every published file;
    any finding stops the build (nothing published) and every finding goes to the log."""
    findings = scan_run(run_dir)
    for finding in findings:
        log.error("disclosure: %s", finding)
    if findings:
        raise DisclosureFailed(findings)
    log.info("disclosure scan: no small count in %d published files", len(published_files(run_dir)))


def _close_log(bar: Progress, handler: logging.Handler) -> None:
    bar.close()
    logging.getLogger().removeHandler(handler)
    handler.close()
