"""`make bench`: every figure next to its reference, with the ratio; also written as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from tests.bench.timing import Row

OUT = Path(__file__).with_name("results.json")


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {cpu}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, torch {torch.__version__}")


def print_table(rows: list[Row]) -> None:
    head = f"{'figure':<58} {'value':>10} {'reference':>10} {'ratio':>7}  target"
    print(head)
    print("-" * len(head))
    section = None
    for r in rows:
        if r.section != section:
            section = r.section
            print(f"[{section}]  reference: {r.reference}")
        ref = f"{r.reference_value:.2f}" if r.reference_value is not None else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        mark = "" if r.met is None else (" ✓" if r.met else " ✗ missed")
        print(f"  {r.figure:<56} {r.value:>8.2f}{r.unit:<2} {ref:>10} {ratio:>7}  "
              f"{r.target}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the largest sizes")
    parser.add_argument("--only",
                        help="comma-separated row groups: engine,process,snippet,gui")
    args = parser.parse_args(argv)
    groups = set((args.only or "engine,process,snippet,gui").split(","))
    rows: list[Row] = []
    if "engine" in groups:
        from tests.bench.engine_rows import run_rows

        rows += run_rows(quick=args.quick)
    if "process" in groups:
        from tests.bench.engine_rows import compute_rows
        from tests.bench.startup_rows import startup_rows

        rows += compute_rows()
        rows += startup_rows()
    if "snippet" in groups:
        from tests.bench.snippet_rows import import_rows, process_rows

        rows += import_rows()
        rows += process_rows()
    if "gui" in groups:
        from tests.bench.gui_rows import gui_rows
        from tests.bench.interactive_rows import frame_rows, seed_rows

        rows += seed_rows()
        rows += gui_rows()
        rows += frame_rows()
    print_table(rows)
    OUT.write_text(json.dumps({"machine": machine(), "rows": [r.as_dict() for r in rows]},
                              indent=1))
    print(f"\nmachine: {machine()}\nwritten: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
