"""Replay of a run's trace: the state of the backward pass after K of its events.

Nothing here computes a gradient. Every tensor a state holds is one that a real autograd
hook handed to the recorder (engine/run.py); a replay only decides which of them had
arrived after K events. Step 0 is the moment `backward` was called: only the seeds exist.
Step len(events) is the end of the run: the state equals the run's final grads.

Views animate by asking what changed between two steps (`changed_keys`) and reading the
value of just those keys at the new step (`value_at`), so a frame touches only what moved
and stepping back restores the earlier state exactly.

A document with several calls (backward, zero_grad, autograd.grad) has one trace: call 1's
events, then call 2's... (`Run.calls` gives each call's range). Leaf `.grad`s carry over from
call to call, as in torch; what a call sends through the graph (node totals, edge gradients,
autograd nodes that ran, contributions) is shown for the current call only: the call of the
event that led to the step. `groups()` lists the calls with the steps that belong to each.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.document import Edge
from engine.format import preview
from engine.trace import (
    ACCUMULATE,
    EDGE_GRAD,
    GRAD_FN,
    NODE_GRAD,
    ZERO_GRAD,
    Run,
    RunError,
    TraceEvent,
)

if TYPE_CHECKING:
    from torch import Tensor

# What one event can change, as hashable keys: ("node", id) a node's total gradient and the
# contributions shown adding up on it; ("edge", Edge) what an edge carried; ("leaf", id) a
# leaf's .grad; ("fn", autograd id) an autograd node having run.
Key = tuple[str, Any]


@dataclass
class ReplayState:
    step: int
    node_grads: dict[str, Tensor] = field(default_factory=dict)
    edge_grads: dict[Edge, Tensor] = field(default_factory=dict)
    leaf_grads: dict[str, Tensor | None] = field(default_factory=dict)
    finished_fns: set[int] = field(default_factory=set)  # autograd ids that have run
    current: TraceEvent | None = None  # the event that led to this step (None at step 0)


@dataclass(frozen=True)
class CallGroup:
    """One call of the program, for a step list grouped by call: its events lead to the steps
    in `steps` (empty when the call sent nothing through the graph or was not run)."""

    index: int  # into Run.calls; shown as call index + 1
    kind: str
    title: str  # "call 2: backward([y], retain_graph=True)"
    steps: range
    ran: bool
    error: RunError | None


# keys whose value belongs to one call: a new call starts with none of them arrived
_PER_CALL = ("node", "edge", "fn")


class Replay:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.events = run.events
        self.seeds = run.seeds  # the document's own backward call's (the first backward)
        # call index of each event, and where each call's events start
        self._call_of = [0] * len(run.events)
        self._starts = [c.start for c in run.calls] or [0]
        for call in run.calls:
            for i in call.events:
                self._call_of[i] = call.index
        self._accumulate_fn = {n.node_id: n.id for n in run.autograd
                               if n.name == "AccumulateGrad" and n.node_id is not None}
        # key -> ([event index, ...], [value, ...]) in arrival order
        self._history: dict[Key, tuple[list[int], list[Any]]] = {}
        self._keys_of: list[list[Key]] = []
        # producer id -> [(event index, edge, grad)] of its out-edges, in arrival order
        self._edges_out: dict[str, list[tuple[int, Edge, Tensor | None]]] = {}
        for event in self.events:
            keys = self._record(event)
            self._keys_of.append(keys)
        self.gradient_nodes = {e.node_id for e in self.events
                               if e.kind == NODE_GRAD and e.node_id is not None}

    def __len__(self) -> int:
        """Number of events; steps run from 0 to len(self)."""
        return len(self.events)

    # ---- building -------------------------------------------------------------------------
    def _add(self, key: Key, index: int, value: Any) -> None:
        indices, values = self._history.setdefault(key, ([], []))
        indices.append(index)
        values.append(value)

    def _record(self, event: TraceEvent) -> list[Key]:
        i = event.index
        keys: list[Key] = []
        if event.kind == NODE_GRAD and event.node_id is not None:
            keys.append(("node", event.node_id))
            self._add(keys[-1], i, event.grad)
        elif event.kind == EDGE_GRAD and event.edge is not None:
            keys.append(("edge", event.edge))
            self._add(keys[-1], i, event.grad)
            self._edges_out.setdefault(event.edge.source, []).append((i, event.edge, event.grad))
            # the producer's label shows the contributions adding up
            keys.append(("node", event.edge.source))
        elif event.kind == GRAD_FN and event.autograd_id is not None:
            keys.append(("fn", event.autograd_id))
            self._add(keys[-1], i, True)
            if event.node_id is not None:
                keys.append(("node", event.node_id))
        elif event.kind == ZERO_GRAD and event.node_id is not None:
            keys.append(("leaf", event.node_id))
            self._add(keys[-1], i, event.grad)
        elif event.kind == ACCUMULATE and event.node_id is not None:
            keys.append(("leaf", event.node_id))
            self._add(keys[-1], i, event.grad)
            fn = self._accumulate_fn.get(event.node_id)
            if fn is not None:
                keys.append(("fn", fn))
                self._add(keys[-1], i, True)
            keys.append(("node", event.node_id))
        return keys

    # ---- reading --------------------------------------------------------------------------
    def clamp(self, step: int) -> int:
        return max(0, min(len(self.events), step))

    def call_at(self, step: int) -> int:
        """The call a step belongs to: that of the event leading to it (step 0: the first)."""
        step = self.clamp(step)
        return self._call_of[step - 1] if step else 0

    def _window(self, step: int) -> int:
        """The first event of the call `step` belongs to."""
        call = self.call_at(step)
        return self._starts[call] if call < len(self._starts) else 0

    def seeds_at(self, step: int) -> dict[str, Tensor | None]:
        """The gradients given to the outputs by the call `step` belongs to."""
        calls = self.run.calls
        return calls[self.call_at(step)].seeds if calls else self.seeds

    def groups(self) -> list[CallGroup]:
        """The program's calls in order, each with the steps its events lead to."""
        return [CallGroup(c.index, c.kind, f"call {c.index + 1}: {c.label}",
                          range(c.start + 1, c.stop + 1), c.ran, c.error)
                for c in self.run.calls]

    def value_at(self, key: Key, step: int) -> Any:
        """The key's value after `step` events: its last arrival before then, else its start."""
        history = self._history.get(key)
        if history is not None:
            indices, values = history
            n = bisect_left(indices, step)  # arrivals with index < step
            if n and (key[0] not in _PER_CALL or indices[n - 1] >= self._window(step)):
                return values[n - 1]
        if key[0] == "leaf":
            return self.run.grads_before.get(key[1])
        return None

    def has_arrived(self, key: Key, step: int) -> bool:
        """Whether an event for `key` is among the first `step` events."""
        history = self._history.get(key)
        if history is None:
            return False
        n = bisect_left(history[0], step)
        return n > 0 and (key[0] not in _PER_CALL or history[0][n - 1] >= self._window(step))

    def node_grad_at(self, node_id: str, step: int) -> Tensor | None:
        return self.value_at(("node", node_id), step)

    def edge_grad_at(self, edge: Edge, step: int) -> Tensor | None:
        return self.value_at(("edge", edge), step)

    def leaf_grad_at(self, leaf_id: str, step: int) -> Tensor | None:
        return self.value_at(("leaf", leaf_id), step)

    def fn_done_at(self, autograd_id: int, step: int) -> bool:
        return bool(self.value_at(("fn", autograd_id), step))

    def keys_of(self, index: int) -> list[Key]:
        """What event `index` changes (moving from step index to index + 1)."""
        return self._keys_of[index]

    def changed_keys(self, a: int, b: int) -> set[Key]:
        """Every key whose value can differ between step a and step b."""
        lo, hi = sorted((self.clamp(a), self.clamp(b)))
        if self.call_at(lo) != self.call_at(hi):  # what lo's call had sent is gone at hi
            lo = min(lo, self._window(lo))
        keys: set[Key] = set()
        for i in range(lo, hi):
            keys.update(self._keys_of[i])
        return keys

    def contributions(self, node_id: str, step: int) -> list[tuple[str, Tensor | None]]:
        """What has arrived at a node so far, in arrival order: its seed if it is an output
        (("seed", v); v None for a bare backward()), then each edge's gradient (port, grad)."""
        parts: list[tuple[str, Tensor | None]] = []
        seeds = self.seeds_at(step)
        if node_id in seeds:
            parts.append(("seed", seeds[node_id]))
        arrived = self._edges_out.get(node_id, [])
        window = self._window(step)
        for index, edge, grad in arrived:
            if index >= step:
                break
            if index < window:
                continue
            parts.append((f"{self.run.names.get(edge.target, edge.target)}.{edge.port}", grad))
        return parts

    def state(self, step: int) -> ReplayState:
        """The whole state after `step` events (folding the events; for tests and export)."""
        step = self.clamp(step)
        state = ReplayState(step, leaf_grads=dict(self.run.grads_before))
        for event in self.events[:step]:
            if event.index == self._window(event.index + 1):  # a new call: nothing sent yet
                state.node_grads, state.edge_grads, state.finished_fns = {}, {}, set()
            if event.kind == ZERO_GRAD and event.node_id is not None:
                state.leaf_grads[event.node_id] = event.grad
            elif event.kind == NODE_GRAD and event.node_id is not None and event.grad is not None:
                state.node_grads[event.node_id] = event.grad
            elif event.kind == EDGE_GRAD and event.edge is not None and event.grad is not None:
                state.edge_grads[event.edge] = event.grad
            elif event.kind == GRAD_FN and event.autograd_id is not None:
                state.finished_fns.add(event.autograd_id)
            elif event.kind == ACCUMULATE and event.node_id is not None:
                state.leaf_grads[event.node_id] = event.grad
                fn = self._accumulate_fn.get(event.node_id)
                if fn is not None:
                    state.finished_fns.add(fn)
        state.current = self.events[step - 1] if step else None
        return state

    def describe(self, step: int) -> str:
        """One line for the step list: what happened to reach `step`."""
        names = self.run.names
        if step == 0:
            calls = self.run.calls
            if calls and not calls[0].primary:
                return f"call 1 of {len(calls)}: {calls[0].label}"
            bare = "none (bare backward())"
            parts = [f"{names.get(i, i)} ← {preview(s) if s is not None else bare}"
                     for i, s in self.seeds.items()]
            text = "backward() called; seed " + ("; ".join(parts) if parts else "none")
            return f"call 1 of {len(calls)}: {text}" if len(calls) > 1 else text
        return describe_event(self.events[step - 1], names)


def describe_event(event: TraceEvent, names: dict[str, str]) -> str:
    def name(node_id: str | None) -> str:
        return names.get(node_id, node_id) if node_id else "?"

    if event.kind == NODE_GRAD:
        return f"∇ {name(event.node_id)} = {preview(event.grad)}  (total)"
    if event.kind == EDGE_GRAD and event.edge is not None:
        return (f"edge {name(event.edge.source)} → {name(event.edge.target)}.{event.edge.port}"
                f" carried back {preview(event.grad)}")
    if event.kind == GRAD_FN:
        grads_in = ", ".join(preview(g) for g in event.grads_in)
        grads_out = ", ".join(preview(g) for g in event.grads_out)
        return f"{event.autograd_name} ({name(event.node_id)}): in {grads_in} → out {grads_out}"
    if event.kind == ACCUMULATE:
        return f"AccumulateGrad ({name(event.node_id)}): .grad = {preview(event.grad)}"
    if event.kind == ZERO_GRAD:
        if event.grad is None:
            return f"{name(event.node_id)}.grad = None"
        return f"{name(event.node_id)}.grad.zero_(): .grad = {preview(event.grad)}"
    return event.kind
