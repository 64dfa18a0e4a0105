"""Python's cyclic garbage collector, run on the GUI thread only.

Python collects in whichever thread allocates past the collector's threshold. The app's
worker threads (runs, recovery writes, background exports) allocate a great deal, so a
collection often starts in one of them, and it finalizes whatever garbage it finds: a
closed window or a dialog in a reference cycle among it. Deleting a Qt widget outside the
GUI thread corrupts Qt, and the crash comes later, in the GUI thread (a segfault while it
paints). So, once the app has windows, automatic collection is off and the GUI thread
collects on a timer, generation by generation, at the thresholds Python itself uses (the
remedy pyqtgraph's GarbageCollector applies; this one is installed once per application).

engine/run.py and engine/collector.py pause the collector only if it is on: with this
installed they leave it alone."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

# How often the GUI thread looks at the collector's counts: often enough that garbage never
# piles up (a gen-0 pass over what a run left is well under a millisecond), rarely enough
# to cost nothing when idle.
CHECK_MS = 250


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects on the GUI thread's timer instead."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("gui-thread-collector")
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> None:
        """What Python's own collector would have collected by now: the oldest generation
        whose count passed its threshold, each older one counting only if the younger one
        is due too (as in CPython: a generation's count is the collections of the younger)."""
        counts = gc.get_count()
        due = -1
        for generation in range(3):
            if counts[generation] <= self._thresholds[generation]:
                break
            due = generation
        if due >= 0:
            gc.collect(due)

def collect_on_gui_thread() -> GuiThreadCollector:
    """The application's collector, installed on first call (from the GUI thread, with a
    QApplication running)."""
    app = QCoreApplication.instance()
    assert app is not None, "a QApplication must exist before any window"
    collector = app.findChild(GuiThreadCollector)
    if collector is None:
        collector = GuiThreadCollector(app)
    elif gc.isenabled():
        gc.disable()  # something turned it back on: workers must not collect
    return collector
