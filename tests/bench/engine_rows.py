"""Rows 1 and 2: the engine against plain torch, in one process / as whole processes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.run import FULL, GRADS, run
from tests.bench.graphs import chain_document, dag_document, plain_chain, plain_dag
from tests.bench.timing import Row, median_ms, repeats_for

SIZES = (10, 100, 1000)
ELEMENTS = (2, 1000, 1_000_000)


# the section of each run level: FULL records every event (the replay), GRADS only the
# numbers cards and chart show (what a seed edit runs)
LEVELS = ((FULL, "1 engine run with full trace"), (GRADS, "1b engine run, grads level"))


def run_rows(quick: bool = False) -> list[Row]:
    rows = []
    for level, section in LEVELS:
        for kind, make_doc, make_plain in (("chain", chain_document, plain_chain),
                                           ("DAG", dag_document, plain_dag)):
            for n in SIZES:
                for e in ELEMENTS:
                    if quick and n * e > 1e6:
                        continue
                    doc = make_doc(n, e)
                    reps = repeats_for(n, e)
                    engine_ms = median_ms(lambda d=doc, lv=level: run(d, level=lv), reps)
                    plain_ms = median_ms(make_plain(n, e), reps)
                    row = Row(section, f"{kind} {n} ops × {e:g} elements", engine_ms,
                              "plain torch fwd+backward(gradient=v), no hooks", plain_ms,
                              target="≤ 2× at 1000 ops" if n == 1000 else "")
                    if n == 1000:
                        row.met = (row.ratio or 0) <= 2.0
                    rows.append(row)
    return rows


SNIPPET = '''import torch

x = torch.tensor([2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0], requires_grad=True)
y = torch.tanh(x * w) + x ** 2
loss = y
loss.backward(gradient=torch.tensor([1.0, 0.5]))
print(x.grad, w.grad)
'''


def _process_ms(cmd: list[str], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def compute_rows() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snippet.py"
        path.write_text(SNIPPET)
        gradflow = str(Path(sys.executable).with_name("gradflow"))
        try:
            ours = _process_ms([gradflow, "compute", str(path), "--json"])
        except subprocess.CalledProcessError as exc:
            print(f"gradflow compute failed: {exc.stderr.decode()[-300:]}", file=sys.stderr)
            return []
        plain = _process_ms([sys.executable, str(path)])
    row = Row("2 whole process", "gradflow compute snippet.py", ours, "python snippet.py",
              plain, target="≤ 1.3×")
    row.met = (row.ratio or 0) <= 1.3
    return [row]
