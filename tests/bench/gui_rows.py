"""GUI rows, in this process, offscreen: 4 open+layout+first frame against torchviz."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.graphs import dag_document
from tests.bench.timing import Row


def _app():  # noqa: ANN202
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def open_layout_paint_ms(text: str) -> float:
    from engine.fileformat import loads
    from engine.layout import apply_layout
    from gui.main_window import MainWindow

    app = _app()
    start = time.perf_counter()
    doc = loads(text)
    apply_layout(doc)
    window = MainWindow(doc)
    window.show()
    window.view.fit_all()
    window.grab()  # paints every widget once, the canvas included
    elapsed = (time.perf_counter() - start) * 1000
    window.runner.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    return elapsed


def torchviz_ms(n_ops: int) -> float | None:
    try:
        import torch
        from torchviz import make_dot
    except ImportError:
        print("torchviz is not installed: `make bench` installs it", file=sys.stderr)
        return None
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * n_ops))  # it recurses per level
    x = torch.full((2,), 0.5, requires_grad=True)
    w = torch.full((2,), 0.25, requires_grad=True)
    nodes = [x, w]
    for i in range(n_ops):
        nodes.append(torch.add(nodes[-1], nodes[-2]) if i % 3 == 2
                     else getattr(torch, ("sin", "tanh", "cos")[i % 3])(nodes[-1]))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        make_dot(nodes[-1], params={"x": x, "w": w}).render(str(Path(tmp) / "g"), format="png")
        return (time.perf_counter() - start) * 1000


def gui_rows() -> list[Row]:
    from engine.fileformat import dumps

    text = dumps(dag_document(1000, 2))
    ours = statistics.median(open_layout_paint_ms(text) for _ in range(3))
    ref = [t for t in (torchviz_ms(1000) for _ in range(3)) if t is not None]
    row = Row("4 open 1000-node graph", "load + layout + first painted frame", ours,
              "torchviz make_dot(...).render(png)", statistics.median(ref) if ref else None,
              target="≤ 0.7×")
    row.met = None if row.ratio is None else row.ratio <= 0.7
    return [row]
