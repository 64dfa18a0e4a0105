"""Every registry op's badge on its card shows its name or its short symbol whole (the long
loss names give way to theirs: "MLSoftMarg", "Hinge"), never an elided name."""

from __future__ import annotations

from engine.ops import OPS
from gui.canvas import items


def test_every_op_badge_is_its_name_or_symbol_whole(qapp):
    for name, spec in OPS.items():
        badge = items._badge_text(name, spec.symbol)
        assert not badge.endswith("…"), (name, spec.symbol, badge)
        assert badge in (name, spec.symbol, f"{name} {spec.symbol}"), (name, badge)
