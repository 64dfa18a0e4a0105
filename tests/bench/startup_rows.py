"""Row 6 (cold start to first paint) and row 7 (peak memory), as whole processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.timing import Row

ROOT = Path(__file__).resolve().parents[2]

FLOOR = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1280, 760)
class Watcher(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True); obj.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False
watcher = Watcher(); w.installEventFilter(watcher); w.show(); app.exec()
"""

PEAK = """
import resource, sys, json
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from engine.fileformat import load
from gui.main_window import MainWindow
w = MainWindow(load(sys.argv[1])); w.show()
w.runner.run_now()
deadline = __import__("time").time() + 120
while w.runner.last is None and __import__("time").time() < deadline:
    app.processEvents()
w.view.fit_all(); w.grab()
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
w.runner.shutdown()
"""


def _until_painted(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=ROOT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "painted":
            elapsed = (time.perf_counter() - start) * 1000
            break
    else:
        raise RuntimeError(f"{cmd} never painted")
    proc.wait(timeout=60)
    return elapsed


def startup_rows(repeats: int = 5) -> list[Row]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRADFLOW_REPORT_FIRST_PAINT": "1"}
    gradflow = str(Path(sys.executable).with_name("gradflow"))
    ours = sorted(_until_painted([gradflow], env) for _ in range(repeats))[repeats // 2]
    floor = sorted(_until_painted([sys.executable, "-c", FLOOR], env)
                   for _ in range(repeats))[repeats // 2]
    start = Row("6 cold start", "gradflow → first painted window (Example 3)", ours,
                "PySide6 + pyqtgraph empty window", floor, target="≤ 1.5×")
    start.met = (start.ratio or 0) <= 1.5
    return [start, peak_memory_row(env)]


def peak_memory_row(env: dict[str, str]) -> Row:
    from engine.fileformat import save
    from tests.bench.graphs import dag_document

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dag1000.json"
        save(dag_document(1000, 2, layout=True), path)
        done = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=300, check=True)
        ours = json.loads(done.stdout.strip().splitlines()[-1])
        floor_cmd = FLOOR.replace('print("painted", flush=True)',
                                  'import resource; print(resource.getrusage('
                                  'resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)')
        floor = subprocess.run([sys.executable, "-c", floor_cmd], capture_output=True,
                               text=True, env=env, cwd=ROOT, timeout=300, check=True)
        floor_mb = float(floor.stdout.strip().splitlines()[-1])
    return Row("7 peak memory", "app with a 1000-node graph, run + painted", ours,
               "PySide6 + pyqtgraph empty window", floor_mb, unit="MB")
