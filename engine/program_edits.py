"""The document's edits of its program of calls (engine/calls.py), kept out of document.py.

Each edit validates the whole new program first, changes nothing when it refuses (raising the
document's GraphError), and emits one "calls_changed" DocEvent, so an undo command can wrap
each: add_call ↔ remove_call, move_call(a, b) ↔ move_call(b, a), update_call returns the old
fields, set_calls returns the old list.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import networkx as nx

from engine.calls import CALL_FIELDS, Call, CallError, check_call, check_program, normalised


class ProgramEdits:
    """Mixed into Document, which provides the graph, the refusal and the event."""

    graph: nx.MultiDiGraph
    calls: list[Call]

    def _refusal(self, message: str) -> Exception:
        raise NotImplementedError

    def _calls_changed(self, index: int | None, fields: tuple[str, ...] = ()) -> None:
        raise NotImplementedError

    def _node_op(self, node_id: str) -> str | None:
        return self.graph.nodes[node_id]["node"].op if node_id in self.graph else None

    def _checked_program(self, calls: list[Call]) -> list[Call]:
        calls = [normalised(c) for c in calls]
        try:
            for call in calls:
                check_call(call, self._node_op)
            check_program(calls)
        except CallError as exc:
            raise self._refusal(str(exc)) from None
        return calls

    def set_calls(self, calls: list[Call]) -> list[Call]:
        """Replace the whole program; returns the old one (for undo)."""
        new = self._checked_program(list(calls))
        old, self.calls = self.calls, new
        self._calls_changed(None)
        return old

    def add_call(self, call: Call, index: int | None = None) -> int:
        """Insert a call (at the end by default); returns its index."""
        index = len(self.calls) if index is None else index
        if not 0 <= index <= len(self.calls):
            raise self._refusal(f"no place {index} in a program of {len(self.calls)} calls")
        self.calls = self._checked_program([*self.calls[:index], call, *self.calls[index:]])
        self._calls_changed(index)
        return index

    def remove_call(self, index: int) -> Call:
        """Remove a call; returns it so add_call(call, index) undoes the removal."""
        self._call_at(index)
        if self.calls[index].primary:
            raise self._refusal("the document's own backward call cannot be removed; "
                             "it runs on the outputs marked on the graph")
        removed = self.calls[index]
        self.calls = self._checked_program(self.calls[:index] + self.calls[index + 1:])
        self._calls_changed(index)
        return removed

    def move_call(self, index: int, new_index: int) -> None:
        """Move a call to another place; move_call(new_index, index) undoes it."""
        call = self._call_at(index)
        self._call_at(new_index)
        rest = self.calls[:index] + self.calls[index + 1:]
        self.calls = self._checked_program([*rest[:new_index], call, *rest[new_index:]])
        self._calls_changed(new_index)

    def update_call(self, index: int, **fields: Any) -> dict[str, Any]:
        """Change fields of a call; returns the old values of exactly those fields."""
        current = self._call_at(index)
        bad = set(fields) - set(CALL_FIELDS) | ({"kind", "primary"} & set(fields))
        if bad:
            raise self._refusal(f"a call's {sorted(bad)[0]!r} cannot be changed this way")
        candidate = replace(current, **copy.deepcopy(fields))
        self.calls = self._checked_program([*self.calls[:index], candidate,
                                            *self.calls[index + 1:]])
        self._calls_changed(index, tuple(fields))
        return {k: getattr(current, k) for k in fields}

    def _call_at(self, index: int) -> Call:
        if not 0 <= index < len(self.calls):
            raise self._refusal(f"no call {index + 1}: the program has {len(self.calls)} calls")
        return self.calls[index]
