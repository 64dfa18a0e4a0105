"""Bar chart of every leaf's .grad, element by element, grouped by leaf.

One BarGraphItem, updated in place; one text label per bar.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from engine.format import element_labels, number
from engine.trace import Run
from gui import style


class GradChart(pg.PlotWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setBackground(None)
        self.showGrid(y=True, alpha=0.25)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.getPlotItem().setTitle("x.grad = vᵀJ — input gradients")
        self.getPlotItem().setLabel("left", "gradient")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, pen=pg.mkPen(None),
                                    brush=QColor(style.POSITIVE))
        self.addItem(self.bars)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(style.GREY))
        self.addItem(self.zero_line)
        self.value_labels: list[pg.TextItem] = []
        self.labels: list[str] = []
        self.heights = np.zeros(0)

    def show_run(self, run: Run | None) -> None:
        labels: list[str] = []
        heights: list[float] = []
        for leaf_id, grad in (run.leaf_grads.items() if run else []):
            name = run.names[leaf_id] if run else leaf_id
            if grad is None:
                continue
            labels.extend(element_labels(name, tuple(grad.shape)))
            heights.extend(float(v) for v in grad.reshape(-1).tolist())
        self.labels = labels
        self._partial_ticks = None
        self.heights = np.asarray(heights, dtype=float)
        x = np.arange(len(heights), dtype=float)
        shown = np.nan_to_num(self.heights, nan=0.0, posinf=0.0, neginf=0.0)
        brushes = [QColor(style.POSITIVE if h >= 0 else style.NEGATIVE) for h in shown]
        # pyqtgraph fails on empty brush/pen lists: give a single brush when there are no bars
        self.bars.setOpts(x=x, height=shown, width=0.6, brushes=brushes or None,
                          brush=QColor(style.POSITIVE), pen=pg.mkPen(None), pens=None)
        self.getAxis("bottom").setTicks([list(zip(x.tolist(), labels, strict=True))])
        self._set_value_labels(x, heights)
        top = float(max(shown.max(initial=0.0), 0.0))
        bottom = float(min(shown.min(initial=0.0), 0.0))
        pad = (top - bottom) * 0.15 or 1.0
        self.setXRange(-0.7, max(len(heights) - 0.3, 0.7), padding=0)
        self.setYRange(bottom - (pad if bottom < 0 else 0), top + pad, padding=0)
        self._run_range = (bottom - (pad if bottom < 0 else 0), top + pad)

    def _set_value_labels(self, x: np.ndarray, heights: list[float]) -> None:
        while len(self.value_labels) < len(heights):
            label = pg.TextItem(anchor=(0.5, 1.0), color=style.text_colour())
            self.addItem(label)
            self.value_labels.append(label)
        for i, label in enumerate(self.value_labels):
            if i >= len(heights):
                label.hide()
                continue
            h = heights[i]
            label.setText(number(h))
            label.setAnchor((0.5, 1.0) if (not math.isfinite(h) or h >= 0) else (0.5, 0.0))
            label.setPos(float(x[i]), h if math.isfinite(h) else 0.0)
            label.show()

    def show_partial(self, labels: list[str], heights: list[float | None]) -> None:
        """The replay's view: the same bars, each leaf's .grad as far as backward has got
        (None = no .grad yet: an empty bar). The y range only grows, so bars visibly grow."""
        self.labels = labels
        self.heights = np.asarray([np.nan if h is None else h for h in heights], dtype=float)
        shown = np.nan_to_num(self.heights, nan=0.0, posinf=0.0, neginf=0.0)
        x = np.arange(len(heights), dtype=float)
        brushes = [QColor(style.POSITIVE if h >= 0 else style.NEGATIVE) for h in shown]
        self.bars.setOpts(x=x, height=shown, width=0.6, brushes=brushes or None,
                          brush=QColor(style.POSITIVE), pen=pg.mkPen(None), pens=None)
        if getattr(self, "_partial_ticks", None) != labels:  # relabelling 1000 ticks is slow
            self._partial_ticks = list(labels)
            self.getAxis("bottom").setTicks([list(zip(x.tolist(), labels, strict=True))])
        self._set_value_labels(x, [0.0 if h is None else h for h in heights])
        for label, h in zip(self.value_labels, heights, strict=False):
            if h is None:
                label.setText("—")
        # the run's final range, widened if an earlier .grad (accumulating) lies outside it:
        # the same step always gets the same axes, however it was reached
        bottom, top = getattr(self, "_run_range", (0.0, 1.0))
        low = float(min(shown.min(initial=0.0), 0.0))
        high = float(max(shown.max(initial=0.0), 0.0))
        pad = (high - low) * 0.15 or 1.0
        self.setYRange(min(bottom, low - (pad if low < 0 else 0)), max(top, high + pad),
                       padding=0)
