"""The replay's events, one line each, like a debugger's stack: click a line to go there.

Line 0 is the call to backward (the seeds); line k is the k-th hook real autograd called,
so selecting line k shows the state after k events. With several calls each call's steps
follow a heading row (engine/replay_view.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from engine.replay import Replay
from engine.replay_view import MARKS, Row, rows
from engine.trace import ACCUMULATE, EDGE_GRAD, GRAD_FN, NODE_GRAD, ZERO_GRAD

_MARK = MARKS
_TIP = {NODE_GRAD: "a node's total gradient (tensor hook on its output)",
        EDGE_GRAD: "the gradient one edge carried back (its consumer's grad_fn hook)",
        GRAD_FN: "an autograd node ran its backward: gradient in → gradients out",
        ACCUMULATE: "AccumulateGrad wrote the leaf's .grad",
        ZERO_GRAD: "a zero_grad call reset the leaf's .grad"}


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
        self.itemClicked.connect(self._on_click)
        self.currentRowChanged.connect(self._on_row)
        self._quiet = False
        self.rows: list[Row] = []  # with several calls, heading rows sit between the steps
        self.call_words: Callable[[int], str | None] | None = None  # headings' words
        self._row_of: dict[int, int] = {}

    def set_replay(self, replay: Replay | None) -> None:
        self._quiet = True
        self.clear()
        if replay is None:  # a run of the current document is on its way
            waiting = QListWidgetItem("computing…")
            waiting.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(waiting)
        self.rows = rows(replay, self.call_words) if replay is not None else []
        self._row_of = {r.step: i for i, r in enumerate(self.rows) if r.step is not None}
        for row in self.rows:
            k = row.step
            if replay is None or k is None:
                item = QListWidgetItem(row.text)
                item.setToolTip(row.tip)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not a step: nothing to select
                font = QFont(self.font())
                font.setBold(row.heading)
                item.setFont(font)
                self.addItem(item)
                continue
            event = replay.events[k - 1] if k else None
            mark = _MARK.get(event.kind, "·") if event else "▶"
            item = QListWidgetItem(f"{k:>3} {mark} {row.text}")
            item.setToolTip(_TIP.get(event.kind, "") if event else
                            "backward() was called with these seeds")
            self.addItem(item)
        self._quiet = False

    def row_of(self, step: int) -> int:
        return self._row_of.get(step, -1)

    def set_step(self, step: int) -> None:
        row = self.row_of(step)
        if row >= 0 and row != self.currentRow():
            self._quiet = True
            self.setCurrentRow(row)
            self.scrollToItem(self.item(row))
            self._quiet = False

    def _step_at(self, row: int) -> int | None:
        return self.rows[row].step if 0 <= row < len(self.rows) else None

    def _on_click(self, item: QListWidgetItem) -> None:
        step = self._step_at(self.row(item))
        if step is not None:
            self.step_clicked.emit(step)

    def _on_row(self, row: int) -> None:
        # arrow keys inside the list move the replay too
        step = self._step_at(row)
        if not self._quiet and step is not None:
            self.step_clicked.emit(step)
