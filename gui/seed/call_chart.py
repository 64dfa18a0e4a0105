"""The input-gradient chart for a program of several calls: `.grad` after the chosen call (a
selector above the chart; by default the last call), each backward call's share stacked in
its own colour so accumulation shows at a glance, a zero_grad marked where it reset a leaf,
and a legend that names the calls. The shares come from engine/accumulation.py (what each
call added to the recorded .grad); a one-call run is drawn exactly as GradChart draws it."""

from __future__ import annotations

import html
import math
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.accumulation import BEFORE, leaf_history
from engine.calls import BACKWARD, FUNCTIONAL, GRAD, JACOBIAN, ZERO_GRAD
from engine.document import Document
from engine.format import replay_chart_titles
from engine.snippets.codegen import call_code
from engine.trace import Run
from gui import style
from gui.seed.chart_slots import leaf_grads
from gui.seed.grad_chart import BAR_WIDTH, GradChart

# Okabe–Ito hues in turn, one per backward call (vermillion stays the colour of errors)
CALL_COLOURS = (style.BLUE, style.GREEN, style.PURPLE, style.SKY, style.ORANGE, "#F0E442")


def call_colour(index: int) -> str:
    return style.GREY if index == BEFORE else CALL_COLOURS[index % len(CALL_COLOURS)]


class CallsChart(GradChart):
    call_changed = Signal(object)  # the call whose .grad is shown (an index into Run.calls)

    def __init__(self, doc: Document | None = None) -> None:
        super().__init__(doc)
        self.full_run: Run | None = None
        self.picked: int | None = None  # None: follow the last call
        self.segments: dict[int, pg.BarGraphItem] = {}  # call index -> its stacked shares
        self.reset_marks: list[pg.TextItem] = []
        self.replaying = False  # the replay draws its own plain bars (show_partial)
        # the dock shows this panel: the selector and legend above the chart
        self.panel = QWidget()
        self.selector = QComboBox()
        self.selector.setToolTip("Show .grad as it was right after this call")
        # a long call must not widen the dock: the box elides, the list shows it whole
        self.selector.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.selector.setMinimumContentsLength(12)
        self.selector.currentIndexChanged.connect(self._on_pick)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        self.after_label = QLabel(".grad after")
        row.addWidget(self.after_label)
        row.addWidget(self.selector, 1)
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        self.legend.setContentsMargins(6, 0, 4, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self, 1)
        self._show_selector(False)

    # ---- which call -----------------------------------------------------------------------
    def shown_call(self) -> int:
        run = self.full_run
        last = len(run.calls) - 1 if run is not None else 0
        return last if self.picked is None else min(self.picked, last)

    def pick(self, index: int | None) -> None:
        """Show .grad after call `index` (None: the last call)."""
        self.picked = index
        self.show_run(self.full_run)
        self.call_changed.emit(self.shown_call())

    def _on_pick(self, row: int) -> None:
        if row < 0 or self.full_run is None:
            return
        last = len(self.full_run.calls) - 1
        if (None if row == last else row) != self.picked:
            self.pick(None if row == last else row)

    def _show_selector(self, on: bool) -> None:
        for widget in (self.after_label, self.selector, self.legend):
            widget.setVisible(on)

    # ---- drawing --------------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        self.full_run, self.replaying = run, False
        several = run is not None and len(run.calls) > 1
        self._show_selector(several)
        if run is None or not several:
            self._clear_stack()
            super().show_run(run)
            return
        k = self.shown_call()
        self._fill_selector(run, k)
        # one call's .grad, never mixed; the ghost bars (v = ones) belong to one call only
        super().show_run(replace(run.at_call(k), reference_grads=None))
        self._draw_stack(run, k)

    def _set_title(self) -> None:
        """With several calls: `x.grad after call 4` and what the colours are, fitted."""
        run = getattr(self, "full_run", None)  # a resize may come before __init__ ends
        if run is None or len(run.calls) < 2:
            return super()._set_title()
        names = ", ".join(f"{n}.grad" for n in self.leaf_names) or ".grad"
        k = self.shown_call() + 1
        choices = [f"{names} after call {k}  (each call's share stacked)",
                   f"{names} after call {k}", f".grad after call {k}"]
        if self.replaying:
            choices = replay_chart_titles(self.leaf_names)
        label = self.getPlotItem().titleLabel
        room = self.width() - self.getAxis("left").width() - 16
        for choice in choices:
            self.title = choice
            self.getPlotItem().setTitle(choice, color=style.text_colour().name())
            if label.item.boundingRect().width() <= room:
                break
        self.getPlotItem().setGeometry(self.range)
        return None

    def _fill_selector(self, run: Run, k: int) -> None:
        self.selector.blockSignals(True)
        self.selector.clear()
        for call in run.calls:
            state = "" if call.ran and call.error is None else \
                ("  (raised)" if call.error else "  (not run)")
            self.selector.addItem(f"call {call.index + 1}: {self._words(run, call.index)}"
                                  f"{state}")
        self.selector.setCurrentIndex(k)
        self.selector.blockSignals(False)

    def _words(self, run: Run, index: int) -> str:
        """The call as the seed panel heads it, while the document still has that program."""
        doc = self.doc
        if doc is not None and len(doc.calls) == len(run.calls):
            return call_code(doc, index)
        return run.calls[index].label

    def _clear_stack(self) -> None:
        for item in [*self.segments.values(), *self.reset_marks]:
            self.removeItem(item)
        self.segments, self.reset_marks = {}, []

    def _draw_stack(self, run: Run, k: int) -> None:
        self._clear_stack()
        parts: dict[int, tuple[list[float], list[float], list[float]]] = {}
        resets: dict[int, list[float]] = {}  # reset call -> x of the leaves it reset
        xs_of = self._bar_xs(run)
        for leaf_id, xs in xs_of.items():
            history = leaf_history(run, leaf_id, k)
            if history.resets and not history.shares:  # nothing added since: say why
                resets.setdefault(history.resets[-1], []).append((xs[0] + xs[-1]) / 2)
            base = [0.0] * len(xs)
            for share in history.shares:
                x, y0, h = parts.setdefault(share.call, ([], [], []))
                for i, v in enumerate(share.values):
                    if i < len(xs) and math.isfinite(v) and v:
                        x.append(xs[i])
                        y0.append(base[i])
                        h.append(v)
                    base[i] += v if i < len(base) else 0.0
        for call, (x, y0, h) in parts.items():
            item = pg.BarGraphItem(x=np.asarray(x), y0=np.asarray(y0), height=np.asarray(h),
                                   width=BAR_WIDTH, pen=pg.mkPen(None),
                                   brush=QColor(call_colour(call)))
            item.setZValue(-1)  # under the outline of the total
            self.addItem(item)
            self.segments[call] = item
        low, high = self.getPlotItem().vb.viewRange()[1]
        for call, centres in resets.items():
            for centre in centres:
                mark = pg.TextItem(f"⟲ reset by call {call + 1}", anchor=(0.5, 1.0),
                                   color=style.GREY)
                mark.setToolTip(f"call {call + 1} reset this .grad: "
                                f"{run.calls[call].label}")
                mark.setPos(centre, (low + high) / 2)  # clear of the value labels at 0
                self.addItem(mark)
                self.reset_marks.append(mark)
        if self.segments:  # the total as an outline, its parts filled in the calls' colours
            self.bars.setOpts(brushes=None, brush=QBrush(Qt.BrushStyle.NoBrush),
                              pen=pg.mkPen(style.text_colour(), width=1.2))
        self._set_legend(run, k, set(parts), {r for leaf in xs_of
                                              for r in leaf_history(run, leaf, k).resets})

    def _bar_xs(self, run: Run) -> dict[str, list[float]]:
        """The x of each element's bar, by leaf id (leaves whose .grad is None have none)."""
        shown = run.at_call(self.shown_call())
        slots = iter(self.slots)
        out: dict[str, list[float]] = {}
        for leaf_id, _name, grad, _why in leaf_grads(self.doc, shown):
            if grad is None:
                next(slots, None)
                continue
            out[leaf_id] = [next(slots).x for _ in range(grad.numel())]
        return out

    def _set_legend(self, run: Run, k: int, shares: set[int], resets: set[int]) -> None:
        items: list[str] = []
        if BEFORE in shares:
            items.append(f"<span style='color:{style.GREY}'>■</span> before call 1")
        for call in run.calls[: k + 1]:
            name = f"call {call.index + 1}"
            if call.error is not None:
                items.append(f"<span style='color:{style.VERMILLION}'>✗ {name} raised</span>")
            elif call.kind == BACKWARD and call.index in shares:
                items.append(f"<span style='color:{call_colour(call.index)}'>■</span> {name}")
            elif call.kind == ZERO_GRAD and call.index in resets:
                items.append(f"⟲ {name} reset")
            elif call.kind in (GRAD, JACOBIAN, FUNCTIONAL) and call.ran:
                kind = call.kind if call.kind != FUNCTIONAL else \
                    call.label.split("(", 1)[0].rsplit(".", 1)[-1]  # vjp, hessian...
                items.append(f"<span style='color:{style.GREY}'>{name}: {kind}, no "
                             ".grad</span>")
        self.legend.setText("  ".join(items))
        self.legend.setToolTip("<br>".join(html.escape(f"call {c.index + 1}: {c.label}")
                                           for c in run.calls))

    def show_partial(self, labels: list[str], heights: list[float | None]) -> None:
        """The replay draws plain bars as far as backward has got: no stacks meanwhile."""
        self._clear_stack()
        super().show_partial(labels, heights)
        if self.full_run is not None and len(self.full_run.calls) > 1:
            self.replaying = True
            self.legend.setText("the replay: .grad as each call adds to it, step by step")
            self._set_title()
