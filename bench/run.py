"""Benchmark harness: time `sna build` stage by stage on synthetic data of a given size.

Targets are measured here, not by timed tests. Usage (from the repository root):

    .venv/bin/python bench/run.py --scale 1.0 --repeat 1

writes ``bench/results/<timestamp>-scale<scale>.json`` (ignored by git) with the stage
timings of each repeat, the data sizes and the machine, and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from snalib import __version__, synth
from snalib.params import load_params
from snalib.pipeline.build import build

ROOT = Path(__file__).resolve().parents[1]


def run_once(scale: float, renderer: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        demo = synth.generate(Path(tmp) / "input", scale=scale)
        generate_seconds = time.perf_counter() - started
        params = load_params(demo.params)
        started = time.perf_counter()
        result = build(params, out=Path(tmp) / "run", renderer=renderer, progress=False)
        total = time.perf_counter() - started
        rows = {name: r.rows_in for name, r in result.inputs.results.items()}
    return {
        "generate_seconds": round(generate_seconds, 3),
        "build_seconds": round(total, 3),
        "stages": result.stages,
        "rows_in": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="synthetic data scale (1.0 = full demo)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="number of builds to time")
    parser.add_argument("--renderer", default="builtin", choices=("builtin", "quarto", "auto"))
    args = parser.parse_args()
    runs = [run_once(args.scale, args.renderer) for _ in range(args.repeat)]
    report = {
        "sna_version": __version__,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "scale": args.scale,
        "runs": runs,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = out / f"{stamp}-scale{args.scale:g}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    builds = [r["build_seconds"] for r in runs]
    print(
        f"scale {args.scale:g}: build median {statistics.median(builds):.1f}s over {len(builds)} run(s)"
    )
    for stage in runs[-1]["stages"]:
        print(f"  {stage['stage']:<40} {stage['seconds']:>7.2f}s")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
