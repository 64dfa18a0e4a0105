"""Every input port's name (torch's argument name, e.g. pow's `exponent`) fits the room the
card keeps for it: the card's bounds, which repaint clips to, hold the whole word, and the
layout keeps the same room before each card."""

from __future__ import annotations

from PySide6.QtGui import QFontMetricsF

from engine import layout
from engine.ops import OPS
from gui.canvas import items


def test_every_port_name_fits_beside_its_card(qapp):
    metrics = QFontMetricsF(items._port_font())
    names = {port for spec in OPS.values() if len(spec.inputs) > 1 for port in spec.inputs}
    assert "exponent" in names
    for name in names:
        assert metrics.horizontalAdvance(name) <= items.PORT_LABEL_WIDTH - 6, name
    assert layout.PORT_LABEL_WIDTH == items.PORT_LABEL_WIDTH
