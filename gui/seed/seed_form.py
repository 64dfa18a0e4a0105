"""The seed form: the `gradient=` vector v of every output, one editable cell per element.

Each output gets a block (gui/seed/seed_block.py): its cells laid out by the output's shape,
presets (ones, one-hot eᵢ, 1/n, random, zeros), a paste field, the "pass gradient=" switch and
the line of PyTorch it amounts to. This module keeps one block per output, rebuilt when the
outputs change, with the shapes the latest run gave them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.document import DocEvent, Document
from engine.literal import shape_of
from engine.trace import Run
from gui.seed.seed_block import SeedBlock

_STRUCTURE_FIELDS = {"is_output", "name"}


class SeedForm(QScrollArea):
    """One SeedBlock per output node, rebuilt when outputs or their shapes change."""

    def __init__(self, doc: Document, undo_stack: QUndoStack) -> None:
        super().__init__()
        self.doc = doc
        self.undo_stack = undo_stack
        self.blocks: dict[str, SeedBlock] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self.hint = QLabel("v weights each element of an output: x.grad = vᵀJ. "
                           "Mark a node as output to give it a seed.")
        self.hint.setWordWrap(True)
        self._layout.addWidget(self.hint)
        # the blocks of the document's own backward call; with several calls this box sits
        # inside that call's section, between the others (gui/seed/program_panel.py)
        self.primary = QWidget()
        self._blocks_layout = QVBoxLayout(self.primary)
        self._blocks_layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.primary)
        self._layout.addStretch(1)
        self.body_layout = self._layout
        self.setWidget(self._body)
        doc.subscribe(self._on_event)
        self.rebuild()

    def reset(self) -> None:
        """The document was replaced: blocks for its outputs, no shape from an older run."""
        self.shapes.clear()
        self.rebuild()

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            return  # the window's reset order calls reset()
        if event.kind in ("node_added", "node_removed"):
            self.rebuild()
        elif event.kind == "node_changed":
            if _STRUCTURE_FIELDS & set(event.fields):
                self.rebuild()
            elif event.node_id in self.blocks:
                self.blocks[event.node_id].refresh()

    def _shape_for(self, node_id: str) -> tuple[int, ...] | None:
        if node_id in self.shapes:
            return self.shapes[node_id]
        seed = self.doc.node(node_id).seed
        return shape_of(seed) if seed is not None else None

    def rebuild(self) -> None:
        for block in self.blocks.values():
            self._blocks_layout.removeWidget(block)
            block.hide()  # gone from sight now, not when the event loop deletes it
            block.deleteLater()
        self.blocks.clear()
        outputs = self.doc.outputs()
        for i, node in enumerate(outputs):
            block = SeedBlock(self, node.id, self._shape_for(node.id))
            self._blocks_layout.insertWidget(i, block)
            self.blocks[node.id] = block
        self.hint.setText("v weights each element of an output: x.grad = vᵀJ." if outputs else
                          "No output yet: mark a node as output to give it a seed v.")

    def show_run(self, run: Run | None) -> None:
        """Take the outputs' shapes from the run; keep the last known shape on a failure."""
        changed = False
        for node_id in (run.output_ids if run else []):
            value = run.values.get(node_id) if run else None
            if value is not None and self.shapes.get(node_id) != tuple(value.shape):
                self.shapes[node_id] = tuple(value.shape)
                changed = True
        if changed or set(self.blocks) != {n.id for n in self.doc.outputs()}:
            self.rebuild()
