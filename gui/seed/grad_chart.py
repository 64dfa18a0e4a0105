"""Bar chart of every leaf's .grad, element by element, grouped by leaf.

One BarGraphItem for the grads (updated in place) and one for the ghost bars: the leaf grads
torch gives for the all-ones seed (`.sum().backward()`), so the effect of v is visible. A leaf
whose .grad is None gets a labelled "None" slot, never a zero bar. NaN/±Inf are drawn as
hatched, marked bars at the edge of a finite axis (BarGraphItem breaks autorange on them).
The y axis keeps plain numbers (no SI prefix, which turned 0.62 into "600 (x0.001)"). What the
bars are is gui/seed/chart_slots.py; how their text fits the width, gui/seed/chart_ticks.py.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QFontMetricsF
from PySide6.QtWidgets import QToolTip

from engine.document import Document
from engine.format import CHART_LEGENDS, chart_titles
from engine.trace import Run
from gui import style
from gui.seed.chart_slots import GAP, Slot, chart_slots, leaf_grads, slot_at, slot_text
from gui.seed.chart_ticks import X_PADDING, fit_ticks, label_padding, value_texts
from gui.waiting import WaitingLabel

BAR_WIDTH = 0.62
NO_LEAVES = ("No leaf in this graph, so no .grad to chart: .grad belongs to tensors made "
             "with requires_grad=True")
MANY_BARS = 5_000  # more elements than this: drawn as their outline, not one rectangle each
TICK_FONT_PX = 11
LEGENDS = CHART_LEGENDS


class GradChart(pg.PlotWidget):
    def __init__(self, doc: Document | None = None) -> None:
        super().__init__()
        self.doc = doc
        self.setBackground(None)
        self.showGrid(y=True, alpha=0.25)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.title = "x.grad = vᵀJ" + LEGENDS[0]
        self.leaf_names: list[str] = []  # the leaves with bars, named in the title
        self.has_ghosts = True  # dashed v = ones bars drawn: the title's legend names them
        self.getPlotItem().setTitle(self.title)
        self.getPlotItem().setLabel("left", "gradient")
        self.no_leaves = WaitingLabel(self)  # over an empty plot: why there is nothing to draw
        self.no_leaves.setText(NO_LEAVES)
        self.no_leaves.setWordWrap(True)  # a narrow dock wraps it instead of cutting it
        self.getAxis("left").enableAutoSIPrefix(False)  # 0.62 stays 0.62, not 620 (x0.001)
        self.tick_font = QFont(self.font())
        self.tick_font.setPixelSize(TICK_FONT_PX)
        for side in ("left", "bottom"):
            self.getAxis(side).setTickFont(self.tick_font)
        self._apply_text_colour()
        # two text lines under the axis: bar labels, then each leaf's name under its group
        line = QFontMetricsF(self.tick_font).height()
        self.getAxis("bottom").setHeight(int(2 * line + 12))
        self.getAxis("bottom").setStyle(tickLength=0)  # a group label's tick would sit between bars
        self.ghosts = pg.BarGraphItem(x=[], height=[], width=0.82, brush=None,
                                      pen=pg.mkPen(style.GREY, width=1.5,
                                                   style=Qt.PenStyle.DashLine))
        self.ghosts.setToolTip("dashed: the grads for v = ones (.sum().backward())")
        self.addItem(self.ghosts)
        self.bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, pen=pg.mkPen(None),
                                    brush=QColor(style.POSITIVE))
        self.addItem(self.bars)
        # past MANY_BARS elements one rectangle each costs seconds a frame: the same numbers
        # as a filled outline, thinned to the peaks of each pixel column by pyqtgraph
        self.envelope = pg.PlotDataItem(pen=pg.mkPen(style.POSITIVE), fillLevel=0.0,
                                        brush=QColor(style.POSITIVE))
        self.envelope.setDownsampling(auto=True, method="peak")
        self.envelope.setClipToView(True)
        self.addItem(self.envelope)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(style.GREY))
        self.addItem(self.zero_line)
        self.value_labels: list[pg.TextItem] = []
        self.value_texts: list[str] = []  # what the value labels say ([] = values on hover)
        self.tick_texts: list[tuple[float, str]] = []  # bar labels and group labels on the axis
        self.x_padding = (X_PADDING, X_PADDING)  # x units beyond the first and the last bar
        self.none_labels: list[pg.TextItem] = []
        self.none_names: list[str] = []  # the leaf of each None label in use
        self.separators: list[pg.InfiniteLine] = []
        self.slots: list[Slot] = []
        self.labels: list[str] = []  # one per bar (None slots excluded)
        self.heights = np.zeros(0)  # the true values, NaN/Inf included
        self.reference = np.zeros(0)  # ghost values (NaN where unknown)
        self.none_leaves: list[str] = []
        self.warning = ""
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # ---- drawing --------------------------------------------------------------------------
    def _draw_bars(self, x: np.ndarray, shown: np.ndarray, brushes: list[QBrush]) -> None:
        """One bar per element, or past MANY_BARS the outline of them (the bars keep the
        numbers either way)."""
        many = len(x) > MANY_BARS
        # pyqtgraph fails on empty brush lists: give a single brush when there are no bars
        self.bars.setOpts(x=x, height=shown, width=BAR_WIDTH, brushes=brushes or None,
                          brush=QColor(style.POSITIVE), pen=pg.mkPen(None), pens=None)
        self.bars.setVisible(not many)
        if many:
            self.envelope.setData(x, shown)
        else:
            self.envelope.setData([], [])

    def show_run(self, run: Run | None) -> None:
        self.slots = slots = chart_slots(self.doc, run)
        self.no_leaves.setVisible(run is not None and not slots)
        bars = [s for s in slots if s.value is not None]
        self.labels = [s.label for s in bars]
        self.none_leaves = [s.label.split(":")[0] for s in slots if s.value is None]
        self.heights = np.asarray([s.value for s in bars], dtype=float)
        self.reference = np.asarray([np.nan if s.reference is None else s.reference
                                     for s in bars], dtype=float)
        x = np.asarray([s.x for s in bars], dtype=float)
        finite = np.concatenate([self.heights[np.isfinite(self.heights)],
                                 self.reference[np.isfinite(self.reference)], [0.0]])
        top, bottom = float(finite.max()), float(finite.min())
        pad = (top - bottom) * 0.18 or 1.0
        y_top = top + pad
        y_bottom = bottom - (pad if bottom < 0 else 0)
        shown = self.heights.copy()
        shown[np.isposinf(shown)] = y_top  # marked bars that reach the edge of the axis
        shown[np.isneginf(shown)] = y_bottom if y_bottom < 0 else -pad
        shown[np.isnan(shown)] = y_top
        y_bottom = min(y_bottom, float(shown.min(initial=0.0)))
        brushes = [_brush(h) for h in self.heights] if len(x) <= MANY_BARS else []
        self._draw_bars(x, shown, brushes)
        ghost_ok = np.isfinite(self.reference) & (len(x) <= MANY_BARS)
        self.ghosts.setOpts(x=x[ghost_ok], height=self.reference[ghost_ok], width=0.82)
        self.has_ghosts = bool(ghost_ok.any())  # the title's legend names only what is drawn
        self._shown_x, self._shown = x, shown
        self._set_none_labels([s for s in slots if s.value is None], pad)
        self._set_separators(slots)
        bad = [s.label for s in bars if s.value is not None and not math.isfinite(s.value)]
        self.warning = (f"⚠ not finite: {', '.join(bad[:4])}{' …' if len(bad) > 4 else ''}"
                        if bad else "")
        self.leaf_names = [name for _, name, grad, _ in leaf_grads(self.doc, run)
                           if grad is not None] if run is not None else []
        self._set_title()
        self._fit_labels()
        self.setYRange(y_bottom, y_top, padding=0)

    def _set_title(self) -> None:
        """`W.grad, b.grad = vᵀJ` naming the real leaves, shortened until it fits the width."""
        choices = chart_titles(self.leaf_names, self.warning,
                               LEGENDS if self.has_ghosts else ("",))
        colour = style.VERMILLION if self.warning else style.text_colour().name()
        label = self.getPlotItem().titleLabel
        room = self.width() - self.getAxis("left").width() - 16  # the title spans the plot only
        for choice in choices:  # measured as drawn: the title has its own size
            self.title = choice
            self.getPlotItem().setTitle(choice, color=colour)
            if label.item.boundingRect().width() <= room:
                break
        self.getPlotItem().setGeometry(self.range)  # a longer title tried above had widened it

    def px_per_unit(self) -> float:
        """Screen pixels per x unit (one bar's slot) at the current size and padding."""
        left, right = self.x_padding
        span = (self.slots[-1].x if self.slots else 0.0) + left + right
        return max(self.getPlotItem().vb.width(), 1.0) / span

    def _fit_labels(self) -> None:
        """Bar labels as dense as the width allows (full, then indices, then every k-th) and
        each leaf's name centred under its group on the second line; never overlapping, and
        the x range padded so the outermost labels are not cut at the axis ends."""
        self.getPlotItem().layout.activate()  # the view box's width at the current size
        fm = QFontMetricsF(self.tick_font)
        self.x_padding = (X_PADDING, X_PADDING)
        for _ in range(3):  # the padding changes the scale a little: settle it
            ticks = fit_ticks(self.slots, self.px_per_unit(), fm)
            self.x_padding = label_padding(self.slots, ticks, self.px_per_unit(), fm)
        self.tick_texts = ticks
        self.getAxis("bottom").setTicks([ticks])
        last = self.slots[-1].x if self.slots else 0.0
        self.setXRange(-self.x_padding[0], last + self.x_padding[1], padding=0)
        self._set_value_labels(self._shown_x, self._shown)
        self._fit_none_labels()

    def _apply_text_colour(self) -> None:
        """Axis text in the theme's text colour: pyqtgraph's grey is faint at 11 px."""
        for side in ("left", "bottom"):
            self.getAxis(side).setTextPen(style.text_colour())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) \
                and self.getPlotItem() is not None and hasattr(self, "tick_font"):
            self.resetCachedContent()  # the cached background is the old theme's
            self._apply_text_colour()
            if hasattr(self, "_shown"):
                self._set_title()
                self._fit_labels()  # value labels in the new text colour

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        shown = hasattr(self, "_shown") and self.getPlotItem() is not None  # None once closed
        if shown:
            self._set_title()  # first: a long title would hold the plot wider than the widget
        super().resizeEvent(event)
        if shown:
            self._fit_labels()

    def _set_value_labels(self, x: np.ndarray, shown: np.ndarray) -> None:
        """A signed value on every bar when all of them fit their slot, else none (hover)."""
        fm = QFontMetricsF(self.font())  # TextItem's font
        self.value_texts = value_texts(self.heights, fm, self.px_per_unit() - 4)
        n = len(self.value_texts)
        while len(self.value_labels) < n:
            label = pg.TextItem(anchor=(0.5, 1.0), color=style.text_colour())
            self.addItem(label)
            self.value_labels.append(label)
        for i, label in enumerate(self.value_labels):
            if i >= n:
                label.hide()
                continue
            h = float(self.heights[i])
            label.setText(self.value_texts[i])
            label.setColor(style.text_colour() if math.isfinite(h) else QColor(style.VERMILLION))
            below = h < 0 or (math.isnan(h) is False and h == -math.inf)
            label.setAnchor((0.5, 0.0) if below else (0.5, 1.0))
            label.setPos(float(x[i]), float(shown[i]) if math.isfinite(h) else 0.0)
            label.show()

    def _set_none_labels(self, slots: list[Slot], pad: float) -> None:
        while len(self.none_labels) < len(slots):
            label = pg.TextItem(anchor=(0.5, 1.0), color=style.GREY)
            self.addItem(label)
            self.none_labels.append(label)
        for i, label in enumerate(self.none_labels):
            if i >= len(slots):
                label.hide()
                continue
            label.setToolTip(f"{slots[i].label.split(':')[0]}.grad is None: {slots[i].why_none}")
            label.setPos(slots[i].x, pad * 0.5)
        self.none_names = [s.label.split(":")[0] for s in slots]  # fitted by _fit_none_labels

    def _fit_none_labels(self) -> None:
        """A None slot says "name.grad / None" where its slot is that wide, else the same
        written upwards on one line, else "None" upwards; nothing where even that is wider than
        the slot (its hover says it). Beside many bars a slot is a few pixels wide."""
        fm = QFontMetricsF(self.font())  # TextItem's font
        unit = self.px_per_unit()
        room = unit * 0.95
        for label, name in zip(self.none_labels, self.none_names, strict=False):
            lines = (f"{name}.grad", "None")
            if max(fm.horizontalAdvance(t) for t in lines) <= room:
                label.setText("\n".join(lines))
                label.setAngle(0)
                label.setAnchor((0.5, 1.0))
                label.show()
            elif fm.capHeight() + 4 <= unit:  # upwards from just above the zero line: the
                # name where a line's whole height fits, else "None" alone (ink: cap height)
                label.setText(" ".join(lines) if fm.height() <= room else "None")
                label.setAngle(90)
                label.setAnchor((0.0, 0.5))
                label.show()
            else:
                label.hide()

    def _set_separators(self, slots: list[Slot]) -> None:
        xs = [b.x - (1 + GAP) / 2 for a, b in zip(slots, slots[1:], strict=False)
              if b.x - a.x > 1.01]
        while len(self.separators) < len(xs):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen(style.GREY, width=1,
                                                          style=Qt.PenStyle.DotLine))
            self.addItem(line)
            self.separators.append(line)
        for i, line in enumerate(self.separators):
            line.setVisible(i < len(xs))
            if i < len(xs):
                line.setPos(xs[i])

    # ---- replay ---------------------------------------------------------------------------
    def show_partial(self, labels: list[str], heights: list[float | None]) -> None:
        """The replay's view: the final run's bars, each leaf's .grad as far as backward has
        got (None = no .grad yet: an empty bar marked —). The axes stay the final run's, so
        the same step always looks the same and bars visibly grow."""
        bars = [s for s in self.slots if s.value is not None]
        x = np.asarray([s.x for s in bars] if [s.label for s in bars] == labels
                       else range(len(labels)), dtype=float)
        self.labels = list(labels)
        self.heights = np.asarray([np.nan if h is None else h for h in heights], dtype=float)
        y_bottom, y_top = self.getPlotItem().vb.viewRange()[1]
        shown = np.nan_to_num(self.heights, nan=0.0, posinf=y_top, neginf=y_bottom)
        brushes = [_brush(h) if h is not None else QBrush(Qt.BrushStyle.NoBrush)
                   for h in heights] if len(x) <= MANY_BARS else []
        self._draw_bars(x, shown, brushes)
        self._shown_x, self._shown = x, shown
        self._fit_labels()
        for label, h in zip(self.value_labels, heights, strict=False):
            if h is None:
                label.setText("—")
                label.setColor(QColor(style.GREY))
        low, high = float(shown.min(initial=0.0)), float(shown.max(initial=0.0))
        if low < y_bottom or high > y_top:  # an earlier, accumulated .grad lies outside
            self.setYRange(min(y_bottom, low), max(y_top, high), padding=0)

    # ---- hover ----------------------------------------------------------------------------
    def tooltip_for(self, slot: Slot) -> str:
        return slot_text(slot)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        point = self.getPlotItem().vb.mapSceneToView(pos)
        slot = slot_at(self.slots, point.x())
        if slot is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.tooltip_for(slot), self)


def _brush(h: float) -> QBrush:
    if not math.isfinite(h):
        return QBrush(QColor(style.VERMILLION), Qt.BrushStyle.BDiagPattern)
    return QBrush(QColor(style.POSITIVE if h >= 0 else style.NEGATIVE))
