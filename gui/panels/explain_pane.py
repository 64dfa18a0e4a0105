"""The explain pane: the selected node's local backward rule with this run's numbers.

The text comes from engine/explain.py; this widget only picks the node (the canvas
selection) and colours the lines.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QGraphicsScene, QTextBrowser

from engine.document import Document, UnknownNodeError
from engine.explain import explain
from engine.trace import Run
from gui import style


class ExplainPane(QTextBrowser):
    def __init__(self, doc: Document, scene: QGraphicsScene) -> None:
        super().__init__()
        self.doc = doc
        self.scene = scene
        self.run: Run | None = None
        self.node_id: str | None = None
        self.call: int | None = None  # the call shown (None: the last); see Run.at_call
        self.setOpenLinks(False)
        scene.selectionChanged.connect(self._on_selection)
        self._render()

    def show_run(self, run: Run | None) -> None:
        self.run = run
        self._render()

    def show_call(self, index: int | None) -> None:
        """Explain with what call `index` sent and left (the chart's chosen call)."""
        self.call = index
        self._render()

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id
        self._render()

    def _on_selection(self) -> None:
        try:
            items = self.scene.selectedItems()
        except RuntimeError:  # the scene is being torn down
            return
        ids = [getattr(item, "node_id", None) for item in items]
        ids = [i for i in ids if i is not None]
        self.show_node(ids[0] if len(ids) == 1 else None)

    def plain_text(self) -> str:
        return self.toPlainText()

    def _render(self) -> None:
        node_id = self.node_id if self.node_id in self.doc.graph else None
        outputs = self.doc.outputs()
        if node_id is None and outputs:  # nothing selected: the rule where v enters
            node_id = outputs[0].id
        if node_id is None:
            self.setHtml(f"<p style='color:{style.GREY}'>Select one node on the canvas to see "
                         "its local backward rule with this run's numbers.</p>")
            return
        run, note = self.run, ""
        if run is not None and len(run.calls) > 1:  # one call's numbers, never a mix
            index = min(len(run.calls) - 1 if self.call is None else self.call,
                        len(run.calls) - 1)
            note = (f"<p style='color:{style.GREY}'>numbers of call {index + 1}: "
                    f"{html.escape(run.calls[index].label)}</p>")
            run = run.at_call(index)
        try:
            lines = explain(self.doc, run, node_id)
        except UnknownNodeError:
            self.node_id = None
            return self._render()
        grad = style.grad_colour().name()
        parts = [] if node_id == self.node_id else [
            f"<p style='color:{style.GREY}'>Select a node on the canvas to explain it; "
            "meanwhile, the output:</p>"]
        for line in lines:
            text = html.escape(line.text)
            if line.kind == "title":
                parts.append(f"<p style='font-weight:bold; font-size:large'>{text}</p>")
            elif line.kind == "muted":
                parts.append(f"<p style='color:{style.GREY}'>{text}</p>")
            elif line.kind in ("formula", "numbers"):
                parts.append(f"<pre style='margin:0; white-space:pre-wrap'>{text}</pre>")
            elif line.kind == "result":
                parts.append(f"<pre style='margin:0; white-space:pre-wrap; color:{grad}; "
                             f"font-weight:bold'>{text}</pre>")
            else:
                parts.append(f"<p style='margin-top:8px; margin-bottom:0'>{text}</p>")
        self.setHtml(note + "".join(parts))
