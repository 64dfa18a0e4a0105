"""Runs the document off the GUI thread, debounced; a stale result never wins.

Each request snapshots the document, so the worker never reads what the user is editing.
Torch is imported by the first run, in the worker, after the window has been painted.

Two levels (engine.run): an edit of seeds only runs the GRADS level, the numbers cards and
chart show; every other run is FULL, with the trace the replay plays. The FULL level of a
GRADS run is computed later, for the same snapshot, when the replay asks for it
(`request_trace`, `trace_now`), and only the newest run's trace is ever emitted (`traced`).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from engine.document import DocEvent, Document
from engine.trace import Run, RunError

# A graph whose last run job took under SYNC_MAX_MS of CPU runs on the GUI thread with no debounce:
# typing a seed then redraws within one frame (the thread hop, the debounce and the worker
# sharing the interpreter with the GUI thread cost more than the run itself; a seed edit of
# a 200-node graph is a few ms at the GRADS level). Anything slower goes to the worker, so
# the GUI thread never waits long for a run.
SYNC_MAX_NODES = 1000
SYNC_MAX_MS = 12.0
# A trace asked for while seeds are being typed waits for a pause this long: the cards keep
# up with every keystroke, the replay with the last one.
TRACE_DELAY_MS = 150
# What an edit of seeds changes: neither J nor the ghost bars (the all-ones seed) depend on it.
_SEED_FIELDS = {"seed", "seed_enabled", "seeds"}


class RunController(QObject):
    finished = Signal(object)  # the newest Run (GRADS after a seed edit, else FULL)
    traced = Signal(object)  # the newest Run at the FULL level, when it was asked for
    busy = Signal(bool)
    _delivered = Signal(object, int, int)  # run, generation, structure
    _trace_delivered = Signal(object, int)

    def __init__(self, doc: Document, delay_ms: int = 10) -> None:
        super().__init__()
        self.doc = doc
        self.last: Run | None = None
        self.last_cost_ms = float("inf")  # CPU time of the last run job
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
        self._trace_delivered.connect(self._on_trace_delivered)
        # None: no edit since the last run; True: only seeds were edited since
        self._seeds_only: bool | None = None
        # bumped by every edit that can change J or the ghost bars; a run remembers its own
        self._structure = 0
        self._last_structure = -1
        # the newest request's snapshot and previous run: its FULL level is made from these
        self._job: tuple[Document, Run | None, int] | None = None
        self._trace_future: Future[None] | None = None
        self._trace_timer = QTimer(self)
        self._trace_timer.setSingleShot(True)
        self._trace_timer.setInterval(TRACE_DELAY_MS)
        self._trace_timer.timeout.connect(self._start_trace)
        # torch's error at a line of the imported snippet (its statements before that line
        # are the document): every run of this document reports it, as `gradflow compute`
        self.snippet_error: RunError | None = None
        doc.subscribe(self._on_doc_event)

    def carry(self, error: RunError) -> None:
        """The document was imported from a snippet torch raised in: its runs report that,
        the last one (if this document has one) at once."""
        self.snippet_error = error
        if self.last is not None:
            self.last = self._with_snippet_error(self.last)
            self.finished.emit(self.last)

    def _with_snippet_error(self, result: Run) -> Run:
        if result.error is None and self.snippet_error is not None:
            result.error = self.snippet_error
        return result

    def _on_doc_event(self, event: DocEvent) -> None:
        if event.kind == "node_changed" and event.fields == ("position",):
            return  # moving a node changes no number
        if event.kind == "reset":
            return  # the window's reset order calls forget()
        seeds = event.kind in ("node_changed", "calls_changed") and bool(event.fields) \
            and set(event.fields) <= _SEED_FIELDS
        if not seeds:
            self._structure += 1
        self._seeds_only = seeds if self._seeds_only is None else self._seeds_only and seeds
        self.request()

    def forget(self) -> None:
        """The document was replaced: drop the last run, any run still on its way and any
        trace asked for (their generation is now stale, so they never win), then run the new
        document at the FULL level (nothing of the old J or ghost bars is reused)."""
        self._generation += 1
        self.last = None
        self.snippet_error = None  # the imported snippet's, if any: the window carries it again
        self._job = None
        self._structure += 1
        self._seeds_only = False
        self._trace_timer.stop()
        if self._trace_future is not None:
            self._trace_future.cancel()
        self.request()

    def fast_enough(self) -> bool:
        """Small and quick last time (so torch is loaded): run in this thread, now."""
        return (self.last is not None and len(self.doc) <= SYNC_MAX_NODES
                and self.last_cost_ms <= SYNC_MAX_MS)

    def request(self) -> None:
        # 0 ms still coalesces the several events of one edit into one run
        self._timer.start(0 if self.fast_enough() else self._delay_ms)

    def run_now(self) -> None:
        from engine.run import FULL, GRADS

        self._timer.stop()
        self._trace_timer.stop()
        if self._trace_future is not None:
            self._trace_future.cancel()  # a trace of an older run, if not started yet
        if self._closed:
            return  # a timer that fired after the window closed: nothing to show it on
        self._generation += 1
        generation = self._generation
        snapshot = self.doc.snapshot()
        previous = self.last if self.doc.options.accumulate else None
        level = GRADS if self._seeds_only else FULL
        self._seeds_only = None
        # J and the ghost bars of the last run still hold when only seeds changed since
        basis = self.last if self._last_structure == self._structure else None
        structure = self._structure
        self._job = (snapshot, previous, generation)
        self._pending += 1
        self.busy.emit(True)
        if self.fast_enough():
            self._on_delivered(self._compute(snapshot, previous, level, basis), generation,
                               structure)
        else:
            self._pool.submit(self._work, snapshot, previous, level, basis, structure,
                              generation)

    def _work(self, snapshot: Document, previous: Run | None, level: str, basis: Run | None,
              structure: int, generation: int) -> None:
        self._delivered.emit(self._compute(snapshot, previous, level, basis), generation,
                             structure)

    def _compute(self, snapshot: Document, previous: Run | None, level: str,
                 basis: Run | None) -> Run:
        from engine.jacobian import analyse
        from engine.run import run

        # CPU time of this thread: what the run would cost the GUI thread, not inflated by
        # waiting for the interpreter or a busy machine
        start = time.thread_time()
        try:
            result = run(snapshot, previous, level)
            analyse(snapshot, result, basis)  # ghost bars and J, in the run job
        except Exception as exc:  # a bug, not a torch error: show it rather than hang
            from engine.trace import RunError

            result = Run(error=RunError(type(exc).__name__, str(exc), None, "forward"))
        self.last_cost_ms = (time.thread_time() - start) * 1000
        return result

    def _on_delivered(self, result: Run, generation: int, structure: int) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy.emit(False)
        if generation != self._generation:
            return  # a newer request is on its way
        self.last = result = self._with_snippet_error(result)
        self._last_structure = structure
        self.finished.emit(result)
        if result.traced:
            self.traced.emit(result)

    # ---- the FULL level, on demand ----------------------------------------------------------
    def request_trace(self) -> None:
        """The replay wants the newest run's events: computed after a pause in editing (off
        the GUI thread unless the graph is small), then emitted by `traced`. A run still on
        its way is not traced here: the replay asks again when it arrives."""
        if self.last is None or self._pending:
            return
        if self.last.traced:
            self.traced.emit(self.last)
        else:
            self._trace_timer.start()

    def trace_now(self) -> Run | None:
        """The newest run at the FULL level, computed here and now (an export needs it)."""
        if self.last is None or self.last.traced or self._job is None:
            return self.last
        self._trace_timer.stop()
        snapshot, previous, generation = self._job
        self._on_trace_delivered(_trace(snapshot, previous, self.last), generation)
        return self.last

    def _start_trace(self) -> None:
        if self._closed or self._job is None or self.last is None or self.last.traced \
                or self._pending:
            return
        snapshot, previous, generation = self._job
        if self.fast_enough():
            self._on_trace_delivered(_trace(snapshot, previous, self.last), generation)
        else:
            self._trace_future = self._pool.submit(self._trace_work, snapshot, previous,
                                                   self.last, generation)

    def _trace_work(self, snapshot: Document, previous: Run | None, basis: Run,
                    generation: int) -> None:
        self._trace_delivered.emit(_trace(snapshot, previous, basis), generation)

    def _on_trace_delivered(self, result: Run, generation: int) -> None:
        if generation != self._generation:
            return  # the document changed since: that run's trace is not wanted
        self.last = result = self._with_snippet_error(result)
        self.traced.emit(result)

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._trace_timer.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _trace(snapshot: Document, previous: Run | None, basis: Run) -> Run:
    """The FULL level of `basis`, a GRADS run of this snapshot and previous run: the same
    numbers, so the same J and ghost bars."""
    from engine.run import FULL, run

    result = run(snapshot, previous, FULL)
    result.reference_grads, result.lens = basis.reference_grads, basis.lens
    return result
