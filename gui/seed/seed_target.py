"""Where a seed block reads and writes its v: an output node's own seed (the document's own
backward call), or one output's gradient in another call of the program. The block's cells,
presets, paste field and switch are the same for both; only this differs."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtGui import QUndoStack

from engine.calls import FUNCTIONAL, GRAD, vectors_per
from engine.document import Document
from engine.literal import Nested, format_literal
from engine.seeds import as_floats, backward_call, count, nest
from gui.canvas.commands import push
from gui.seed.call_commands import UpdateCallCommand
from gui.seed.seed_commands import SetSeedCommand


class SeedTarget(Protocol):
    node_id: str

    def name(self) -> str: ...
    def title(self) -> str: ...
    def seed(self) -> Nested | None: ...
    def enabled(self) -> bool: ...
    def code(self, shape: tuple[int, ...] | None) -> str: ...
    def push(self, seed: Nested | None, enabled: bool, text: str,
             merge_key: Any = None) -> str | None: ...


class NodeSeed:
    """The seed on the output node itself: Node.seed / Node.seed_enabled."""

    def __init__(self, doc: Document, undo_stack: QUndoStack, node_id: str) -> None:
        self.doc, self.undo_stack, self.node_id = doc, undo_stack, node_id

    def name(self) -> str:
        return self.doc.node(self.node_id).name

    def title(self) -> str:
        return f"{self.name()}  ·  v for {self.name()}.backward"

    def seed(self) -> Nested | None:
        return self.doc.node(self.node_id).seed

    def enabled(self) -> bool:
        return self.doc.node(self.node_id).seed_enabled

    def code(self, shape: tuple[int, ...] | None) -> str:
        node = self.doc.node(self.node_id)
        return backward_call(node.name, node.seed, node.seed_enabled, shape)

    def push(self, seed: Nested | None, enabled: bool, text: str,
             merge_key: Any = None) -> str | None:
        self.undo_stack.push(SetSeedCommand(self.doc, self.node_id, seed, enabled, text,
                                            merge_key))
        return None


class CallSeed:
    """Output `position` of call `index`: its gradient= (backward) or grad_outputs= (grad)
    entry; None there means no gradient given (torch then needs a scalar). For a functional
    call (vjp, jvp, vhp, hvp): its v for that output (vjp) or input (the others)."""

    def __init__(self, doc: Document, undo_stack: QUndoStack, index: int, position: int,
                 shape: tuple[int, ...] | None) -> None:
        self.doc, self.undo_stack = doc, undo_stack
        self.index, self.position, self.shape = index, position, shape
        call = doc.calls[index]
        self.node_id = (vectors_per(call) if call.kind == FUNCTIONAL else call.outputs)[position]

    def name(self) -> str:
        return self.doc.node(self.node_id).name

    def _word(self) -> str:
        kind = self.doc.calls[self.index].kind
        return "grad_outputs" if kind == GRAD else "v" if kind == FUNCTIONAL else "gradient"

    def title(self) -> str:
        return f"{self.name()}  ·  {self._word()}= in call {self.index + 1}"

    def seed(self) -> Nested | None:
        return self.doc.calls[self.index].seeds[self.position]

    def enabled(self) -> bool:
        return self.seed() is not None

    def code(self, shape: tuple[int, ...] | None) -> str:
        seed = self.seed()
        if seed is None:
            return f"no {self._word()}= for {self.name()}: torch needs a single element and " \
                "uses 1"
        return f"{self._word()}: torch.tensor({format_literal(as_floats(seed))})"

    def push(self, seed: Nested | None, enabled: bool, text: str,
             merge_key: Any = None) -> str | None:
        if enabled and seed is None:  # switched on: start from ones, as the node seed does
            seed = nest([1.0] * count(self.shape), self.shape) if self.shape is not None \
                else 1.0
        seeds = list(self.doc.calls[self.index].seeds)
        seeds[self.position] = seed if enabled else None
        key = None if merge_key is None else (self.index, merge_key)
        return push(self.undo_stack, UpdateCallCommand(self.doc, self.index, text, key,
                                                       seeds=tuple(seeds)))
