"""Gradients that keep a graph of their own (`create_graph=True`), read into the graph.

`torch.autograd.grad(y, x, create_graph=True)` and `y.backward(create_graph=True)` make a
gradient that later ops, backward and autograd.grad differentiate again: a second
derivative, a gradient penalty. Each such gradient becomes a node of the graph
(engine/grad_op.py) beside the call the snippet made, so the calls panel still shows that
call and the canvas shows the gradient as a tensor later ops use.

After `y.backward(create_graph=True)`, `x.grad` is that node until a call changes it. torch
accumulates later backward calls into that very tensor in place (and `x.grad.zero_()` zeroes
it), so a name bound to it would then hold other numbers: computing with it after that is
refused, as computing with a tensor changed in place behind a detach is.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine import calls
from engine.calls import Call
from engine.grad_op import GRAD_OP
from engine.snippets.program import ProgramReader
from engine.snippets.safety import error_at, short_text
from engine.snippets.tables import dtype_name
from engine.snippets.values import Pending, Ref, Value

SEVERAL_OUTPUTS = ("create_graph=True with several outputs is not read: differentiate one output "
            "per call (or their sum)")


class GraphedGradReader(ProgramReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graphed: dict[str, str] = {}  # leaf id -> the node its .grad is now
        # gradient nodes torch changed in place later (a backward added to x.grad): why
        self.grads_changed: dict[str, str] = {}

    # ---- the gradient as a node ---------------------------------------------------------
    def gradient_nodes(self, output: str, inputs: list[str], seed: ast.expr | Value | None,
                       where: ast.AST) -> dict[str, Ref]:
        """A node per input computing the gradient of output by it with its own graph. The
        seed: the call's grad_outputs (an expression or a value), or ones like the output."""
        if seed is None or isinstance(seed, ast.Constant) and seed.value is None:
            numbers = self.seed_numbers(output, None, True, where)
            meta = self.meta.get(output)
            dtype = dtype_name(meta.dtype) if isinstance(meta, torch.Tensor) else "float32"
            seed_value: Value = Pending(numbers, dtype, None, name="v")
        elif isinstance(seed, ast.expr):
            seed_value = self.expr(seed)
        else:
            seed_value = seed
        kept: dict[str, Ref] = {}
        for i in inputs:
            made = self.op_node(GRAD_OP, [Ref(output), Ref(i), seed_value], {}, where)
            self.concrete(made, where)  # torch's error, if any, is raised at this call
            assert isinstance(made, Ref)
            kept[i] = made
        return kept

    def keep_graphed_grads(self, outputs: list[tuple[str, Any, bool]],
                           inputs: list[str] | None,
                           before: dict[str, torch.Tensor | None], where: ast.Call) -> None:
        """`y.backward(create_graph=True)`, its call read: each leaf's .grad becomes a
        gradient node, added to the .grad it held `before` the call (torch adds out of place
        when the new gradient has a graph)."""
        if len(outputs) != 1:
            raise error_at(where, SEVERAL_OUTPUTS)
        output, seed, enabled = outputs[0]
        leaves = inputs if inputs is not None else [
            n.id for n in self.doc.leaves() if n.requires_grad and self.reaches(n.id, [output])]
        seed_value: Value | None = None
        if enabled and seed is not None:
            meta = self.meta.get(output)
            dtype = dtype_name(meta.dtype) if isinstance(meta, torch.Tensor) else "float32"
            seed_value = Pending(seed, dtype, None, name="v")
        made = self.gradient_nodes(output, leaves, seed_value, where)
        for leaf, node in made.items():
            held: Value | None = Ref(self.graphed[leaf]) if leaf in self.graphed else None
            old = before.get(leaf)
            if held is None and old is not None:  # numbers: that .grad had no graph
                held = self.from_tensor(old, where)
                held.name = f"{self.doc.node(leaf).name}_grad_before"
            self.graphed[leaf] = node.node_id if held is None else \
                self.node_of(self.op_node("add", [held, node], {}, where), where)

    def describe_gradient_nodes(self) -> None:
        """At the end: "About this graph" says which nodes are gradients with a graph of
        their own, and that the call beside each shows the same gradient flowing back."""
        made = [n.name for n in self.doc.nodes() if n.op == GRAD_OP]
        if not made:
            return
        listed = ", ".join(made[:4]) + ("…" if len(made) > 4 else "")
        text = (f"{listed} {'is a gradient' if len(made) == 1 else 'are gradients'} computed "
                "with create_graph=True (∂ nodes: torch.autograd.grad(output, input, v, "
                "create_graph=True)[0]), kept as a graph of "
                f"{'its' if len(made) == 1 else 'their'} own so later ops differentiate "
                "again; the call the snippet made is in the program too, first-order, "
                "showing the same gradient flow back.")
        self.doc.description = f"{self.doc.description} {text}".strip()

    def graphed_grad(self, tensor: Value) -> Ref | None:
        """`x.grad` while it is a gradient with a graph of its own."""
        node_id = tensor.node_id if isinstance(tensor, Ref | Pending) else None
        graphed = None if node_id is None else self.graphed.get(node_id)
        return None if graphed is None else Ref(graphed)

    # ---- calls that change .grad ----------------------------------------------------------
    def add_call(self, call: Call, where: ast.AST) -> None:
        super().add_call(call, where)
        if not self.graphed or call.kind not in (calls.BACKWARD, calls.ZERO_GRAD):
            return
        touched = list(self.graphed) if call.kind == calls.BACKWARD or call.leaves is None \
            else [i for i in call.leaves if i in self.graphed]
        for leaf in touched:
            node = self.graphed.pop(leaf)
            if not (call.kind == calls.ZERO_GRAD and call.set_to_none):
                self.grads_changed[node] = f"{self.doc.node(leaf).name}.grad"

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        for value in inputs:
            node_id = value.node_id if isinstance(value, Ref | Pending) else None
            if node_id is not None and node_id in self.grads_changed:
                raise error_at(where, f"{short_text(where)}: {self.doc.node(node_id).name} is "
                                      f"the tensor {self.grads_changed[node_id]} was, and a later "
                                      "call changed it in place (torch adds to .grad and zeroes "
                                      "it in place): computing with it after that is outside "
                                      "the computation Gradflow reads; set .grad = None before "
                                      "that call")
        return super().op_node(op, inputs, params, where)

    # ---- provided by the reader ---------------------------------------------------------
    def seed_numbers(self, target: str, seed: Any, enabled: bool, where: ast.AST) -> Any:
        raise NotImplementedError  # gradcall.py

    def reaches(self, source: str, outputs: list[str]) -> bool:
        raise NotImplementedError  # gradcall.py


__all__ = ["SEVERAL_OUTPUTS", "GraphedGradReader"]
