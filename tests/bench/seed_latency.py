"""Time from typing into a seed cell to the chart showing the new bars (Example 3).

Run: QT_QPA_PLATFORM=offscreen python -m tests.bench.seed_latency
"""

from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication


def main(repeats: int = 40) -> None:
    app = QApplication.instance() or QApplication([])
    from engine.examples import example_path
    from engine.fileformat import load
    from gui.main_window import MainWindow

    window = MainWindow(load(example_path()))
    window.show()
    loop = QEventLoop()
    window.runner.finished.connect(lambda _run: loop.quit())
    window.runner.run_now()
    loop.exec()
    cell = next(iter(window.seed_form.blocks.values())).cells[1]
    times = []
    for i in range(repeats):
        done = QEventLoop()
        window.runner.finished.connect(lambda _run, d=done: QTimer.singleShot(0, d.quit))
        start = time.perf_counter()
        cell.setText(str(0.01 * (i + 1)))
        cell.textEdited.emit(cell.text())
        done.exec()
        app.processEvents()  # the repaint of chart, labels and lens
        times.append((time.perf_counter() - start) * 1000)
        window.runner.finished.disconnect()
        window.runner.finished.connect(window.show_run)
    expected = 6 * 0.01 * repeats  # J = diag(4, 6)
    assert abs(window.chart.heights[1] - expected) < 1e-4, window.chart.heights
    print(f"seed edit → bars updated (Example 3): median {statistics.median(times):.1f} ms, "
          f"p90 {sorted(times)[int(0.9 * len(times))]:.1f} ms, max {max(times):.1f} ms")
    window.runner.shutdown()


if __name__ == "__main__":
    main()
