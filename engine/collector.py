"""Pausing Python's cyclic garbage collector around work that makes thousands of objects
that all stay alive: reading a file, a layout, building the canvas of a 1000-node graph.

With torch, Qt and pyqtgraph loaded, one full collection scans the whole heap (≈ 0.1-0.15 s
here) and finds nothing: what was just made is still in use. Opening a 1000-node graph
triggered one in about half of the tries. Paused, not turned off: re-enabled on the way out
(engine/run.py does the same for a run). Only on the main thread: the switch is
process-wide, and a collection must not move into a worker thread (it could finalize Qt
objects there)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """A context (or, called, a decorator: `@collector_paused()`) that pauses the collector."""
    paused = gc.isenabled() and threading.current_thread() is threading.main_thread()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
