"""The ``sna`` command line.

Exit codes: 0 success; 2 bad parameters or bad input (a short message naming the file,
column and rows, never a traceback); 1 an internal failure (the message gives the log).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from snalib import __version__
from snalib.errors import InputError, NotebookFailed, RenderError, plural
from snalib.paths import project_outputs

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

DESCRIPTION = """\
sna builds a serious violence Strategic Needs Assessment (SNA) and an Annual Report for a
Violence Reduction Unit from one parameters file: it validates every input against the data
contract, executes the analysis notebooks with papermill and renders the reports as HTML.

Typical use:
  sna demo                               build the full demonstration report
  sna validate params/leics-2021-22.yaml check parameters and inputs only
  sna build params/leics-2021-22.yaml    build the SNA and the Annual Report

Exit codes: 0 success; 2 bad parameters or input data (the message names the file, the
column and the rows); 1 internal failure (the message gives the path of the log).
Documentation: docs/params.md (parameters), docs/data-contract.md (input files).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sna", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"sna {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "demo",
        help="generate the synthetic demo data and build the full demo report",
        description="Generate the synthetic demonstration data set (a fictional force area, "
        "seeded and deterministic) and build the SNA and the Annual Report from it. The run "
        "goes to OUT (default outputs/demo) and the generated input files beside it, to "
        "OUT-input.",
    )
    p.add_argument("--out", type=Path, default=None, help="run directory (default: outputs/demo)")
    _synth_args(p)
    _render_args(p)

    p = sub.add_parser(
        "demo-data",
        help="write the synthetic canonical input files and a ready params file",
        description="Write the synthetic input files (one CSV per canonical table, as in "
        "docs/data-contract.md), truth.json (the effects injected on purpose) and params.yaml "
        "into DIR. Then: sna build DIR/params.yaml",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="folder to write (created if needed)")
    _synth_args(p)

    p = sub.add_parser(
        "validate",
        help="check the parameters and every input file; run no notebook",
        description="Validate PARAMS.yaml and every input file it names against the data "
        "contract, and print a data quality summary: per source, records in, included, "
        "excluded and rejected. Exit 2 if anything would stop a build.",
    )
    p.add_argument("params", type=Path, metavar="PARAMS.yaml")

    p = sub.add_parser(
        "build",
        help="the whole pipeline: validate, execute the notebooks, render the reports",
        description="Validate PARAMS.yaml and its inputs, write the validated tables, execute "
        "every notebook with papermill and render the SNA and the Annual Report as HTML into "
        "the run directory, with manifest.json recording inputs, parameters, versions and "
        "timings.",
    )
    p.add_argument("params", type=Path, metavar="PARAMS.yaml")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run directory (default: output_dir in the params, else "
        "../outputs/<slug>-<year> beside the params file)",
    )
    _render_args(p)
    _report_parser(sub)
    return parser


def _synth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="data volume relative to the full demo (default 1.0)",
    )
    p.add_argument("--seed", type=int, default=20190901, help="random seed (default 20190901)")


def _render_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--renderer",
        choices=("auto", "quarto", "builtin"),
        default="auto",
        help="HTML renderer: Quarto when it is on PATH (auto), or the built-in renderer "
        "that imitates it",
    )
    p.add_argument("--quiet", action="store_true", help="no progress messages")


def _print_summary(inputs) -> None:
    table = inputs.summary()
    print(f"Data quality summary ({inputs.mode} data mode):")
    print(table.to_string(index=False))
    for name, result in inputs.results.items():
        for note in result.notes:
            print(f"  note [{name}]: {note}")
        if result.n_rejected:
            print(
                f"  {name}: {plural(result.n_rejected, 'rejected row')}, e.g. row "
                f"{int(result.rejected['source_row'].iloc[0])}: {result.rejected['reason'].iloc[0]}"
            )


def renderer_sentence(used: str, requested: str) -> str:
    """Which renderer made the HTML, and why."""
    if used == "quarto":
        return "Rendered with Quarto."
    if requested == "builtin":
        return "Rendered with the built-in renderer (--renderer builtin)."
    return "Rendered with the built-in renderer: Quarto is not on PATH (the README says how to install it)."


def _report_built(result, requested: str) -> None:
    print(renderer_sentence(result.renderer, requested))
    print(f"SNA:           {result.run_dir / 'sna' / 'index.html'}")
    print(f"Annual Report: {result.run_dir / 'annual-report' / 'index.html'}")
    print(f"Manifest:      {result.run_dir / 'manifest.json'}")


# Every cmd_* imports the stages it runs only when it runs: `sna --help` takes 0.06 s, not 1.9 s.
def cmd_validate(args) -> int:
    from snalib.inputs.load import load_inputs
    from snalib.params import load_params

    params = load_params(args.params)
    inputs = load_inputs(params)
    _print_summary(inputs)
    print("Parameters and inputs are valid.")
    return EXIT_OK


def cmd_build(args) -> int:
    from snalib.params import load_params
    from snalib.pipeline.build import build

    params = load_params(args.params)
    result = build(params, out=args.out, renderer=args.renderer, progress=not args.quiet)
    _report_built(result, args.renderer)
    return EXIT_OK


def _check_demo_folder(folder: Path) -> None:
    """The synthetic data overwrite files of the same names: only into a new or empty folder,
    or one that holds earlier demo data (its truth.json says so)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder: choose a folder for the demo data")
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    truth = folder / "truth.json"
    try:
        earlier = "generator" in json.loads(truth.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        earlier = False
    if not earlier:
        raise InputError(
            f"{folder} holds files that are not demo data written by sna (no truth.json), and "
            "the demo data would overwrite files of the same names: choose a new or empty folder"
        )


def cmd_demo_data(args) -> int:
    from snalib import synth

    _check_demo_folder(args.dir)
    demo = synth.generate(args.dir, seed=args.seed, scale=args.scale)
    print(f"Wrote the synthetic demo data to {args.dir}")
    print(f"Build it with: sna build {demo.params}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from snalib import synth
    from snalib.params import load_params
    from snalib.pipeline.build import build

    out = (args.out or project_outputs() / "demo").resolve()
    data_dir = out.with_name(out.name + "-input")
    _check_demo_folder(data_dir)
    if not args.quiet:
        print(f"Generating the synthetic demo data in {data_dir} ...", file=sys.stderr)
    demo = synth.generate(data_dir, seed=args.seed, scale=args.scale)
    params = load_params(demo.params)
    result = build(params, out=out, renderer=args.renderer, progress=not args.quiet)
    _report_built(result, args.renderer)
    return EXIT_OK


# --------------------------------------------------------------------------- sna report
# The periodic monitoring report: snalib.pipeline.reports.build_monitoring_report.


def _report_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="a short periodic report, e.g. the board's monitoring report",
        description="Build a short periodic report from PARAMS.yaml. 'monitoring': serious "
        "violence by week, month or quarter with XmR statistical process control charts "
        "(NHS 'Making Data Count' rules) and the latest period against a year earlier. It "
        "validates the inputs, executes notebooks/05-monitoring.ipynb and renders "
        "reports/monitoring into OUT/monitoring/index.html.",
    )
    p.add_argument("kind", choices=("monitoring",), help="the report to build")
    p.add_argument("params", type=Path, metavar="PARAMS.yaml")
    p.add_argument(
        "--period",
        choices=("week", "month", "quarter"),
        default="month",
        help="monitoring period (default month; week needs offence dates, not public data)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run directory (default: the build's run directory with -monitoring-PERIOD)",
    )
    _render_args(p)


def cmd_report(args) -> int:
    from snalib.params import load_params
    from snalib.pipeline.reports import build_monitoring_report

    params = load_params(args.params)
    result = build_monitoring_report(
        params, args.period, out=args.out, renderer=args.renderer, progress=not args.quiet
    )
    print(renderer_sentence(result.renderer, args.renderer))
    print(f"Monitoring report ({args.period}): {result.index}")
    return EXIT_OK


COMMANDS = {
    "validate": cmd_validate,
    "build": cmd_build,
    "demo-data": cmd_demo_data,
    "demo": cmd_demo,
    "report": cmd_report,
}


def _log_path(exc: BaseException) -> Path:
    path = getattr(exc, "sna_log", None)
    if path is None or not Path(path).is_file():
        path = Path(tempfile.gettempdir()) / f"sna-error-{os.getpid()}.log"
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return Path(path)


def _first_line(exc: BaseException) -> str:
    """The first line of an error that says something (never an empty reason)."""
    line = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _notebook_failure(exc: NotebookFailed) -> int:
    where = f"{exc.kept}" if exc.kept else str(_log_path(exc).parent)
    print(
        f"sna: the build failed in {exc}.\nThe log and the failed notebook are kept in "
        f"{where}; the previous run, if any, is unchanged.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _render_failure(exc: RenderError) -> int:
    print(f"sna: {exc}\nThe full log is in {_log_path(exc)}.", file=sys.stderr)
    return EXIT_INTERNAL


def _internal_failure(exc: BaseException) -> int:
    path = _log_path(exc)
    print(
        f"sna: internal error ({_first_line(exc)}).\n"
        f"The full log is in {path}. Please report it with the log.",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _terminated(signum, frame) -> None:
    # SIGTERM (e.g. a scheduler stopping the job) ends a build like Ctrl-C: the previous run
    # stays, the log of the unfinished build is kept, nothing else is left behind.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"sna: {exc.render()}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        kept = getattr(exc, "sna_log", None)
        note = f"; the log is kept in {kept}" if kept else ""
        print(f"sna: interrupted: the previous run, if any, is unchanged{note}", file=sys.stderr)
        return 130
    except NotebookFailed as exc:
        return _notebook_failure(exc)
    except RenderError as exc:
        return _render_failure(exc)
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        return _internal_failure(exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
