"""No card covers another: a card grows with its wrapped value and gradient lines, the layout
spaces cards by the height a card may reach (two rows per value, gui/canvas/items.py)."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QRectF

from engine.snippets.reader import import_snippet
from gui.canvas.items import NODE_WIDTH
from gui.launch import open_offscreen

# matrices in one column of the layout (the leaves a, b; c and the LayerNorm's leaves): their
# values and gradients wrap
MATRICES = """import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
a = torch.randn(2, 3, requires_grad=True)
b = torch.randn(3, 2, requires_grad=True)
c = torch.einsum('ij,jk->ik', a, b)
ln = nn.LayerNorm(2)
d = ln(c)
e = F.pad(d, (1, 1), value=0.5)
s = F.cosine_similarity(e, torch.ones(2, 4), dim=1)
loss = s.sum()
loss.backward()
"""


def overlapping_cards(window) -> list[tuple[str, str]]:
    cards = {node.node.name: node.mapRectToScene(QRectF(0, 0, NODE_WIDTH, node.height()))
             for node in window.scene.nodes.values()}
    return [(m, n) for (m, r), (n, s) in itertools.combinations(cards.items(), 2)
            if r.intersects(s)]


def test_cards_with_wrapped_matrices_do_not_cover_each_other(qapp):
    window = open_offscreen(import_snippet(MATRICES), (1366, 768))
    try:
        assert window.runner.last is not None and window.runner.last.error is None
        tall = [n for n in window.scene.nodes.values() if len(n._rows) >= 4]
        assert len(tall) >= 3  # the case in question: several cards with wrapped rows
        assert overlapping_cards(window) == []
    finally:
        window.discard_quietly()
