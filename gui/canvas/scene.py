"""The canvas scene: one NodeItem per document node, one EdgeItem per edge.

It listens to document events and redraws only what changed; `show_run` writes a run's
values and gradients onto the cards.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGraphicsScene

from engine.document import DocEvent, Document, Edge
from engine.replay_view import final_grad_line, value_lines
from engine.trace import Run
from gui import style
from gui.canvas.items import EdgeItem, NodeItem


class GraphScene(QGraphicsScene):
    node_moved = Signal(str)  # node id, while dragging

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
        doc.subscribe(self.on_event)
        self.rebuild()

    # ---- document events ------------------------------------------------------------------
    def rebuild(self) -> None:
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        for node in self.doc.nodes():
            self._add_node(node.id)
        for edge in self.doc.edges():
            self._add_edge(edge)

    def on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            self.run = None
            self.rebuild()
        elif event.kind == "node_added" and event.node_id:
            self._add_node(event.node_id)
        elif event.kind == "node_removed" and event.node_id in self.nodes:
            self.removeItem(self.nodes.pop(event.node_id))
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
        for item in self.nodes.values():
            self._refresh_lines(item)
        for edge, edge_item in self.edges.items():
            edge_item.set_carries_grad(run is None or edge.source in run.grad_nodes)

    def refresh_node(self, node_id: str) -> None:
        if node_id in self.nodes:
            self._refresh_lines(self.nodes[node_id])

    def _refresh_lines(self, item: NodeItem) -> None:
        node = self.doc.node(item.node_id)
        run = self.run
        error = run.node_errors.get(node.id) if run else None
        lines = value_lines(node, run)
        override = self.grad_lines(node.id) if (run is not None and self.grad_lines) else None
        if override is not None:
            lines.extend(override)
        elif run is not None and (last := final_grad_line(node, run)) is not None:
            lines.append(last)
        item.set_lines(lines, error.describe(run.names) if (error and run) else None)

