"""Runs the document off the GUI thread, debounced; a stale result never wins.

Each request snapshots the document, so the worker never reads what the user is editing.
Torch is imported by the first run, in the worker, after the window has been painted.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from engine.document import DocEvent, Document
from engine.trace import Run

# A graph this small whose last run took under SYNC_MAX_MS runs on the GUI thread with no
# debounce: typing a seed then redraws within one frame (the thread hop + debounce cost more
# than the run itself). Anything bigger or slower keeps going to the worker.
SYNC_MAX_NODES = 24
SYNC_MAX_MS = 6.0


class RunController(QObject):
    finished = Signal(object)  # the newest Run
    busy = Signal(bool)
    _delivered = Signal(object, int)

    def __init__(self, doc: Document, delay_ms: int = 10) -> None:
        super().__init__()
        self.doc = doc
        self.last: Run | None = None
        self.last_cost_ms = float("inf")  # wall time of the last run job
        self._delay_ms = delay_ms
        self._generation = 0
        self._pending = 0
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradflow-run")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self._delivered.connect(self._on_delivered)
        doc.subscribe(self._on_doc_event)

    def _on_doc_event(self, event: DocEvent) -> None:
        if event.kind == "node_changed" and event.fields == ("position",):
            return  # moving a node changes no number
        if event.kind == "reset":
            return  # the window's reset order calls forget()
        self.request()

    def forget(self) -> None:
        """The document was replaced: drop the last run and any run still on its way (its
        generation is now stale, so it never wins), then run the new document."""
        self._generation += 1
        self.last = None
        self.request()

    def fast_enough(self) -> bool:
        """Small and quick last time (so torch is loaded): run in this thread, now."""
        return (self.last is not None and len(self.doc) <= SYNC_MAX_NODES
                and self.last_cost_ms <= SYNC_MAX_MS)

    def request(self) -> None:
        # 0 ms still coalesces the several events of one edit into one run
        self._timer.start(0 if self.fast_enough() else self._delay_ms)

    def run_now(self) -> None:
        self._timer.stop()
        if self._closed:
            return  # a timer that fired after the window closed: nothing to show it on
        self._generation += 1
        generation = self._generation
        snapshot = self.doc.clone()
        previous = self.last if self.doc.options.accumulate else None
        self._pending += 1
        self.busy.emit(True)
        if self.fast_enough():
            self._on_delivered(self._compute(snapshot, previous), generation)
        else:
            self._pool.submit(self._work, snapshot, previous, generation)

    def _work(self, snapshot: Document, previous: Run | None, generation: int) -> None:
        self._delivered.emit(self._compute(snapshot, previous), generation)

    def _compute(self, snapshot: Document, previous: Run | None) -> Run:
        from engine.jacobian import analyse
        from engine.run import run

        start = time.perf_counter()
        try:
            result = run(snapshot, previous)
            analyse(snapshot, result)  # ghost bars and J: a second backward, in the run job
        except Exception as exc:  # a bug, not a torch error: show it rather than hang
            from engine.trace import RunError

            result = Run(error=RunError(type(exc).__name__, str(exc), None, "forward"))
        self.last_cost_ms = (time.perf_counter() - start) * 1000
        return result

    def _on_delivered(self, result: Run, generation: int) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy.emit(False)
        if generation != self._generation:
            return  # a newer request is on its way
        self.last = result
        self.finished.emit(result)

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
