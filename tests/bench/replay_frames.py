"""How long a replay frame takes on a ~1000-node graph (not part of `make test`).

    QT_QPA_PLATFORM=offscreen python -m tests.bench.replay_frames

A frame is: advance the step (redraw the items it changed) or move the pulse, then repaint
the canvas viewport synchronously — once at 1:1 zoom, once with the whole graph visible.
Targets: < 8 ms at 1:1, < 33 ms with everything visible.
"""

from __future__ import annotations

import statistics
import sys
import time

from engine.document import Document

LANES, LENGTH = 25, 40


def big_document(lanes: int = LANES, length: int = LENGTH) -> Document:
    """Lanes of ops, lanes feeding each other (fan-out), summed into one output."""
    doc = Document()
    previous_lane: list[str] = []
    lasts = []
    for lane in range(lanes):
        x = doc.add_node("leaf", f"x{lane}", value=[0.1 * lane, 0.2, -0.3],
                         position=(0.0, lane * 150.0))
        ids = [x.id]
        for j in range(1, length):
            pos = (j * 240.0, lane * 150.0)
            if previous_lane and j % 4 == 0:
                node = doc.add_node("mul", position=pos)
                doc.add_edge(ids[-1], node.id, "input")
                doc.add_edge(previous_lane[j - 1], node.id, "other")
            else:
                node = doc.add_node(("sin", "tanh", "sigmoid")[j % 3], position=pos)
                doc.add_edge(ids[-1], node.id, "input")
            ids.append(node.id)
        previous_lane = ids
        lasts.append(ids[-1])
    total = lasts[0]
    for i, last in enumerate(lasts[1:]):
        node = doc.add_node("add", position=(length * 240.0, i * 150.0))
        doc.add_edge(total, node.id, "input")
        doc.add_edge(last, node.id, "other")
        total = node.id
    out = doc.add_node("sum", "loss", is_output=True, position=((length + 1) * 240.0, 0.0))
    doc.add_edge(total, out.id, "input")
    return doc


def _ms(f) -> float:  # noqa: ANN001
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def measure() -> dict[str, float]:
    return measure_frames(LANES, LENGTH)


def measure_frames(lanes: int, length: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from engine.run import run
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    doc = big_document(lanes, length)
    window = MainWindow(doc)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    result: dict[str, float] = {"nodes": float(len(doc))}
    t = time.perf_counter()
    the_run = run(doc)
    result["engine run (ms)"] = (time.perf_counter() - t) * 1000
    result["events"] = float(len(the_run.events))
    window.runner.shutdown()
    window.show_run(the_run)
    animator = window.replay
    animator.set_run(the_run)
    result["enter replay (ms)"] = _ms(lambda: animator.go_to(0))
    view, port = window.view, window.view.viewport()
    n = animator.steps()
    steps = range(0, n - 1, max(1, n // 200))
    for label, fit in (("1:1", False), ("all visible", True)):
        view.resetTransform()
        if fit:
            view.fitInView(window.scene.itemsBoundingRect())
        step_times: list[float] = []
        pulse_times: list[float] = []
        full_times: list[float] = []
        for k in steps:
            animator.go_to(k)
            event = animator.replay.events[k]
            node = event.edge.source if event.edge else event.node_id
            if not fit and node in window.scene.nodes:
                view.centerOn(window.scene.nodes[node])
            app.processEvents()
            # what the app does: change the items, let Qt repaint the dirty region
            step_times.append(_ms(lambda k=k: (animator.go_to(k + 1), app.processEvents())))
            pulse_times.append(_ms(lambda e=event: (animator.overlay.move_pulse(e, 0.5),
                                                    app.processEvents())))
            full_times.append(_ms(port.repaint))  # worst case: the whole viewport
        result[f"step frame {label} median (ms)"] = statistics.median(step_times)
        result[f"step frame {label} p95 (ms)"] = _p95(step_times)
        result[f"pulse frame {label} median (ms)"] = statistics.median(pulse_times)
        result[f"pulse frame {label} p95 (ms)"] = _p95(pulse_times)
        result[f"full repaint {label} median (ms)"] = statistics.median(full_times)
    window.close()
    return result


if __name__ == "__main__":
    for key, value in measure().items():
        print(f"{key:34} {value:9.1f}")
