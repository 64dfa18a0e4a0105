"""`torch.autograd.grad(...)` read into a call of the program: its outputs, inputs,
grad_outputs and retain_graph; with allow_unused=True (materialize_grads=True) the inputs no
output reaches get torch's answer, None (zeros), and the call differentiates the others."""

from __future__ import annotations

import ast
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.grad_op import GRAD_OP
from engine.snippets.graphed_grads import GraphedGradReader
from engine.snippets.program import GradAnswer
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Py, Ref, Value


class GradCallReader(GraphedGradReader):
    # ---- torch.autograd.grad ----------------------------------------------------------
    def autograd_grad(self, node: ast.Call) -> Value:
        names = ("outputs", "inputs", "grad_outputs", "retain_graph", "create_graph",
                 "only_inputs", "allow_unused", "is_grads_batched", "materialize_grads")
        args = self.call_arguments(node, names, "torch.autograd.grad")
        if "is_grads_batched" in args and \
                self.literal(args["is_grads_batched"]) not in (False, None):
            raise error_at(args["is_grads_batched"], "is_grads_batched=True is not supported; "
                           "Gradflow shows the gradients of one seed per call")
        graphed = "create_graph" in args and \
            self.literal(args["create_graph"]) not in (False, None)
        unused = {f: self.literal(args[f]) if f in args else None
                  for f in ("allow_unused", "materialize_grads")}
        if unused["materialize_grads"] and unused["allow_unused"] is False:
            raise raised_at(node, ValueError(
                "Expected allow_unused to be True or not passed when materialize_grads=True, "
                "but got: allow_unused=False."))
        if "outputs" not in args or "inputs" not in args:
            raise error_at(node, "torch.autograd.grad needs outputs and inputs")
        held = self.held_elements(args["outputs"])
        plain = [self.expr(t) if isinstance(t, ast.Name | ast.Subscript | ast.Constant)
                 else None for t in held]  # names and items: reading them makes nothing
        if any(isinstance(v, Py) and v.value is None for v in plain):
            none_output(node, plain)  # grad of an earlier allow_unused answer: torch raises
        outputs = [self.output_id(t) for t in held]
        inputs = [self.node_of(value, where) for value, where in self.input_values(args["inputs"])]
        # allow_unused / materialize_grads: torch answers None (zeros) for an input that
        # requires grad and that no output depends on; the call differentiates the others
        skipped = {i for i in inputs if self.node_needs_grad(i)
                   and not self.reaches(i, outputs)} if any(unused.values()) else set()
        if any(unused.values()) and self.through_gradient_nodes(outputs):
            skipped |= self.unused_in_torch(outputs, [i for i in inputs if i not in skipped])
        given = self.held_elements(args["grad_outputs"]) if "grad_outputs" in args else \
            [None] * len(outputs)
        if len(given) != len(outputs):
            raise raised_at(node, RuntimeError(f"grad requires one gradient per output: "
                                               f"{len(outputs)} outputs, {len(given)} given"))
        seeds = [self.call_seed(g, o) for g, o in zip(given, outputs, strict=True)]
        # torch's default: the graph is kept when the gradient keeps one of its own
        retain = self.flag(args.get("retain_graph")) if _given(args.get("retain_graph")) \
            else graphed
        if len(set(outputs)) != len(outputs):
            raise error_at(node, "the same tensor appears twice among the outputs")
        self.check_in_place(outputs, node)
        if len(skipped) < len(inputs):  # with none left torch runs nothing: no call
            self.add_call(calls.grad(outputs, [i for i in inputs if i not in skipped], seeds,
                                     retain_graph=retain), node)
        step = self.answer_step()
        if graphed:  # an answer later ops may differentiate again: nodes of the graph
            kept = self.summed_gradient_nodes(outputs, [i for i in inputs if i not in skipped],
                                              list(given), node)
            none = Py(None)  # (only an input no output reaches has no node)
            return Py(tuple(kept.get(i, none) if not unused["materialize_grads"] or
                            i in kept else
                            self.from_tensor(torch.zeros_like(self.concrete(Ref(i), node)),
                                             node) for i in inputs))
        return Py(tuple(Py(GradAnswer(len(self.program), input_id=i, step=step))
                        if i not in skipped else Py(None)
                        if not unused["materialize_grads"] else
                        self.from_tensor(torch.zeros_like(self.concrete(Ref(i), node)), node)
                        for i in inputs))

    def summed_gradient_nodes(self, outputs: list[str], inputs: list[str],
                              seeds: list[ast.expr | None], where: ast.Call) -> dict[str, Ref]:
        """create_graph=True: torch's answer for each input is the sum over the outputs of
        each output's gradient by it (with that output's grad_outputs), so it is a gradient
        node per output it depends on, added up."""
        if len(outputs) == 1:
            return self.gradient_nodes(outputs[0], inputs, seeds[0], where)
        per_output = [self.gradient_nodes(o, [i for i in inputs if self.reaches(i, [o])],
                                          seed, where) for o, seed in zip(outputs, seeds,
                                                                          strict=True)]
        kept: dict[str, Ref] = {}
        for i in inputs:
            parts = [made[i] for made in per_output if i in made]
            if not parts:  # torch's own error for an input no output uses
                return self.gradient_nodes(outputs[0], [i], seeds[0], where)
            total: Value = parts[0]
            for part in parts[1:]:
                total = self.op_node("add", [total, part], {}, where)
            kept[i] = Ref(self.node_of(total, where))
        return kept

    def through_gradient_nodes(self, outputs: list[str]) -> bool:
        """Whether an output is computed from a gradient kept as a graph (create_graph=True),
        whose graph in torch is not the document's: d(x²y + y)/dy = x² + 1 holds no y."""
        return any(self.doc.node(n).op == GRAD_OP for o in outputs
                   for n in (o, *nx.ancestors(self.doc.graph, o)))

    def unused_in_torch(self, outputs: list[str], inputs: list[str]) -> set[str]:
        """The inputs torch's graph of the outputs does not reach, asked of torch on a run of
        the document so far (allow_unused=True answers None for them)."""
        from engine.run import GRADS, run  # only here: reading needs no run otherwise

        unused: set[str] = set()

        def ask(tensors: dict[str, torch.Tensor]) -> None:
            outs = [tensors[o] for o in outputs]
            try:
                answers = torch.autograd.grad(outs, [tensors[i] for i in inputs],
                                              [torch.ones_like(t) for t in outs],
                                              retain_graph=True, allow_unused=True)
            except RuntimeError:
                return  # torch's error comes at the call itself, where the script has it
            unused.update(i for i, a in zip(inputs, answers, strict=True) if a is None)

        self.materialise_leaves()
        twin = self.doc.twin()
        self.mark_program(twin)
        run(twin, level=GRADS, before_calls=ask)
        return unused

    def mark_program(self, doc: Any) -> bool:
        raise NotImplementedError  # reader.py

    def held_elements(self, node: ast.expr) -> list[ast.expr]:
        """outputs= / grad_outputs= as one expression per tensor: written out (`[y, z]`), or
        a name holding a tuple or list (`dydx`, the answer of an earlier grad call) read as
        `dydx[0]`, `dydx[1]`..., as torch takes any sequence."""
        if isinstance(node, ast.Name | ast.Attribute):
            held = self.expr(node)
            if isinstance(held, Py) and isinstance(held.value, list | tuple):
                return [ast.copy_location(ast.Subscript(
                    value=node, slice=ast.copy_location(ast.Constant(i), node),
                    ctx=ast.Load()), node) for i in range(len(held.value))]
        return _elements(node)

    def input_values(self, node: ast.expr) -> list[tuple[Value, ast.expr]]:
        """The tensors of inputs=: written out (`[w, b]`), or a list of them held by a name
        (`params`, `params[:2]`, `model.parameters()`), as torch takes any sequence."""
        if isinstance(node, ast.List | ast.Tuple):
            return [(self.expr(t), t) for t in node.elts]
        value = self.expr(node)
        if isinstance(value, Py) and isinstance(value.value, list | tuple):
            return [(item, node) for item in value.value]
        return [(value, node)]

    def reaches(self, source: str, outputs: list[str]) -> bool:
        """Whether a gradient of the outputs can reach `source`: a path through the graph
        that no detach (and no where's condition) cuts."""
        seen, todo = {source}, [source]
        while todo:
            for edge in self.doc.out_edges(todo.pop()):
                target = edge.target
                if target in seen or edge.port == "condition" or \
                        self.doc.node(target).op == "detach":
                    continue
                if target in outputs:
                    return True
                seen.add(target)
                todo.append(target)
        return source in outputs

    def call_seed(self, node: ast.expr | None, target: str) -> Any:
        """A later call's gradient for one output, as numbers (None: no gradient)."""
        return self.seed_numbers(target, *self.seed(node, target), node or ast.Pass())

    def seed_numbers(self, target: str, seed: Any, enabled: bool, where: ast.AST) -> Any:
        if not enabled:
            return None
        if seed is None:  # torch.ones_like(y): written out, since a call holds numbers
            meta = self.meta.get(target)
            shape = tuple(meta.shape) if isinstance(meta, torch.Tensor) else \
                tuple(torch.as_tensor(self.concrete(Ref(target), where)).shape)
            return _ones(shape)
        return seed

    def flag(self, node: ast.expr | None) -> bool:
        if node is None:
            return False
        value = self.literal(node)
        if value is not None and not isinstance(value, bool):
            raise error_at(node, "retain_graph must be True or False")
        return bool(value)

    # ---- provided by the reader -------------------------------------------------------
    def output_id(self, node: ast.expr) -> str:
        raise NotImplementedError

    def seed(self, node: ast.expr | None, target: str) -> tuple[Any, bool]:
        raise NotImplementedError

    def call_arguments(self, call: ast.Call, names: tuple[str, ...],
                       what: str) -> dict[str, ast.expr]:
        raise NotImplementedError


def _given(node: ast.expr | None) -> bool:
    """An argument written with a value other than None."""
    return node is not None and not (isinstance(node, ast.Constant) and node.value is None)


def _elements(node: ast.expr) -> list[ast.expr]:
    """The items of a sequence written out: `[y, z]`, `[torch.ones(1)] * 3` (the item
    written once, read at each place), `[y] + [z]`."""
    if isinstance(node, ast.List | ast.Tuple):
        return list(node.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        seq, times = (node.left, node.right) if isinstance(node.left, ast.List | ast.Tuple) \
            else (node.right, node.left)
        if isinstance(seq, ast.List | ast.Tuple) and isinstance(times, ast.Constant) and \
                isinstance(times.value, int) and not isinstance(times.value, bool) and \
                0 <= times.value <= 10_000:
            return list(seq.elts) * times.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and all(
            isinstance(side, ast.List | ast.Tuple) for side in (node.left, node.right)):
        return [*_elements(node.left), *_elements(node.right)]
    return [node]


def _ones(shape: tuple[int, ...]) -> Any:
    value: Any = 1.0
    for size in reversed(shape):
        value = [value] * size if not isinstance(value, list) else \
            [list(value) for _ in range(size)]
    return value


def none_output(node: ast.Call, held: list[Value | None]) -> None:
    """torch's own error for outputs holding None (`grad(d2ydx2, x)` where an earlier
    allow_unused=True call answered (None,)), raised at the line as torch raises it."""
    stand_in = torch.zeros((), requires_grad=True)
    try:
        outputs: list[Any] = [None if isinstance(t, Py) and t.value is None else stand_in * 1
                              for t in held]  # None given on purpose: torch's check words it
        torch.autograd.grad(outputs, [stand_in], allow_unused=True)
    except Exception as exc:  # noqa: BLE001 - torch's own words
        raise raised_at(node, exc) from None
