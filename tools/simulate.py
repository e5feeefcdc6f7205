"""Run the statistical simulations and write their table into docs/methods.md.

    .venv/bin/python tools/simulate.py            # every topic, 1,000 datasets per scenario
    .venv/bin/python tools/simulate.py --n 200 its did
    .venv/bin/python tools/simulate.py --n 1000 --n-for did=200   # fewer of the slowest

The table goes between the GENERATED markers of section "Simulations" in docs/methods.md,
with the command, the number of simulations and the seed. Exit code 1 when a target fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread: the simulations fit thousands of small models, where threads only contend
# (set before numpy is imported, as tests/conftest.py does).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from snalib.simulations import TOPICS, markdown_table, run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "methods.md"
BEGIN = "<!-- BEGIN GENERATED: simulations -->"
END = "<!-- END GENERATED: simulations -->"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*", default=list(TOPICS))
    parser.add_argument("--n", type=int, default=1000, help="datasets per scenario")
    parser.add_argument(
        "--n-for",
        action="append",
        default=[],
        metavar="TOPIC=N",
        help="datasets per scenario for one topic (repeatable), overriding --n",
    )
    parser.add_argument("--seed", type=int, default=20190901)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit docs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n_for = {}
    for item in args.n_for:
        name, _, value = item.partition("=")
        n_for[name] = int(value)
    rows = run(args.topics, n=args.n, seed=args.seed, n_for=n_for)
    table = markdown_table(rows)
    seconds = time.perf_counter() - started
    print(table)
    print(f"{len(rows)} rows in {seconds:.0f} s")
    if not args.no_write and set(args.topics) == set(TOPICS):
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        command = " ".join(
            ["python tools/simulate.py", f"--n {args.n}"]
            + [f"--n-for {item}" for item in args.n_for]
            + [f"--seed {args.seed}"]
        )
        body = (
            f"Written by `{command}` in {seconds / 60:.0f} minutes; the simulations column "
            f"gives the datasets behind each row.\n\n{table}\n"
        )
        DOC.write_text(f"{head}{BEGIN}\n\n{body}\n{END}{tail}", encoding="utf-8")
        print("updated", DOC.relative_to(ROOT))
    return 0 if all(r.holds for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
