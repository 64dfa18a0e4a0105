"""Layered left-to-right layout: each node's column is its depth in the graph."""

from __future__ import annotations

import networkx as nx

from engine.document import Document

COLUMN_WIDTH = 240.0
ROW_HEIGHT = 150.0


def layered_positions(doc: Document) -> dict[str, tuple[float, float]]:
    """Positions for every node: columns by topological generation, rows centred."""
    positions: dict[str, tuple[float, float]] = {}
    for column, generation in enumerate(nx.topological_generations(doc.graph)):
        # keep a stable, readable order inside a column: by current height, then id
        ordered = sorted(generation, key=lambda i: (doc.node(i).position[1], i))
        top = -(len(ordered) - 1) * ROW_HEIGHT / 2
        for row, node_id in enumerate(ordered):
            positions[node_id] = (column * COLUMN_WIDTH, top + row * ROW_HEIGHT)
    return positions


def apply_layout(doc: Document) -> None:
    """Move every node to its layered position (one event per moved node)."""
    for node_id, pos in layered_positions(doc).items():
        if doc.node(node_id).position != pos:
            doc.update_node(node_id, position=pos)
