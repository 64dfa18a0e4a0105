"""Snippet import (issue 15): reading an n-statement snippet into a document, and
`gradflow compute snippet.py` against `python snippet.py` as whole processes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.timing import Row, median_ms

IMPORT_SIZES = (100, 400, 1000)
PROCESS_SIZES = (400, 1000)
_STEPS = ("h = torch.tanh(h * w) + x", "h = h * 0.5 + torch.sin(h)", "h = (h - w) / 2.0",
          "h = torch.exp(-h * h) * x", "h = torch.sigmoid(h) @ m")


def snippet(n: int) -> str:
    """n statements of one op or more each (a learner's long chain), then backward."""
    lines = ["import torch", "torch.manual_seed(0)",
             "x = torch.rand(4, requires_grad=True)",
             "w = torch.rand(4, requires_grad=True)",
             "m = torch.eye(4) * 0.9",
             "h = x"]
    lines += [_STEPS[i % len(_STEPS)] for i in range(n)]
    lines += ["loss = h.sum()", "loss.backward()", "print(x.grad, w.grad)"]
    return "\n".join(lines) + "\n"


def _process_ms(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def import_rows() -> list[Row]:
    """In one process: import_snippet (read + layout) against exec of the same snippet by
    plain torch (the forward and the backward it makes)."""
    from engine.snippets.reader import import_snippet

    rows = []
    for n in IMPORT_SIZES:
        code = snippet(n)
        compiled = compile(code, "snippet.py", "exec")  # the bench's own code, trusted
        reps = 5 if n <= 400 else 3
        ours = median_ms(lambda c=code: import_snippet(c), reps)
        plain = median_ms(lambda c=compiled: exec(c, {"print": lambda *a: None}), reps)
        rows.append(Row("8 snippet import", f"{n} statements: read into a document", ours,
                        "python running the snippet in-process", plain))
    return rows


def process_rows(repeats: int = 3) -> list[Row]:
    rows = []
    gradflow = str(Path(sys.executable).with_name("gradflow"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in PROCESS_SIZES:
            path = Path(tmp) / f"snippet_{n}.py"
            path.write_text(snippet(n))
            try:
                ours = _process_ms([gradflow, "compute", str(path), "--json"], repeats)
            except subprocess.CalledProcessError as exc:
                print(f"gradflow compute failed: {exc.stderr.decode()[-300:]}", file=sys.stderr)
                continue
            plain = _process_ms([sys.executable, str(path)], repeats)
            row = Row("2 whole process", f"gradflow compute snippet.py, {n} statements", ours,
                      "python snippet.py", plain, target="≤ 1.3×")
            row.met = (row.ratio or 0) <= 1.3
            rows.append(row)
    return rows
