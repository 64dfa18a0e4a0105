"""Fitting the input-gradient chart's text to its width, measured before anything is drawn.

Bar labels go as dense as the width allows (full labels, then element indices, then every
k-th), each leaf's name centred under its group on a second line, none overlapping; the x
range is padded so the outermost labels are not cut at the axis ends. A value label loses
digits (then goes scientific) to fit its bar, as the Jacobian lens does, or the values go to
hover.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from engine.format import element_index, fitted_number
from gui.seed.chart_slots import GAP, Slot, leaf_groups

MAX_VALUE_LABELS = 40  # more bars than this: values only on hover
X_PADDING = 0.75  # beyond the outermost bars' centres: the ghost bars (0.41) stay inside


def fit_ticks(slots: list[Slot], ppu: float, fm: QFontMetricsF) -> list[tuple[float, str]]:
    """The axis ticks at `ppu` pixels per slot: bar labels, and "\\n" + each leaf's name."""
    groups = leaf_groups(slots)
    full = [s.label if s.value is not None else "" for s in slots]
    short = [element_index(s.label, name) or "" for name, members in groups
             for s in members]  # a scalar's and a None slot's name is the group's
    labels = full if max((fm.horizontalAdvance(t) for t in full), default=0) <= ppu - 6 \
        else short
    widest = max((fm.horizontalAdvance(t) for t in labels), default=0)
    step = max(1, math.ceil((widest + 6) / ppu))
    ticks: list[tuple[float, str]] = []
    i = 0
    for name, members in groups:
        for k, slot in enumerate(members):
            if k % step == 0 and labels[i]:
                ticks.append((slot.x, labels[i]))
            i += 1
        centre = (members[0].x + members[-1].x) / 2
        width = (len(members) + GAP) * ppu - 6
        group = fm.elidedText(name, Qt.TextElideMode.ElideRight, width)
        ticks.append((centre, "\n" + group))  # the second line: the leaf's name
    return ticks


def label_padding(slots: list[Slot], ticks: list[tuple[float, str]], ppu: float,
                  fm: QFontMetricsF) -> tuple[float, float]:
    """x units left of the first bar and right of the last that the labels need."""
    first, last = (slots[0].x, slots[-1].x) if slots else (0.0, 0.0)
    left = right = X_PADDING
    for x, text in ticks:
        half = (fm.horizontalAdvance(text.strip()) / 2 + 3) / ppu
        left = max(left, half - (x - first))
        right = max(right, half - (last - x))
    return left, right


def value_texts(heights: np.ndarray, fm: QFontMetricsF, room: float) -> list[str]:
    """A signed value for every bar when all of them fit `room` pixels, else none (hover)."""
    def fits(text: str) -> bool:
        return fm.horizontalAdvance(text) <= room

    texts = [fitted_number(float(h), fits) if math.isfinite(h) else
             fitted_number(float(h), lambda t: fits(f"⚠ {t}")) for h in heights]
    if len(texts) > MAX_VALUE_LABELS or any(t is None for t in texts):
        texts = []
    return [t if math.isfinite(h) else f"⚠ {t}"
            for t, h in zip(texts, heights, strict=False) if t is not None]
