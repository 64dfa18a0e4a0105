"""What a training step's update leaves of its graph (training.py).

After an update the finished step's graph leaves the document, except what the script
still holds and can still use as torch would let it:
- a tensor computed without a gradient (a constant the loop made) keeps its nodes;
- a tensor with a graph stays a node of the document when none of the leaves it was
  computed from was updated: its numbers and its graph are what they were (a GAN's
  `fake = G(z)` after `opt_d.step()` updated only D). If a backward of the finished step
  went through its graph without retain_graph=True, torch freed that graph: torch is asked
  here (a backward through it, with the graph kept) and the node is remembered as freed.
  Every later run made while the snippet is read frees it again before its calls, so a
  backward that reaches it raises torch's "Trying to backward through the graph a second
  time" where the script does, with the .grad torch had accumulated before it raised;
- any other tensor of the finished step becomes plain numbers, kept for printing, that no
  new graph may use ("compute it again after the update").
"""

from __future__ import annotations

import ast
from types import SimpleNamespace
from typing import Any

import networkx as nx
import torch

from engine import calls
from engine.ops import LEAF
from engine.snippets.expressions import STALE
from engine.snippets.held import held_node_ids
from engine.snippets.optimizers import OptimizerReader
from engine.snippets.safety import TorchRaised, raised_at
from engine.snippets.tables import dtype_name
from engine.snippets.values import Function, Module, Pending, Py, Ref, Value
from engine.snippets.view_writes import ALIASING

# what torch says when a backward reaches a graph an earlier backward freed
_FREED = "Trying to backward through the graph a second time"


class KeptGraphs(OptimizerReader):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # node id → torch's error when a backward reaches it: kept from a finished step
        # whose backward freed its graph
        self.freed: dict[str, str] = {}
        self.step_tensors: dict[str, torch.Tensor] = {}  # the latest run's, after its calls
        # id → (numbers of a tensor of the latest finished step, torch's error on its graph)
        self.freed_stale: dict[int, tuple[Pending, str]] = {}
        # id → numbers kept of a finished step's tensor that requires grad in torch
        self.kept_grad: dict[int, Pending] = {}

    # ---- the runs made while reading -------------------------------------------------------
    def before_calls(self, tensors: dict[str, torch.Tensor]) -> None:
        """engine.run's hook: the graphs earlier steps freed are freed again (the way
        torch frees them: a backward without retain_graph), and the tensors are kept."""
        self.step_tensors = tensors
        leaves = [tensors[n.id] for n in self.doc.leaves()
                  if n.id in tensors and tensors[n.id].requires_grad]
        for node_id in self.freed:
            t = tensors.get(node_id)
            if t is not None and t.grad_fn is not None and leaves:
                try:
                    torch.autograd.grad([t], leaves, [torch.ones_like(t)], allow_unused=True)
                except RuntimeError:
                    pass  # freed already, with the graph of another kept tensor it shares

    def torch_raises_through(self, node_id: str) -> str | None:
        """What torch raises when a backward reaches this node of the latest run (its graph
        freed), or None."""
        t = self.step_tensors.get(node_id)
        leaves = [v for i, v in self.step_tensors.items()
                  if v.requires_grad and v.grad_fn is None and i in self.doc.graph]
        if t is None or t.grad_fn is None or not leaves:
            return None
        try:
            torch.autograd.grad([t], leaves, [torch.ones_like(t)], retain_graph=True,
                                allow_unused=True)
        except RuntimeError as exc:
            return str(exc)
        return None

    def freed_reached(self, made: int, where: ast.stmt) -> TorchRaised | None:
        """After a statement that added a backward or grad call while the document holds a
        freed graph: the run torch makes here; if torch raised at one of its calls (a
        backward reached the freed graph), the script stops there with torch's words, and
        the leaves hold the .grad torch had accumulated before it raised (no call of the
        step shows that: training.py drops them)."""
        if not self.freed or not any(c.kind in (calls.BACKWARD, calls.GRAD)
                                     for c in self.program[made:]):
            return None
        from engine.run import GRADS, run  # only here: reading needs no run otherwise

        self.materialise_leaves()
        twin = self.doc.twin()
        self.mark_program(twin)
        result = run(twin, level=GRADS, before_calls=self.before_calls)
        error = result.error
        if error is None or error.call is None or error.call < made or \
                _FREED not in error.message:
            return None  # another error: the document's own run raises it there
        for leaf in self.doc.leaves():
            grad = result.leaf_grads.get(leaf.id) if leaf.requires_grad else None
            self.doc.update_node(leaf.id, grad=None if grad is None else grad.tolist())
        return raised_at(where, RuntimeError(error.message))

    def autograd_grad(self, node: ast.Call) -> Value:
        """torch.autograd.grad(loss, params) on a loss of the finished step whose graph
        torch freed: torch's second-time error there (no .grad changes), when the inputs
        are leaves torch differentiates."""
        given = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "outputs"), None)
        inputs = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "inputs"), None)
        names = given.elts if isinstance(given, ast.List | ast.Tuple) else [given]
        found = [self.freed_stale.get(id(self.env.get(n.id))) for n in names
                 if isinstance(n, ast.Name)]  # the entry holds the value: ids stay its own
        raised = next((f[1] for f in found if f is not None), None)
        if raised is not None and inputs is not None and all(
                isinstance(v, Pending | Ref) and self.is_grad_leaf(v)
                for v, _ in self.input_values(inputs)):
            raise raised_at(node, RuntimeError(raised))
        return super().autograd_grad(node)

    def mark_program(self, doc: Any) -> bool:
        raise NotImplementedError  # reader.py: outputs, options and calls as finish() sets

    # ---- the end of a step ------------------------------------------------------------------
    def finished_nodes(self, updated: set[str]) -> list[str]:
        """The nodes the next step no longer needs, in graph order: every computed node
        that no name, list or module holds, and every held one computed (with a graph)
        from a leaf the update changed or whose graph torch cannot go back through (the
        finished step's), with what only they use. Leaves stay."""
        graph = self.doc.graph
        if all(self.doc.node(i).op == LEAF for i in graph):
            return []  # a second update in a row: nothing of a step is left
        keep: set[str] = set()
        stack = [i for i in held_node_ids(self.every_frame()) if i in graph and self.still_usable(
            i, updated)]
        while stack:
            node_id = stack.pop()
            if node_id not in keep:
                keep.add(node_id)
                stack.extend(graph.predecessors(node_id))
        gone = {i for i in graph if i not in keep and self.doc.node(i).op != LEAF}
        for node_id in gone:
            self.freed.pop(node_id, None)
        return [i for i in nx.topological_sort(graph) if i in gone] if gone else []

    def still_usable(self, node_id: str, updated: set[str]) -> bool:
        """A held node the next step may use: computed without a graph, or from leaves the
        update left alone, and either torch can still go back through its graph or it was
        freed (a backward reaching it raises, as in the script)."""
        if not self.node_needs_grad(node_id):
            # numbers of the finished step (`losses.append(out.detach())`) are its numbers:
            # computed again they would be the updated leaves' (but a view of an updated
            # leaf, `w.detach()`, shares its memory: torch's changes with it)
            return not updated & nx.ancestors(self.doc.graph, node_id) or \
                self.views_an_update(node_id, updated)
        if node_id in updated or updated & nx.ancestors(self.doc.graph, node_id):
            return False
        if node_id in self.freed or self.doc.node(node_id).op == LEAF:
            return True
        raised = self.torch_raises_through(node_id)
        if raised is not None and _FREED in raised:
            self.freed[node_id] = raised
        return raised is None or _FREED in raised

    def views_an_update(self, node_id: str, updated: set[str]) -> bool:
        """Is the node an updated leaf seen through views only (detach, index, reshape...)?"""
        while node_id not in updated:
            node = self.doc.node(node_id)
            sources = [e.source for e in self.doc.in_edges(node_id).values()]
            if node.op not in ALIASING or len(sources) != 1:
                return False
            node_id = sources[0]
        return True

    def kept_with_grad(self, value: Value) -> bool:
        return self.kept_grad.get(id(value)) is value

    def keep_as_numbers(self, gone: set[str], line: int, where: ast.AST,
                        updated: set[str]) -> None:
        """Names (and lists) holding a tensor of the finished step keep its numbers, to be
        printed or .item()'d; computing a new graph from them is refused. One whose graph
        torch freed remembers torch's error for torch.autograd.grad on it."""
        with torch.no_grad():  # the update changes the leaves in place: so does torch's
            for leaf_id in updated & set(self.step_tensors):
                self.step_tensors[leaf_id].add_(0)
        self.freed_stale = {}

        made: dict[str, Pending] = {}  # node id → its numbers: names of one tensor share them
        walked: set[int] = set()  # the closures' scopes and models already seen

        def kept(value: Value) -> Value:
            if isinstance(value, Ref | Pending) and value.node_id in made:
                return made[value.node_id]
            if isinstance(value, Ref | Pending) and value.node_id in gone:
                t = self.concrete(value, where)
                numbers = Pending(t.tolist(), dtype_name(t.dtype), None, no_graph=(
                    f"this tensor {STALE} {line}, from the weights as they were; compute "
                    "it again after the update") if self.node_needs_grad(value.node_id)
                    else None)  # numbers without a graph: a constant any graph may use
                raised = self.torch_raises_through(value.node_id) \
                    if self.node_needs_grad(value.node_id) else None
                if self.node_needs_grad(value.node_id):
                    self.kept_grad[id(numbers)] = numbers
                if raised is not None and _FREED in raised:
                    self.freed_stale[id(numbers)] = (numbers, raised)
                made[value.node_id] = numbers
                return numbers
            if isinstance(value, Py) and isinstance(value.value, list):
                value.value[:] = [kept(v) for v in value.value]
            elif isinstance(value, Py) and isinstance(value.value, tuple):
                return Py(tuple(kept(v) for v in value.value))
            elif isinstance(value, Py) and isinstance(value.value, dict):
                value.value.update({k: kept(v) for k, v in value.value.items()})
            elif isinstance(value, Py) and isinstance(value.value, Function) and \
                    value.value.scope is not None and id(value.value.scope) not in walked:
                walked.add(id(value.value.scope))  # a closure's names (`def back(): ...`)
                for names in getattr(value.value.scope, "maps", [value.value.scope]):
                    for name, held in list(names.items()):
                        names[name] = kept(held)
            elif isinstance(value, Py) and isinstance(value.value, Module) and \
                    id(value.value) not in walked:
                walked.add(id(value.value))  # `self.L = L` of a step: a model keeps numbers
                module = value.value
                module.attrs.update({k: kept(v) for k, v in module.attrs.items()})
                for child in module.children:
                    kept(Py(child))
            elif isinstance(value, Py) and isinstance(value.value, SimpleNamespace):
                vars(value.value).update({k: kept(v) for k, v in vars(value.value).items()})
            return value

        for mapping in self.every_frame().maps:  # the callers' names too
            for name, value in list(mapping.items()):
                mapping[name] = kept(value)
        # `w.g = ...`, `result.back = back`: a tensor's own attributes (every_frame shows a
        # copy of them) hold numbers too, and tensors kept as numbers keep their attributes
        own = getattr(self, "own_tensor_attrs", {})
        for (owner, attr), value in list(own.items()):
            del own[(owner, attr)]
            own[(self.own_key(made[owner], where) if owner in made else owner, attr)] = \
                kept(value)


__all__ = ["KeptGraphs"]
