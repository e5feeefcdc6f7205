"""``python -m snalib.synth OUT_DIR``: write the synthetic Northshire dataset."""

from __future__ import annotations

import argparse
import time

from snalib.synth import DEFAULT_SEED, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snalib.synth",
        description="Write the seeded synthetic Northshire dataset, params.yaml and truth.json.",
    )
    parser.add_argument("out_dir", help="folder to write to")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier")
    parser.add_argument("--first-fy", type=int, default=2015, help="first FY start year")
    parser.add_argument("--last-fy", type=int, default=2021, help="last FY start year")
    parser.add_argument("--n-lsoas", type=int, default=600)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    demo = generate(
        args.out_dir,
        seed=args.seed,
        scale=args.scale,
        first_fy=args.first_fy,
        last_fy=args.last_fy,
        n_lsoas=args.n_lsoas,
    )
    print(
        f"wrote {len(demo.files)} files to {demo.out_dir} in {time.perf_counter() - started:.1f} s"
    )
    print(f"params: {demo.params}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
