"""`torch.autograd.functional.jacobian(f, inputs)` read into the document's program.

torch calls f on detached copies of the inputs that require grad, whatever the inputs' own
requires_grad, and returns J; no `.grad` changes. The reader does the same on the graph:
it inlines f (a def, a lambda or an nn module, as at any call) on copies of the input
nodes, counted as requiring grad while f is read (so `x.requires_grad` inside f is True,
and a value torch would differentiate is never folded into a constant), and records a
jacobian call from those inputs to the nodes f returned (engine/calls.py). The inputs stay what the
snippet made them (a constant stays a constant): a later backward gives torch's `.grad`.
The engine computes J with torch's own function on the graph (engine/pure_forward.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.autograd_functional import too_large
from engine.limits import CALL_DEPTH
from engine.snippets.graphed_jacobians import GraphedJacobians
from engine.snippets.program import JACOBIAN_ANSWER, GradAnswer
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Module, Number, Pending, Py, Ref, Value

JACOBIAN = "torch.autograd.functional.jacobian"
_NAMES = ("func", "inputs", "create_graph", "strict", "vectorize", "strategy")
# torch.autograd.functional's other functions of f, read the same way (engine/calls.py's
# functional call): their arguments in torch's order
_SIGNATURES = {**{name: ("func", "inputs", "v", "create_graph", "strict")
                  for name in ("vjp", "jvp", "vhp", "hvp")},
               "hessian": ("func", "inputs", "create_graph", "strict", "vectorize",
                           "outer_jacobian_strategy")}


class JacobianReader(GraphedJacobians):
    def functional_jacobian(self, node: ast.Call) -> Value:
        """torch.autograd.functional.jacobian, or vjp / jvp / vhp / hvp / hessian."""
        name = (self.module_path(node.func) or "").rsplit(".", 1)[-1]
        function = name if name in _SIGNATURES else "jacobian"
        names = _SIGNATURES.get(function, _NAMES)
        args = self.call_arguments(node, names, f"torch.autograd.functional.{function}")
        if "func" not in args or "inputs" not in args:  # Python's own words for it
            given: dict[str, Any] = {k: None for k in ("func", "inputs") if k in args}
            try:
                getattr(torch.autograd.functional, function)(**given)
            except TypeError as exc:
                raise raised_at(node, exc) from None
            raise error_at(node, f"{function} needs f and its inputs")
        keep_graph = self._options(args, function)
        fn = self.expr(args["func"])
        if not self.readable_f(fn):
            raise error_at(args["func"], f"{function}'s f must be a def, a lambda or an nn "
                                         "module of the snippet, so Gradflow can read what it "
                                         "computes")
        inputs_given = self.expr(args["inputs"])
        items = _tuple_items(inputs_given)
        tuple_inputs = items is not None
        if items is None:
            items = [inputs_given]
        if not items or not all(isinstance(v, Pending | Ref) for v in items):
            raise self._torch_refuses(node, inputs_given, lambda *a: a[0])
        inputs = [self.node_of(v, args["inputs"]) for v in items]
        if len(set(inputs)) != len(inputs):
            raise error_at(args["inputs"], "the same tensor is given twice as an input; give "
                                           "each input once (or a copy: x.clone())")
        before = set(self.doc.graph.nodes)
        copies, returned = self._inline(fn, inputs, node, keep_graph)
        outs = _tuple_items(returned)
        tuple_outputs = outs is not None
        if outs is None:
            outs = [returned]
        if not all(isinstance(v, Pending | Ref) for v in outs) or not outs:
            raise self._torch_refuses(node, Py(tuple(items)), lambda *a: self.concrete(
                returned, node), tuple_inputs)
        outputs = [self.node_of(v, node) for v in outs]
        if len(set(outputs)) != len(outputs):
            raise error_at(node, "f returns the same tensor twice; return each output once")
        inputs, outputs = self._settle(inputs, copies, outputs, before, keep_graph)
        sizes = [sum(m.numel() for m in (self.meta.get(i) for i in ids)
                     if isinstance(m, torch.Tensor)) for ids in (outputs, inputs)]
        why = too_large(function, *sizes)
        if why is not None:  # before torch computes it, row by row
            raise error_at(node, why)
        if function != "jacobian":
            vectors = self._vectors(function, args.get("v"), len(outputs), len(inputs),
                                    tuple_outputs if function == "vjp" else tuple_inputs, node)
            self.add_call(calls.functional(function, outputs, inputs, vectors,
                                           tuple_inputs=tuple_inputs,
                                           tuple_outputs=tuple_outputs), node)
            return answer_of(function, len(self.program), len(inputs), len(outputs),
                             tuple_inputs, tuple_outputs)
        self.add_call(calls.jacobian(outputs, inputs, tuple_inputs=tuple_inputs,
                                     tuple_outputs=tuple_outputs), node)
        if keep_graph:
            return self.graphed_jacobian(outputs, inputs, tuple_inputs, tuple_outputs, node)
        # nested as torch nests its answer, so `jx, jy = jacobian(f, (x, y))` unpacks
        return jacobian_answer(len(self.program), JACOBIAN_ANSWER, outputs, inputs,
                               tuple_inputs, tuple_outputs)

    def _vectors(self, function: str, given: ast.expr | None, outputs: int, inputs: int,
                 as_tuple: bool, node: ast.Call) -> list[Any] | None:
        """v as numbers, one per output (vjp) or per input (jvp, vhp, hvp): torch takes a
        tensor, or a tuple of them as the outputs / inputs are a tuple; None: no v."""
        if given is None:
            return None
        value = self.expr(given)
        if isinstance(value, Py) and value.value is None:
            return None
        items = _tuple_items(value)
        count = outputs if function == "vjp" else inputs
        if items is None and not as_tuple:
            items = [value]
        if items is None or len(items) != count or not all(
                isinstance(v, Pending | Ref) for v in items):
            what = "f's outputs" if function == "vjp" else "the inputs"
            raise error_at(given, f"{function}'s v is a tensor per tensor of {what}, given as "
                                  f"{what} are (a tuple when they are a tuple)")
        return [self.concrete(v, given).detach().tolist() for v in items]

    def _options(self, args: dict[str, ast.expr], function: str) -> bool:
        """Whether J keeps a graph (jacobian's create_graph=True, graphed_jacobians.py).
        create_graph of the other functions and strict change what torch returns or raises:
        refused. vectorize and the default strategy change only how torch computes J."""
        keep_graph = function == "jacobian" and "create_graph" in args and \
            self.literal(args["create_graph"]) not in (False, None)
        for flag in ("create_graph", "strict"):
            if keep_graph and flag == "create_graph":
                continue
            if flag in args and self.literal(args[flag]) not in (False, None):
                raise error_at(args[flag], f"{flag}=True is not supported; Gradflow shows J "
                                           "of first-order gradients (remove it)")
        if "vectorize" in args and not isinstance(self.literal(args["vectorize"]), bool):
            raise error_at(args["vectorize"], "vectorize must be True or False")
        for strategy in ("strategy", "outer_jacobian_strategy"):
            if strategy in args and self.literal(args[strategy]) != "reverse-mode":
                raise error_at(args[strategy], f"only {strategy}='reverse-mode' (the default) "
                                               "is read; remove it")
        return keep_graph

    def readable_f(self, fn: Value) -> bool:
        """Whether f is read: a def, a lambda or an nn module (func_params.py: a partial)."""
        return isinstance(fn, Py) and isinstance(fn.value, Function | Module)

    def f_on(self, fn: Value, given: list[Value], node: ast.Call) -> Value:
        """f called on the inputs' copies."""
        assert isinstance(fn, Py)
        if isinstance(fn.value, Module):  # its parameters are constants of f: J is by x only
            return self.module_on(fn.value, given, {}, node)
        return self.inline(fn.value, given, {}, node)

    def _inline(self, fn: Value, inputs: list[str], node: ast.Call,
                keep_graph: bool = False) -> tuple[list[str], Value]:
        """f read on copies of the inputs (`x.detach()`, as torch's jacobian makes them,
        or the copy J's graph starts from: graph_copy), counted as requiring grad, with grad
        mode on (torch's jacobian enables it)."""
        if isinstance(fn, Py) and isinstance(fn.value, Function) and \
                CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.value.name} calls nest {CALL_DEPTH.message()} "
                                 "(recursion?)")
        saved, saved_grad = set(self.differentiated), self.grad_enabled
        self.grad_enabled = True
        try:
            copies = [self.graph_copy(i, node) if keep_graph else
                      self.node_of(self.op_node("detach", [Ref(i)], {}, node), node)
                      for i in inputs]
            self.differentiated |= set(copies)
            self.flags_changed()
            given: list[Value] = [Ref(c) for c in copies]
            return copies, self.f_on(fn, given, node)
        finally:
            self.differentiated, self.grad_enabled = saved, saved_grad
            self.flags_changed()

    def _settle(self, inputs: list[str], copies: list[str], outputs: list[str],
                before: set[str], keep_graph: bool = False) -> tuple[list[str], list[str]]:
        """Each copy goes away again, f reading the input itself, unless f also reads the
        input some other way (a global `x` next to the parameter, or a global `h` computed
        from x): torch treats those as constants and differentiates the copy only, so the
        copy stays (the graph from it to the outputs is then exactly f's)."""
        settled = []
        graph = self.doc.graph
        for original, copy in zip(inputs, copies, strict=True):
            if keep_graph:  # J's graph starts at it (graph_copy); a jacobian of f may use it
                settled.append(copy)
                continue
            reach = ({original} | nx.descendants(graph, original)) & before
            others = [src for src, dst in graph.edges()
                      if src in reach and dst not in before and dst != copy]
            if others or any(o in reach for o in outputs):
                self.rename(copy, self.unique(f"{self.doc.node(original).name}_detached"))
                settled.append(copy)
                continue
            for edge in list(self.doc.out_edges(copy)):
                self.doc.remove_edge(edge.target, edge.port)
                self.doc.add_edge(original, edge.target, edge.port)
            outputs = [original if o == copy else o for o in outputs]
            name = self.doc.node(copy).name
            self.taken.discard(name)
            self.holders.pop(name, None)
            self.doc.remove_node(copy)
            settled.append(original)
        return settled, outputs

    def _torch_refuses(self, node: ast.Call, given: Value, f: Any,
                       as_tuple: bool = True) -> Exception:
        """torch's own error for inputs or outputs that are not tensors, from torch's
        jacobian itself on the plain values."""
        plain: Any = self.concrete(given, node) if not isinstance(given, Number) else \
            given.value
        if not as_tuple and isinstance(plain, tuple):
            plain = plain[0]
        try:
            torch.autograd.functional.jacobian(f, plain)
        except Exception as exc:  # noqa: BLE001 - torch's own words, at this line
            return raised_at(node, exc)
        return error_at(node, "jacobian's inputs and f's outputs must be tensors or tuples "
                              "of tensors")


def answer_of(function: str, number: int, inputs: int, outputs: int, tuple_inputs: bool,
              tuple_outputs: bool) -> Value:
    """What the snippet gets back, nested as torch nests it (so `out, g = vjp(f, x, v)`
    unpacks): (f(inputs), the product) for vjp, jvp, vhp and hvp, H for hessian. Each
    answer knows its place in torch's nesting (its part), where the run's numbers are."""
    def answer(part: tuple[int, ...]) -> Value:
        return Py(GradAnswer(number, f"torch.autograd.functional.{function}", part=part))

    def nest(count: int, as_tuple: bool, part: tuple[int, ...],
             item: Callable[[tuple[int, ...]], Value] = answer) -> Value:
        return Py(tuple(item((*part, k)) for k in range(count))) if as_tuple else item(part)

    if function == "hessian":
        return nest(inputs, tuple_inputs, (), lambda p: nest(inputs, tuple_inputs, p))
    product = nest(outputs, tuple_outputs, (1,)) if function == "jvp" else \
        nest(inputs, tuple_inputs, (1,))
    return Py((nest(outputs, tuple_outputs, (0,)), product))


def jacobian_answer(number: int, what: str, outputs: list[str], inputs: list[str],
                    tuple_inputs: bool, tuple_outputs: bool,
                    keys: list[str] | None = None) -> Value:
    """A jacobian call's answer nested as torch nests it: a tuple per output when f returns
    a tuple, in it a tuple per input (or a dict by name) when the inputs are several; each
    block knows its (output, input), where the run's numbers are."""
    def row(out: str) -> Value:
        blocks = [Py(GradAnswer(number, what, part=(out, i))) for i in inputs]
        if keys is not None:
            return Py(dict(zip(keys, blocks, strict=True)))
        return Py(tuple(blocks)) if tuple_inputs else blocks[0]
    return Py(tuple(row(o) for o in outputs)) if tuple_outputs else row(outputs[0])


def _tuple_items(value: Value) -> list[Value] | None:
    """The items of a tuple (torch's way of giving several tensors), else None."""
    if isinstance(value, Py) and isinstance(value.value, tuple):
        return list(value.value)
    return None
