"""What the web replay shows at each step, as plain data: texts, roles and numbers.

The reading of a run's trace is the app's own (engine/replay_view.py: a card's gradient line,
the sum at a node, the seed tags of each call, every leaf's .grad so far); this module only
turns it into tracks. Every number is a tensor a real autograd hook handed to the recorder
(engine/replay.py); nothing is computed here but text.

Each display item is a *track*: its value at step 0 and at every step where it changes. The page
keeps the tracks and, to show step k, takes each changed item's last value at or before k —
so the page stays linear in the number of events, like the replay itself. Moving from one call
to the next also clears what the previous call had sent (Replay.changed_keys says which).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine.document import Edge
from engine.format import number, preview
from engine.replay import Key, Replay
from engine.replay_view import Bar, event_node, grad_line, leaf_values, seed_tags, sum_text
from engine.trace import EDGE_GRAD

# How long one event lasts when playing at 1×: the app's timings (gui/animation.py)
EVENT_MS = {EDGE_GRAD: 800}
OTHER_EVENT_MS = 500



@dataclass
class Tracks:
    """Every display item's value at step 0 and at each step it changes."""

    values: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    changes: list[list[str]] = field(default_factory=list)  # changes[k]: items moving k-1 → k

    def put(self, item: str, step: int, value: Any) -> None:
        history = self.values.setdefault(item, [])
        if history and history[-1][1] == value:
            return
        history.append((step, value))
        if step:
            self.changes[step].append(item)

    def at(self, item: str, step: int) -> Any:
        value = None
        for s, v in self.values.get(item, []):
            if s > step:
                break
            value = v
        return value


def bar_text(value: float | None) -> str:
    if value is None:
        return "—"
    return number(value) if math.isfinite(value) else f"⚠ {number(value)}"


def build_tracks(replay: Replay, node_keys: dict[str, str], edges: dict[Edge, str],
                 bars: list[Bar], bar_geometry: Any) -> Tracks:
    """Tracks for cards ("card:N"), glows ("halo:N"), sums ("sum:N"), edge labels ("edge:N"),
    seed tags ("seed:N") and bars ("bar:N"); N is the item's key on the page (`node_keys`,
    `edges`, bar index). `bar_geometry(value)` turns a bar value into what the page draws
    (Python decides the pixels; the page only copies them)."""
    n = len(replay)
    tracks = Tracks(changes=[[] for _ in range(n + 1)])
    bars_of: dict[str, list[int]] = {}
    for i, bar in enumerate(bars):
        bars_of.setdefault(bar.leaf_id, []).append(i)
    outputs = {o for c in replay.run.calls for o in c.seeds} | set(replay.seeds)
    outputs &= set(node_keys)

    def show_node(node_id: str, k: int, current: str | None) -> None:
        line = grad_line(replay, node_id, k)
        if line is not None:
            key = node_keys[node_id]
            tracks.put(f"card:{key}", k, list(line))
            lit = replay.node_grad_at(node_id, k) is not None
            tracks.put(f"halo:{key}", k, "current" if node_id == current else
                       ("lit" if lit else ""))
            tracks.put(f"sum:{key}", k, sum_text(replay, node_id, k) or "")

    def show_leaf(leaf_id: str, k: int) -> None:
        values = leaf_values(replay, leaf_id, k)
        for i in bars_of.get(leaf_id, []):
            value = None if values is None else values[bars[i].index]
            tracks.put(f"bar:{i}", k, bar_geometry(value))

    def show_seeds(k: int) -> None:
        tags = seed_tags(replay, k)
        for node_id in sorted(outputs):
            tracks.put(f"seed:{node_keys[node_id]}", k, tags.get(node_id, ""))

    for node_id in node_keys:
        show_node(node_id, 0, None)
    for item in edges.values():
        tracks.put(f"edge:{item}", 0, "")
    for leaf_id in bars_of:
        show_leaf(leaf_id, 0)
    show_seeds(0)
    previous: str | None = None
    for k in range(1, n + 1):
        current = event_node(replay.events[k - 1])
        new_call = replay.call_at(k) != replay.call_at(k - 1)
        keys: set[Key] = replay.changed_keys(k - 1, k)  # a new call: the old call's too
        keys |= {("node", x) for x in (current, previous) if x is not None}
        previous = current
        if new_call:
            show_seeds(k)
        for kind, what in sorted(keys, key=repr):
            if kind == "edge" and what in edges:
                grad = replay.edge_grad_at(what, k)
                tracks.put(f"edge:{edges[what]}", k, preview(grad) if grad is not None else "")
            elif kind == "node" and what in node_keys:
                show_node(what, k, current)
            elif kind == "leaf" and what in node_keys:
                show_node(what, k, current)
                show_leaf(what, k)
    return tracks
