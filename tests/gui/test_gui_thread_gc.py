"""Python's cyclic collector runs on the GUI thread only (gui/gui_thread_gc.py): a collection
started in the run worker finalized a closed window there and Qt crashed, later, in the GUI
thread (a segfault in the middle of the suite)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from gui.runner import RunController
from tests.bench.graphs import dag_document


@pytest.fixture
def collections_by_thread():
    threads: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(note)
    yield threads
    gc.callbacks.remove(note)


def test_no_collection_starts_in_a_worker_while_runs_go_off_the_gui_thread(
        qtbot, monkeypatch, collections_by_thread):
    from gui.main_window import MainWindow

    # every run in the worker, on a graph whose runs make tens of thousands of objects
    monkeypatch.setattr(RunController, "fast_enough", lambda self: False)
    window = MainWindow(dag_document(200, 4, layout=True))
    qtbot.addWidget(window)
    window.show()
    for _ in range(6):
        with qtbot.waitSignal(window.runner.finished, timeout=30_000):
            window.runner.run_now()
    run_threads = [t for t in collections_by_thread if t.startswith("gradflow-run")]
    assert run_threads == []
    # the runs' garbage is collected all the same, on the GUI thread's timer
    qtbot.wait(600)
    assert set(collections_by_thread) <= {threading.main_thread().name}
    window.discard_quietly()


def test_the_gui_thread_collects_the_cycles_a_session_leaves(qtbot, window):
    assert not gc.isenabled()  # Python's own, thread-blind, collection is off

    class Cycle:
        pass

    first = Cycle()
    first.me = first  # type: ignore[attr-defined]
    gone = weakref.ref(first)
    del first
    for _ in range(5000):  # past the youngest generation's threshold
        cycle = Cycle()
        cycle.me = cycle  # type: ignore[attr-defined]
    del cycle
    qtbot.waitUntil(lambda: gone() is None, timeout=5000)
