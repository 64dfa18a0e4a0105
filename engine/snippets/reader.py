"""PyTorch snippet → document, by reading its syntax tree. Python never runs the snippet.

The importer evaluates the snippet's statements itself (statements.py: loops, def, if,
with torch.no_grad()) and builds the document the code describes: variables become node
names, tensors made with `requires_grad` become leaves (their names are the keys of
`grads`), plain numbers become 'number' constants, and the first backward call becomes the
outputs and their seeds; later calls (program.py) become the document's program.
Tensor-creation calls (`torch.rand(3)` after `torch.manual_seed(0)`) are
evaluated with real torch so the document holds the numbers torch would make. A construct
outside the subset is refused with one `ImportError_` naming the line, the column, the
construct and what to do instead; an error torch itself raises (an int tensor with
requires_grad) is a `TorchRaised` with torch's words, which the run reports.
"""

from __future__ import annotations

import ast
import gc
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from engine import calls
from engine.document import Document, GraphError
from engine.names import RESERVED_NAMES
from engine.snippets.call_arguments import arguments_by_name, listed
from engine.snippets.caught import Caught
from engine.snippets.data_loaders import DataLoaders
from engine.snippets.grad_aliases import GradAliases
from engine.snippets.grad_fns import GradFns
from engine.snippets.gradcheck_call import GradcheckReader
from engine.snippets.memory_writes import MemoryWrites
from engine.snippets.module_grad_hooks import ModuleGradHooks
from engine.snippets.printed_backward import PrintedBackward
from engine.snippets.python_random import PythonRandom
from engine.snippets.safety import (
    ImportError_,
    TorchRaised,
    error_at,
    parse,
    raised_at,
    scan,
    short_text,
)
from engine.snippets.setup_calls import check_default_kept
from engine.snippets.statements import ReadWatch
from engine.snippets.training import ScriptStopped
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value
from engine.torch_defaults import restore_default_dtype

__all__ = ["ImportError_", "ReadWatch", "TorchRaised", "import_snippet"]


def import_snippet(text: str, layout: bool = True, watch: ReadWatch | None = None) -> Document:
    """The document a PyTorch snippet describes (see _import); laid out unless `layout` is
    False (a headless command that never draws it: `gradflow compute`, `gradflow code`).
    `watch`: for a reading in another thread, its progress and a way to stop it."""
    # Reading makes many small objects that hold no cycles worth collecting mid-way; the
    # cyclic collector's passes cost 15-25% of a long snippet's import. Bounded by the limits.
    collecting = gc.isenabled()
    gc.disable()
    try:
        doc = _import(text, layout, watch)
        check_default_kept(doc)  # after torch.set_default_dtype: the graph must not need it
        return doc
    finally:
        restore_default_dtype()
        if collecting:
            gc.enable()


def _import(text: str, layout: bool = True, watch: ReadWatch | None = None) -> Document:
    """The document a PyTorch snippet describes, laid out if asked. Raises ImportError_; a
    `TorchRaised` (torch refused a statement, as the plain script would) carries the document
    of the statements before it in `.document`."""
    tree = parse(text)
    reserved = scan(tree)  # refuses anything outside torch before any torch call below
    caught: dict[int, Caught] = {}
    seed = torch.Generator().seed()  # the same random numbers on every reading
    try:
        importer = _read(tree, reserved, seed, caught, layout, watch)
    except _StopsEarlier as earlier:
        caught = {**caught, earlier.number: earlier.error}
        importer = _read(tree, reserved, seed, caught, layout, watch)
    while True:  # again while a call inside a try raises on trial (caught.py)
        found = importer.newly_caught()
        if found is None or found[0] in caught:
            break
        again = _read(tree, reserved, seed, {**caught, found[0]: found[1]}, layout, watch)
        if again.attempts == found[0] + 1:
            break  # the script's last call: it stays, with torch's error shown on it
        importer, caught[found[0]] = again, found[1]
    stop = importer.stopping_call()
    if stop is not None:  # the script stops at that call, with its error
        number, error = stop
        importer = _read(tree, reserved, seed, {**caught, number: error}, layout, watch)
    try:
        importer.check_grad_asserts()
        importer.check_anomaly()
    except TorchRaised as exc:  # an assert on a .grad failed: the script stops there
        if layout:
            _lay_out(importer.doc)
        exc.document = importer.doc
        raise
    if layout:
        _lay_out(importer.doc)
    return importer.doc


def _lay_out(doc: Document) -> None:
    from engine.layout import apply_layout  # here: commands that never draw skip its import

    apply_layout(doc)


# Python frames a reading may take: CALL_DEPTH nested calls of the snippet's functions
_FRAMES = 8000


def _read(tree: ast.Module, reserved: set[str], seed: int, caught: dict[int, Caught],
          layout: bool, watch: ReadWatch | None = None) -> _Importer:
    restore_default_dtype()  # each reading starts from torch's usual default
    importer = _Importer(reserved, seed, caught)
    importer.watch = watch
    # a snippet's nested call passes through every reading layer (Python frames, no C
    # stack): CALL_DEPTH, not Python's default of 1000 frames, is the limit a snippet meets
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _FRAMES))
    try:
        importer.run_block(tree.body)
    except ScriptStopped:
        pass  # a call raised before a training step: the script stops at that call
    except TorchRaised as exc:
        importer.finish()
        if layout:
            _lay_out(importer.doc)
        exc.document = importer.doc
        raise
    except RecursionError:
        raise ImportError_("the code is nested too deeply; simplify it") from None
    except ImportError_ as exc:  # refused: unless a call before it raises, where the
        stop = importer.call_raising_before()  # script stops and never gets there
        if stop is not None:
            raise _StopsEarlier(*stop) from exc
        raise
    finally:
        sys.setrecursionlimit(limit)
    importer.finish()
    return importer


class _StopsEarlier(Exception):  # noqa: N818 - the script's stop, not an error of ours
    """A call made before a refused statement raises in torch: the script stops there."""

    def __init__(self, number: int, error: Caught) -> None:
        super().__init__(number)
        self.number, self.error = number, error


@dataclass
class _Backward:
    outputs: list[tuple[str, Any, bool]]  # (node id, seed, seed_enabled)
    retain_graph: bool
    inputs: list[str] | None


class _Importer(GradAliases, GradFns, MemoryWrites, ModuleGradHooks, GradcheckReader,
                DataLoaders, PrintedBackward):
    def __init__(self, reserved: set[str], seed: int, caught: dict[int, Caught]) -> None:
        super().__init__(Document(), reserved, torch.Generator(), caught=caught)
        # no manual_seed: fresh random numbers, as torch would give
        self.generator.manual_seed(seed)
        self.seed_numpy(seed)
        self.py_random = PythonRandom(seed)
        self.backward: _Backward | None = None

    # ---- statements -------------------------------------------------------------------
    def expression_statement(self, node: ast.expr) -> None:
        if not isinstance(node, ast.Call | ast.Yield):  # a display line, unless it computes
            # gradients (a yield gives a generator's item: generators.py)
            asked = False
            for inner in (c for c in ast.walk(node) if self.is_gradient_call(c)):
                if isinstance(inner, ast.Call) and \
                        self.module_path(inner.func) == "torch.autograd.grad":
                    self.expr(inner)  # a notebook's `torch.autograd.grad(y, x)[0]`: its answer
                    asked = True
                    continue
                raise error_at(inner, f"{short_text(inner)} inside an expression is read on a "
                                      "line of its own; write it that way")  # [y.backward()]
            if not asked:  # `w.grad.zero_(), b.grad.zero_()`: its calls are made
                super().expression_statement(node)
            return
        if isinstance(node, ast.Call):
            func = node.func
            path = self.module_path(func)
            if path == "torch.manual_seed":
                self.manual_seed(node)
                return
            if path == "torch.autograd.backward":
                self.autograd_backward(node)
                return
            if isinstance(func, ast.Attribute) and path is None and func.attr == "backward":
                self.method_backward(node, func)
                return
            if isinstance(func, ast.Name) and func.id == "print" \
                    and func.id not in self.env and self.backward_shown(node):
                return
        super().expression_statement(node)

    def manual_seed(self, node: ast.Call) -> None:
        # torch.manual_seed(seed=7) is the same call as torch.manual_seed(7)
        given = [*node.args, *(kw.value for kw in node.keywords if kw.arg == "seed")]
        if len(given) != 1 or any(kw.arg != "seed" for kw in node.keywords):
            raise error_at(node, "torch.manual_seed takes one whole number")
        seed = self.literal(given[0])
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise error_at(node, "torch.manual_seed takes one whole number")
        try:
            self.generator.manual_seed(seed)
        except (RuntimeError, ValueError, OverflowError) as exc:
            raise error_at(node, f"torch.manual_seed refused {seed}: {exc}") from None

    # ---- backward ---------------------------------------------------------------------
    def method_backward(self, call: ast.Call, func: ast.Attribute) -> None:
        names = ("gradient", "retain_graph", "create_graph", "inputs")
        receiver = self.expr(func.value)  # Python looks .backward up before the arguments
        if isinstance(receiver, Number):  # loss.item().backward()
            raise raised_at(func, AttributeError(f"'{type(receiver.value).__name__}' object "
                                                 "has no attribute 'backward'"))
        if isinstance(receiver, Py) and isinstance(receiver.value, Module) and \
                receiver.value.cls is not None and "backward" in receiver.value.cls.methods:
            self.member_call(receiver.value, "backward", call)  # a micrograd Value's own
            return
        args = self.call_arguments(call, names, "backward")
        target = self.output_id(func.value, receiver)
        seed, enabled = self.seed(args.get("gradient"), target)
        self.set_backward(call, [(target, seed, enabled)], args)

    def autograd_backward(self, call: ast.Call) -> None:
        names = ("tensors", "grad_tensors", "retain_graph", "create_graph", "grad_variables",
                 "inputs")
        args = self.call_arguments(call, names, "torch.autograd.backward")
        if "grad_variables" in args:
            raise error_at(call, "grad_variables is gone from torch; use grad_tensors=")
        if "tensors" not in args:
            raise error_at(call, "torch.autograd.backward needs the tensors to start from")
        tensors = [t for t in listed(args["tensors"]) if t is not None]
        grads = listed(args["grad_tensors"]) if "grad_tensors" in args else [None] * len(tensors)
        if len(grads) != len(tensors):
            raise error_at(call, f"{len(tensors)} tensors but {len(grads)} grad_tensors; "
                                 "give one gradient (or None) per tensor")
        outputs = []
        for t, g in zip(tensors, grads, strict=False):
            target = self.output_id(t)
            outputs.append((target, *self.seed(g, target)))
        self.set_backward(call, outputs, args)

    def output_id(self, node: ast.expr, value: Value | None = None) -> str:
        value = self.expr(node) if value is None else value
        if isinstance(value, Number):
            raise error_at(node, "backward needs a tensor, not a plain number")
        return self.node_of(value, node)

    def seed(self, node: ast.expr | None, target: str) -> tuple[Any, bool]:
        """(seed, seed_enabled) of one output from its gradient argument."""
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return None, False
        if (isinstance(node, ast.Call) and self.module_path(node.func) == "torch.ones_like"
                and len(node.args) == 1 and not node.keywords):
            like = self.expr(node.args[0])
            if isinstance(like, Ref) and like.node_id == target:
                return None, True  # the default seed: ones of the output's shape
        if isinstance(node, ast.List | ast.Tuple | ast.Constant):
            raise error_at(node, f"the gradient {short_text(node)} is a plain Python value; pass a "
                                 f"tensor of numbers: torch.tensor({short_text(node)})")
        value = self.expr(node)
        if isinstance(value, Pending):
            return value.value, True
        if isinstance(value, Ref):  # y.backward(y): torch takes the numbers it holds now;
            return self.plain(value, node), True  # without create_graph its graph plays no part
        raise error_at(node, f"the gradient {short_text(node)} is a plain number; pass a tensor of "
                             "numbers such as torch.tensor([1.0, 0.5]) or "
                             "torch.ones_like(y)")

    def set_backward(self, call: ast.Call, outputs: list[tuple[str, Any, bool]],
                     args: dict[str, ast.expr]) -> None:
        graphed = "create_graph" in args and \
            self.literal(args["create_graph"]) not in (False, None)
        before: dict[str, torch.Tensor | None] = {}
        if graphed and (self.program or any(n.grad is not None for n in self.doc.leaves())):
            before, self.step_grads = self.grads_here(call), None  # .grad before this call
        # torch's default: the graph is kept when the gradient keeps one of its own
        retain = self.flag(args.get("retain_graph")) if "retain_graph" in args else graphed
        inputs = None
        if "inputs" in args:
            inputs = [self.node_of(self.expr(n), n) for n in listed(args["inputs"])
                      if n is not None]
        if len({o[0] for o in outputs}) != len(outputs):
            raise error_at(call, "the same tensor appears twice among the outputs")
        self.check_in_place([o[0] for o in outputs], call)
        if self.room_needed():
            self.make_room(call)  # before this call: it may become the document's own
        if self.backward is None:  # the document's own call: outputs marked on the graph
            self.add_call(calls.PRIMARY, call)  # first: it raises where the script catches
            self.backward = _Backward(outputs, retain, inputs)
            self.reached_by([o[0] for o in outputs])
        else:
            seeds = [self.seed_numbers(node_id, seed, enabled, call)
                     for node_id, seed, enabled in outputs]
            self.add_call(calls.backward([o[0] for o in outputs], seeds, retain_graph=retain,
                                         inputs=inputs), call)
        self.backward_seen = True
        if graphed:  # engine/snippets/graphed_grads.py
            self.keep_graphed_grads(outputs, inputs, before, call)

    # ---- the end ----------------------------------------------------------------------
    def finish(self) -> None:
        self.last_step_shown()
        self.describe_gradient_nodes()
        self.describe_memory_writes()
        self.in_place_hooks_checked()
        self.materialise_leaves()
        self.final_leaf_names()
        if self.mark_program(self.doc):
            self.names_where_the_script_stops()
        self.functions_checked()

    def mark_program(self, doc: Document) -> bool:
        """The outputs of the first backward, its options and the calls, set on `doc` (the
        document itself, or a copy run to know the grads at a training step). True when
        the program is more than the document's own call."""
        b = self.backward
        if b is not None:
            for node_id, seed, enabled in b.outputs:
                doc.update_node(node_id, is_output=True, seed=seed, seed_enabled=enabled)
            doc.set_options(retain_graph=b.retain_graph, inputs=b.inputs)
        program = self.final_program()
        if program is None:
            return False
        try:
            doc.set_calls(program)
        except GraphError as exc:
            raise ImportError_(str(exc)) from None
        return True


    def final_leaf_names(self, env: Mapping[str, Value] | None = None) -> None:
        """A leaf is known by the name the script ends with for it (`for x in xs` leaves `x`
        naming the last one), as `x.grad` after the script reads it; a leaf no name holds at
        the end keeps the name it was first given. `env`: the names where the script stops
        instead (program.py)."""
        named: set[str] = set()
        for name, value in list((self.env if env is None else env).items()):
            if not isinstance(value, Ref | Pending) or value.node_id not in self.doc.graph:
                continue  # no tensor, or one of a training step the document no longer holds
            # a hooked leaf's name stands for its hook node: the leaf is under it
            node = self.doc.node(self.hooked_tensor(str(value.node_id)))
            if node.op != "leaf" or node.id in named or name in RESERVED_NAMES:
                continue  # `F = torch.ones(2)` keeps the F_ it was given (expressions.py)
            named.add(node.id)
            if node.name != name:
                # whichever node has the name now (holders may not follow a node renamed
                # by a training step)
                holder = self.doc.node_by_name(name)
                if holder is not None:
                    self.rename(holder.id, self.unique(name))
                self.rename(node.id, name)


    def call_arguments(self, call: ast.Call, names: tuple[str, ...],
                       what: str) -> dict[str, ast.expr]:
        return arguments_by_name(call, names, what)
