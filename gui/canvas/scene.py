"""The canvas scene: one NodeItem per document node, one EdgeItem per edge.

It listens to document events and redraws only what changed; `show_run` writes a run's
values and gradients onto the cards.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QGraphicsScene

from engine.collector import collector_paused
from engine.document import DocEvent, Document, Edge
from engine.replay_view import final_grad_line, value_lines
from engine.trace import Run
from gui import style
from gui.canvas.items import EdgeItem, NodeItem

# Room around the cards in the scene rect: a wire's bend and the replay's seed label fit in it.
# The rect follows the cards only, so the replay's labels never grow it (no scrollbars, no jump).
MARGIN = 32.0


class GraphScene(QGraphicsScene):
    node_moved = Signal(str)  # node id, while dragging
    # before every item is deleted: whoever put items of their own on the scene takes them off
    about_to_rebuild = Signal()

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.run: Run | None = None
        # the backward replay (gui/replay/animation.py) sets this to show a node's gradient as it
        # was at the replayed step instead of the run's final one; None = final
        self.grad_lines: Callable[[str], list[tuple[str, str]] | None] | None = None
        self.setBackgroundBrush(style.canvas_background())
        self.node_moved.connect(self.refresh_edges_of)
        self.node_moved.connect(self._include)
        doc.subscribe(self.on_event)
        self.rebuild()

    # ---- document events ------------------------------------------------------------------
    @collector_paused()  # a card is a dozen objects, all kept: nothing to collect
    def rebuild(self) -> None:
        """Every item anew from the document, with no run yet ("computing…")."""
        self.run = None
        self.about_to_rebuild.emit()
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        has_outputs = self._has_outputs()  # once, not once per card
        for node in self.doc.nodes():
            item = NodeItem(node)
            self.addItem(item)
            self.nodes[node.id] = item
            self._refresh_lines(item, has_outputs)
        for edge in self.doc.edges():
            self._add_edge(edge)
        self.fit_scene_rect()

    def on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            return  # the window's reset order calls rebuild() once the replay let go
        if event.kind == "node_added" and event.node_id:
            self._add_node(event.node_id)
        elif event.kind == "node_removed" and event.node_id in self.nodes:
            self.removeItem(self.nodes.pop(event.node_id))
            self.fit_scene_rect()
        elif event.kind == "node_changed" and event.node_ids:  # many moved at once
            for node_id in event.node_ids:
                if node_id in self.nodes:
                    self.nodes[node_id].set_node(self.doc.node(node_id))  # node_moved follows
        elif event.kind == "node_changed" and event.node_id in self.nodes:
            item = self.nodes[event.node_id]
            item.set_node(self.doc.node(event.node_id))
            self._refresh_lines(item)
            if "position" not in event.fields:  # a move already refreshed them (node_moved)
                self.refresh_edges_of(event.node_id)
        elif event.kind == "edge_added" and event.edge:
            self._add_edge(event.edge)
        elif event.kind == "edge_removed" and event.edge in self.edges:
            self.removeItem(self.edges.pop(event.edge))

    def _add_node(self, node_id: str) -> None:
        item = NodeItem(self.doc.node(node_id))
        self.addItem(item)
        self.nodes[node_id] = item
        self._refresh_lines(item)
        self._include(node_id)

    # ---- the scene rect: the cards and a margin -------------------------------------------
    def fit_scene_rect(self) -> None:
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        self.setSceneRect(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN) if self.nodes
                          else QRectF(0, 0, 1, 1))

    def _include(self, node_id: str) -> None:
        """Grow the scene rect to a moved or added card (a drag stays cheap: no full scan)."""
        item = self.nodes.get(node_id)
        if item is not None:
            card = item.sceneBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
            self.setSceneRect(card if len(self.nodes) == 1 else self.sceneRect().united(card))

    def _add_edge(self, edge: Edge) -> None:
        item = EdgeItem(self.nodes[edge.source], self.nodes[edge.target], edge.port)
        self.addItem(item)
        self.edges[edge] = item
        if self.run is not None:
            item.set_carries_grad(edge.source in self.run.grad_nodes)

    def refresh_edges_of(self, node_id: str) -> None:
        if node_id not in self.doc.graph:
            return
        # the document's adjacency keeps this cheap while many nodes are dragged
        for edge in [*self.doc.in_edges(node_id).values(), *self.doc.out_edges(node_id)]:
            item = self.edges.get(edge)
            if item is not None:
                item.refresh()

    # ---- run results ----------------------------------------------------------------------
    def show_run(self, run: Run | None) -> None:
        self.run = run
        has_outputs = self._has_outputs()
        for item in self.nodes.values():
            self._refresh_lines(item, has_outputs)
        for edge, edge_item in self.edges.items():
            edge_item.set_carries_grad(run is None or edge.source in run.grad_nodes)

    def refresh_node(self, node_id: str) -> None:
        # a card of a document just replaced is not redrawn: rebuild() is about to drop it
        if node_id in self.nodes and node_id in self.doc.graph:
            self._refresh_lines(self.nodes[node_id])

    def _has_outputs(self) -> bool:
        return any(node.is_output for node in self.doc.nodes())

    def _refresh_lines(self, item: NodeItem, has_outputs: bool | None = None) -> None:
        """has_outputs: whether the document has an output (asked of it when not given)."""
        node = self.doc.node(item.node_id)
        run = self.run
        error = run.node_errors.get(node.id) if run else None
        lines = value_lines(node, run)
        override = self.grad_lines(node.id) if (run is not None and self.grad_lines) else None
        if override is not None:
            lines.extend(override)
        elif run is not None and (last := final_grad_line(node, run)) is not None:
            lines.append(last)
        elif run is None and (self._has_outputs() if has_outputs is None else has_outputs):
            lines.append(("∇ computing…", "muted"))  # never a number from a previous run
        alarm = error is not None and run is not None and not error.incomplete
        item.set_lines(lines, error.describe(run.names) if (alarm and error and run) else None)

