"""Benchmark: ingest a crimes file of 10 million rows within 4 GB of memory.

Issue 9, deliverable 10. The script

1. writes a synthetic area (:func:`snalib.synth.generate`, tiny scale) and replaces its
   ``crimes.csv`` with ``--rows`` rows in the canonical format, drawn (vectorised, seeded)
   from the synthetic crimes with new unique ``crime_id`` values;
2. runs the real ingest, :func:`snalib.inputs.load.load_inputs` (what ``sna validate``
   and ``sna build`` run), on crimes, areas and population, in a fresh Python process,
   and records its wall time and peak resident memory (``ru_maxrss``);
3. runs a bare pyarrow read of the same file computing the monthly crime counts, in
   another fresh process, as the floor to compare against;
4. checks that both give the same monthly counts, and writes the numbers and the
   machine to ``bench/results.md`` (with ``--write``).

Usage (from the repository root; it takes minutes and about 2 GB of disk)::

    .venv/bin/python bench/ingest.py --rows 10000000 --write

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

ROOT = Path(__file__).resolve().parents[1]
LIMIT_GB = 4.0

# Run in a child process, so that its peak memory is the ingest's alone.
_INGEST = """
import json, resource, sys, time
from snalib.inputs.load import load_inputs
from snalib.params import load_params
started = time.perf_counter()
inputs = load_inputs(load_params(sys.argv[1]))
seconds = time.perf_counter() - started
crimes = inputs.results["crimes"]
months = crimes.data["offence_date"].dt.strftime("%Y-%m").value_counts().sort_index()
print(json.dumps({
    "seconds": seconds,
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "summary": {k: v for k, v in crimes.summary().items() if k in
                ("rows_in", "included", "excluded", "rejected")},
    "months": {str(k): int(v) for k, v in months.items()},
}))
"""

_BARE = """
import json, resource, sys, time
import pyarrow as pa, pyarrow.compute as pc, pyarrow.csv as pacsv
started = time.perf_counter()
table = pacsv.read_csv(
    sys.argv[1],
    convert_options=pacsv.ConvertOptions(
        include_columns=["offence_date"], column_types={"offence_date": pa.string()}
    ),
)
month = pc.utf8_slice_codeunits(table["offence_date"], 0, 7)
counts = pc.value_counts(month)
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "months": {c["values"]: int(c["counts"]) for c in counts.to_pylist()},
}))
"""


def write_crimes(template: Path, out: Path, rows: int, seed: int = 20191) -> None:
    """``rows`` canonical crimes drawn from ``template``'s rows, with unique crime ids."""
    source = pacsv.read_csv(
        template,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(
                pacsv.read_csv(template).column_names, pa.string()
            ),  # every column as written
            strings_can_be_null=False,
        ),
    )
    rng = np.random.default_rng(seed)
    batch = 1_000_000
    with pacsv.CSVWriter(
        out, source.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
    ) as writer:
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            chunk = source.take(pa.array(rng.integers(0, source.num_rows, n)))
            ids = pc.binary_join_element_wise(
                "BN",
                pc.utf8_lpad(
                    pc.cast(pa.array(np.arange(start + 1, start + n + 1)), pa.string()), 10, "0"
                ),
                "",
            )
            chunk = chunk.set_column(0, "crime_id", ids)
            writer.write_table(chunk)


def _child(code: str, arg: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, str(arg)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024**2:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    import pandas

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "pyarrow": pa.__version__,
    }


def run(rows: int, folder: Path) -> dict:
    from snalib import synth

    demo = synth.generate(folder, scale=0.01, n_lsoas=24)
    params = yaml.safe_load(demo.params.read_text(encoding="utf-8"))
    params["sources"] = {k: params["sources"][k] for k in ("crimes", "areas", "population")}
    bench_params = folder / "bench-params.yaml"
    bench_params.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    crimes = folder / "crimes.csv"
    template = folder / "template.csv"
    crimes.rename(template)
    started = time.perf_counter()
    write_crimes(template, crimes, rows)
    generate_seconds = time.perf_counter() - started
    ingest = _child(_INGEST, bench_params)
    bare = _child(_BARE, crimes)
    window = {m: n for m, n in bare["months"].items() if m in ingest["months"]}
    return {
        "rows": rows,
        "file_bytes": crimes.stat().st_size,
        "generate_seconds": round(generate_seconds, 1),
        "ingest": {k: v for k, v in ingest.items() if k != "months"},
        "bare_pyarrow": {k: v for k, v in bare.items() if k != "months"},
        "monthly_counts_agree": window == ingest["months"],
        "machine": machine(),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def as_markdown(r: dict) -> str:
    gb = 1024**2
    ing, bare, m = r["ingest"], r["bare_pyarrow"], r["machine"]
    verdict = "within" if ing["peak_rss_kb"] / gb <= LIMIT_GB else "ABOVE"
    return f"""# Ingest benchmark (issue 9, deliverable 10)

Written by `bench/ingest.py --rows {r["rows"]} --write` on {r["when"]}.

| | rows | wall time | peak memory (RSS) |
|---|---:|---:|---:|
| `load_inputs` (crimes, areas, population): what `sna validate` runs | {r["rows"]:,} | {ing["seconds"]:.1f} s | {ing["peak_rss_kb"] / gb:.2f} GB |
| bare pyarrow read of `offence_date`, monthly counts | {r["rows"]:,} | {bare["seconds"]:.1f} s | {bare["peak_rss_kb"] / gb:.2f} GB |

- Crimes file: {r["rows"]:,} rows in the canonical format, {r["file_bytes"] / 1024**3:.2f} GB
  (generated in {r["generate_seconds"]} s, not counted).
- Ingest summary: {ing["summary"]}.
- Monthly counts of the ingest and of the bare read agree: {r["monthly_counts_agree"]}.
- Peak memory of the ingest is **{verdict}** the {LIMIT_GB:.0f} GB target.

The bare read parses one column with several threads and types nothing; the ingest reads
every column serially (so that the row number of a malformed record is known), checks
every cell against the contract, the offence codes and the analysis window, and keeps
the typed table.

Machine: {m["cpu"]}, {m["cores"]} cores, {m["memory"]} memory; {m["system"]}; Python
{m["python"]}, pandas {m["pandas"]}, pyarrow {m["pyarrow"]}. Other programs were running on
the machine (shared by several jobs), so times are indicative.
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--write", action="store_true", help="write bench/results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.rows, Path(tmp) / "input")
    print(json.dumps(result, indent=2))
    if args.write:
        (ROOT / "bench" / "results.md").write_text(as_markdown(result), encoding="utf-8")


if __name__ == "__main__":
    main()
