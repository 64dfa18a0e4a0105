"""The replay's events, one line each, like a debugger's stack: click a line to go there.

Line 0 is the call to backward (the seeds); line k is the k-th hook real autograd called,
so selecting line k shows the state after k events.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from engine.replay import Replay
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD

_MARK = {NODE_GRAD: "●", EDGE_GRAD: "←", GRAD_FN: "ƒ", ACCUMULATE: "Σ"}
_TIP = {NODE_GRAD: "a node's total gradient (tensor hook on its output)",
        EDGE_GRAD: "the gradient one edge carried back (its consumer's grad_fn hook)",
        GRAD_FN: "an autograd node ran its backward: gradient in → gradients out",
        ACCUMULATE: "AccumulateGrad wrote the leaf's .grad"}


class StepList(QListWidget):
    step_clicked = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        font = QFont(self.font())
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamily("DejaVu Sans Mono")
        self.setFont(font)
        self.setToolTip("Each line is one hook call of the real backward, in the order autograd "
                        "made it. Click a line to show the state after it.")
        self.itemClicked.connect(lambda item: self.step_clicked.emit(self.row(item)))
        self.currentRowChanged.connect(self._on_row)
        self._quiet = False

    def set_replay(self, replay: Replay | None) -> None:
        self._quiet = True
        self.clear()
        if replay is not None:
            for k in range(len(replay) + 1):
                event = replay.events[k - 1] if k else None
                mark = _MARK.get(event.kind, "·") if event else "▶"
                item = QListWidgetItem(f"{k:>3} {mark} {replay.describe(k)}")
                item.setToolTip(_TIP.get(event.kind, "") if event else
                                "backward() was called with these seeds")
                self.addItem(item)
        self._quiet = False

    def set_step(self, step: int) -> None:
        if 0 <= step < self.count() and step != self.currentRow():
            self._quiet = True
            self.setCurrentRow(step)
            self.scrollToItem(self.item(step))
            self._quiet = False

    def _on_row(self, row: int) -> None:
        # arrow keys inside the list move the replay too
        if not self._quiet and row >= 0:
            self.step_clicked.emit(row)
