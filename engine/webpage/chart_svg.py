"""The input-gradient bar chart as inline SVG, drawn like the app's chart (gui/grad_chart.py):
one bar per element of every leaf's .grad, grouped by leaf and labelled x[0], W[1,2]…, its
value on the bar, blue for positive and orange for negative, a "None" slot for a leaf without
a .grad, dashed ghost bars for v = ones when the run has them, and non-finite values as hatched
vermillion bars at the edge of the axis.

The axis is fixed for the whole replay (the final run's range, widened by any earlier value
that lies outside), so the same step always looks the same and bars visibly grow. Python
decides every pixel; the page copies the geometry of the step it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from engine.format import number
from engine.replay_view import Bar
from engine.webpage.states import bar_text

PLOT_HEIGHT = 260.0
TOP, BOTTOM, LEFT, RIGHT = 44.0, 64.0, 64.0, 20.0
GAP = 0.8  # extra slot widths between two leaves' bars
BAR_WIDTH = 0.62
GHOST_WIDTH = 0.82
MIN_SLOT = 56.0
MIN_WIDTH = 440.0  # room for the title, whatever the number of bars
MAX_SLOT = 160.0
LABEL_CHAR_PX = 7.4
MAX_VALUE_LABELS = 40  # more bars than this: the value is in the bar's tooltip only
POSITIVE, NEGATIVE, BAD, GREY = "#0072B2", "#E69F00", "#D55E00", "#8C8C8C"


@dataclass(frozen=True)
class Slot:
    x: float  # in slot units
    label: str
    bar: int | None  # index into the bars; None: a leaf whose .grad stays None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step) + 1)]


class ChartPicture:
    def __init__(self, bars: list[Bar], none_leaves: list[str], values: list[float | None],
                 reference: list[float | None]) -> None:
        """`values`: every height any step shows (fixes the axis); `reference`: the ghost bar
        of each bar (None: unknown)."""
        self.bars = bars
        self.reference = reference
        self.slots: list[Slot] = []
        x, leaf = 0.0, None
        for i, bar in enumerate(bars):
            if leaf is not None and bar.leaf_id != leaf:
                x += GAP
            leaf = bar.leaf_id
            self.slots.append(Slot(x, bar.label, i))
            x += 1
        for name in none_leaves:
            if self.slots:
                x += GAP
            self.slots.append(Slot(x, f"{name}.grad", None))
            x += 1
        longest = max((len(s.label) for s in self.slots), default=4)
        fill = (MIN_WIDTH - LEFT - RIGHT) / max(x, 1.0)  # few bars: wider, up to MAX_SLOT
        self.slot_px = max(MIN_SLOT, longest * LABEL_CHAR_PX + 10, min(fill, MAX_SLOT))
        self.width = max(MIN_WIDTH, LEFT + RIGHT + max(x, 1.0) * self.slot_px)
        self.height = TOP + PLOT_HEIGHT + BOTTOM
        finite = [v for v in [*values, *reference] if v is not None and math.isfinite(v)]
        top, bottom = max(finite + [0.0]), min(finite + [0.0])
        pad = (top - bottom) * 0.18 or 1.0
        self.y_top = top + pad
        self.y_bottom = bottom - (pad if bottom < 0 else 0)
        self.value_labels = len(bars) <= MAX_VALUE_LABELS

    def y(self, value: float) -> float:
        span = self.y_top - self.y_bottom
        return TOP + (self.y_top - value) / span * PLOT_HEIGHT

    def cx(self, slot: Slot) -> float:
        return LEFT + (slot.x + 0.5) * self.slot_px

    def geometry(self, value: float | None) -> dict[str, Any]:
        """What one bar looks like for `value`: top y and height in px, colour class, the
        value text and where it sits (above a positive bar, below a negative one)."""
        zero = self.y(0.0)
        if value is None:  # no .grad yet: an empty slot marked —
            return {"y": round(zero - 1, 1), "h": 2, "c": "empty", "t": bar_text(None),
                    "ty": round(zero - 6, 1)}
        if math.isnan(value) or value == math.inf:
            top, bottom, cls = TOP, zero, "bad"
        elif value == -math.inf:
            top, bottom, cls = zero, TOP + PLOT_HEIGHT, "bad"
        else:
            top, bottom = sorted((self.y(value), zero))
            cls = "pos" if value >= 0 else "neg"
        below = value < 0
        return {"y": round(top, 1), "h": round(max(bottom - top, 1.0), 1), "c": cls,
                "t": bar_text(value), "ty": round(bottom + 15 if below else top - 5, 1)}

    def svg(self, first: list[dict[str, Any]], title: str) -> str:
        """The chart with the bars of one step (`first`, geometry per bar) already drawn."""
        w, h = self.width, self.height
        plot_right = w - RIGHT
        out = [f'<svg id="chart" width="{w:.0f}" '
               f'height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
               'aria-label="bar chart of every leaf\'s .grad">',
               '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="6" height="6" fill="white"/>'
               f'<rect width="3" height="6" fill="{BAD}"/></pattern></defs>',
               f'<text class="charttitle" x="12" y="22">{escape(title)}</text>']
        for tick in nice_ticks(self.y_bottom, self.y_top):
            y = self.y(tick)
            out.append(f'<line class="grid" x1="{LEFT}" x2="{plot_right:.0f}" y1="{y:.1f}" '
                       f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}">'
                       f"{escape(number(tick))}</text>")
        out.append(f'<text class="axis" transform="translate(16,{TOP + PLOT_HEIGHT / 2:.0f}) '
                   'rotate(-90)">gradient</text>')
        for a, b in zip(self.slots, self.slots[1:], strict=False):
            if b.x - a.x > 1.01:  # a dotted line between two leaves' groups
                x = LEFT + (b.x - GAP / 2) * self.slot_px
                out.append(f'<line class="sep" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                           f'y2="{TOP + PLOT_HEIGHT}"/>')
        for slot in self.slots:
            cx = self.cx(slot)
            out.append(f'<text class="barlabel" x="{cx:.1f}" y="{TOP + PLOT_HEIGHT + 20:.0f}">'
                       f"{escape(slot.label)}</text>")
            if slot.bar is None:
                out.append(f'<text class="none" x="{cx:.1f}" y="{self.y(0) - 8:.1f}">None'
                           f"<title>{escape(slot.label)} is None: no gradient reached it"
                           "</title></text>")
                continue
            ref = self.reference[slot.bar]
            if ref is not None and math.isfinite(ref):
                top, bottom = sorted((self.y(ref), self.y(0.0)))
                gw = GHOST_WIDTH * self.slot_px
                out.append(f'<rect class="ghost" x="{cx - gw / 2:.1f}" y="{top:.1f}" '
                           f'width="{gw:.1f}" height="{max(bottom - top, 1):.1f}">'
                           f"<title>with v = ones: {escape(number(ref))}</title></rect>")
            g = first[slot.bar]
            bw = BAR_WIDTH * self.slot_px
            out.append(f'<rect class="bar {g["c"]}" id="b-{slot.bar}" x="{cx - bw / 2:.1f}" '
                       f'y="{g["y"]}" width="{bw:.1f}" height="{g["h"]}"><title>'
                       f'{escape(slot.label)}.grad</title></rect>')
            if self.value_labels:
                out.append(f'<text class="barvalue {g["c"]}" id="v-{slot.bar}" x="{cx:.1f}" '
                           f'y="{g["ty"]}">{escape(g["t"])}</text>')
        zero = self.y(0.0)
        out.append(f'<line class="zero" x1="{LEFT}" x2="{plot_right:.0f}" y1="{zero:.1f}" '
                   f'y2="{zero:.1f}"/>')
        out.append("</svg>")
        return "\n".join(out)
