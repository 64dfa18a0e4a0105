"""Rows 3 and 5, in this process, offscreen: a seed edit until bars and labels are redrawn,
and replay frames on large graphs."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

from engine.document import Document
from tests.bench.graphs import dag_document
from tests.bench.timing import Row, median_ms

FRAME_60HZ = 1000 / 60


def _app():  # noqa: ANN202
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def _window(doc: Document):  # noqa: ANN202
    from gui.main_window import MainWindow

    app = _app()
    window = MainWindow(doc)
    window.show()
    window.runner.run_now()
    deadline = time.time() + 60
    while window.runner.last is None and time.time() < deadline:
        app.processEvents()
    app.processEvents()
    return app, window


def seed_edit_ms(doc: Document, repeats: int = 30) -> float:
    """A seed edit as the form makes it (one undo command); stop when the run has been
    shown and painted."""
    from engine.literal import shape_of
    from gui.canvas.commands import UpdateNodeCommand, push

    app, window = _window(doc)
    out = window.doc.outputs()[0]
    shape = tuple(window.runner.last.values[out.id].shape)
    shown = []
    window.runner.finished.connect(lambda _run: shown.append(True))  # after show_run
    times = []
    for i in range(repeats):
        shown.clear()
        value = 0.5 + 0.01 * i
        seed = value if not shape else _filled(shape, value)
        assert shape_of(seed) == shape
        start = time.perf_counter()
        push(window.undo_stack, UpdateNodeCommand(window.doc, out.id, "Set seed", seed=seed))
        deadline = time.time() + 30
        while not shown and time.time() < deadline:
            app.processEvents()
        app.processEvents()  # the repaint of bars and node labels
        times.append((time.perf_counter() - start) * 1000)
    window.runner.shutdown()
    window.file_actions.tracker.mark_clean()  # nothing to save: close without asking
    window.close()
    return statistics.median(times)


def _filled(shape: tuple[int, ...], value: float) -> list:
    if len(shape) == 1:
        return [value] * shape[0]
    return [_filled(shape[1:], value) for _ in range(shape[0])]


def plain_torch_ms(doc: Document) -> float:
    """The same graph as a plain-torch forward + backward(gradient=v), no hooks."""
    import torch

    from engine.ops import is_source
    from tests.engine.test_random_dags import forward  # evaluates a document with torch

    sources = [n for n in doc.nodes() if is_source(n.op)]
    out = doc.outputs()[0]

    def go() -> None:
        values = forward(doc, {n.id: torch.tensor(n.value, requires_grad=n.op == "leaf")
                               for n in sources})
        values[out.id].backward(torch.tensor(out.seed) if out.seed is not None else None)
    return median_ms(go, 30)


def seed_rows() -> list[Row]:
    from engine.examples import example_path
    from engine.fileformat import load

    rows = []
    # (label, document, target ms or None)
    cases: list[tuple[str, Callable[[], Document], float | None]] = [
        ("Example 1 (3 nodes, scalar)", lambda: load(example_path("seed_1_scalar_loss")), 16),
        ("Example 3 (2 nodes)", lambda: load(example_path()), 16),
        # laid out, as a graph is on screen; the window at its first-start size, 1:1
        ("50-node DAG", lambda: dag_document(50, 2, layout=True), None),
        ("200-node DAG", lambda: dag_document(200, 2, layout=True), 33),
        ("1000-node DAG", lambda: dag_document(1000, 2, layout=True), None),
        # the same 200 nodes with every card at one point: all 200 cards repainted
        ("200-node DAG, all cards stacked", lambda: dag_document(200, 2), None),
    ]
    for label, make, target in cases:
        ours = seed_edit_ms(make())
        row = Row("3 seed edit → bars + labels redrawn", label, ours,
                  "plain torch fwd+backward of the same graph", plain_torch_ms(make()),
                  target=f"≤ {target:g} ms" if target else "")
        if target:
            row.met = ours <= target
        rows.append(row)
    return rows


def frame_rows() -> list[Row]:
    from tests.bench.replay_frames import measure_frames

    rows = []
    for lanes, length in ((5, 20), (25, 40)):
        figures = measure_frames(lanes, length)
        nodes = int(figures["nodes"])
        floor = bare_scene_frame_ms(nodes)
        for zoom, target in (("1:1", 8.0), ("all visible", 33.0)):
            value = figures[f"step frame {zoom} median (ms)"]
            row = Row("5 replay frame (step + repaint)", f"{nodes} nodes, {zoom}", value,
                      f"bare QGraphicsScene repaint, same node count, {zoom}",
                      floor[zoom], target=f"≤ {target:g} ms" if nodes >= 1000 else "")
            if nodes >= 1000:
                row.met = value <= target
            rows.append(row)
    return rows


def bare_scene_frame_ms(nodes: int) -> dict[str, float]:
    """The floor: a scene with one rect and three short texts per node, repainted."""
    from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

    app = _app()
    scene = QGraphicsScene()
    for i in range(nodes):
        x, y = (i % 40) * 240.0, (i // 40) * 150.0
        scene.addRect(x, y, 190, 80)
        for j, text in enumerate(("name  op", "shape 3", "= [0.1, 0.2, 0.3]")):
            scene.addSimpleText(text).setPos(x + 8, y + 4 + 18 * j)
    view = QGraphicsView(scene)
    view.resize(1200, 700)
    view.show()
    app.processEvents()
    out = {}
    view.resetTransform()
    view.centerOn(0, 0)
    out["1:1"] = median_ms(view.viewport().repaint, 20)
    view.fitInView(scene.itemsBoundingRect())
    out["all visible"] = median_ms(view.viewport().repaint, 20)
    view.close()
    return out
