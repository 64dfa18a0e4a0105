"""PyTorch snippet → document, by reading its syntax tree. Nothing in the snippet is run.

The importer walks the snippet's statements with `ast` and builds the document the code
describes: variables become node names, tensors made with `requires_grad` become leaves
(their names are the keys of `grads`), plain numbers become 'number' constants, and the
backward call becomes the outputs and their seeds. Tensor-creation calls with literal
arguments (`torch.rand(3)` after `torch.manual_seed(0)`) are evaluated with real torch so
the document holds the numbers torch would make. Everything else is refused with one
`ImportError_` naming the line, the column, the construct and what to do instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from engine.document import Document
from engine.layout import apply_layout
from engine.snippets.expressions import ExprReader, Number, Pending, Ref
from engine.snippets.safety import ImportError_, error_at, imported_names, parse, scan

__all__ = ["ImportError_", "import_snippet"]


def import_snippet(text: str) -> Document:
    """The document a PyTorch snippet describes, laid out. Raises ImportError_."""
    tree = parse(text)
    scan(tree)  # refuses anything outside torch before any torch call below
    reserved = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    importer = _Importer(reserved)
    for stmt in tree.body:
        importer.statement(stmt)
    importer.finish()
    apply_layout(importer.doc)
    return importer.doc


@dataclass
class _Backward:
    outputs: list[tuple[str, Any, bool]]  # (node id, seed, seed_enabled)
    retain_graph: bool
    inputs: list[str] | None


class _Importer(ExprReader):
    def __init__(self, reserved: set[str]) -> None:
        super().__init__(Document(), reserved, torch.Generator())
        self.generator.seed()  # no manual_seed: fresh random numbers, as torch would give
        self.backward: _Backward | None = None

    # ---- statements -------------------------------------------------------------------
    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self.modules.update(imported_names(stmt))
        elif isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1:
                raise error_at(stmt, "chained assignment (a = b = ...) is not supported; "
                                     "assign one name per line")
            self.assign(stmt.targets[0], stmt.value, stmt)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.assign(stmt.target, stmt.value, stmt)
        elif isinstance(stmt, ast.AugAssign):
            self.aug_assign(stmt)
        elif isinstance(stmt, ast.Expr):
            self.expression_statement(stmt.value)
        elif isinstance(stmt, ast.Try):
            self.try_block(stmt)
        elif isinstance(stmt, ast.If):
            if not _only_prints(stmt):
                raise error_at(stmt, "if-blocks are supported only when they just print; "
                                     "remove the condition and keep the branch you mean")
        elif not isinstance(stmt, ast.Pass):
            raise error_at(stmt, f"{_describe(stmt)} is not supported; build the graph with "
                                 "assignments such as y = x * x")

    def assign(self, target: ast.expr, value: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Attribute) and target.attr == "requires_grad":
            flag = self.literal(value)
            if not isinstance(flag, bool):
                raise error_at(value, "requires_grad must be True or False")
            self.set_requires_grad(target.value, flag)
            return
        if not isinstance(target, ast.Name):
            raise error_at(target, f"assigning to {ast.unparse(target)} is not supported; "
                                   "assign to a plain name")
        self.bind(target.id, self.expr(value), stmt)

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        if not isinstance(stmt.target, ast.Name):
            raise error_at(stmt, "in-place updates are supported only on plain names")
        current = self.lookup(stmt.target)
        if isinstance(current, Pending | Ref) and self.is_grad_leaf(current):
            raise error_at(stmt, f"{stmt.target.id} is a leaf that requires grad; torch "
                                 "refuses to change it in place. Write a new name, e.g. "
                                 f"{stmt.target.id}2 = {stmt.target.id} + ...")
        result = self.binop(stmt.op, current, self.expr(stmt.value), stmt)
        self.bind(stmt.target.id, result, stmt)

    def expression_statement(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return  # docstring
        if not isinstance(node, ast.Call):
            raise error_at(node, f"the expression {_short(node)} does nothing here; "
                                 "assign it to a name")
        func = node.func
        if isinstance(func, ast.Name) and func.id == "print":
            return
        path = self.module_path(func)
        if path == "torch.manual_seed":
            self.manual_seed(node)
        elif path == "torch.autograd.backward":
            self.autograd_backward(node)
        elif isinstance(func, ast.Attribute) and path is None:
            if func.attr == "backward":
                self.method_backward(node, func)
            elif func.attr == "requires_grad_":
                self.expr(node)  # marks the tensor; the name stays bound to it
            elif func.attr == "retain_grad" and not node.args:
                self.expr(func.value)  # every node's gradient is shown anyway
            else:
                raise error_at(node, f"the call {_short(node)} does nothing here; "
                                     "assign its result to a name")
        else:
            raise error_at(node, f"the call {_short(node)} does nothing here; "
                                 "assign its result to a name")

    def manual_seed(self, node: ast.Call) -> None:
        if len(node.args) != 1 or node.keywords:
            raise error_at(node, "torch.manual_seed takes one whole number")
        seed = self.literal(node.args[0])
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise error_at(node, "torch.manual_seed takes one whole number")
        try:
            self.generator.manual_seed(seed)
        except (RuntimeError, ValueError, OverflowError) as exc:
            raise error_at(node, f"torch.manual_seed refused {seed}: {exc}") from None

    # ---- backward ---------------------------------------------------------------------
    def method_backward(self, call: ast.Call, func: ast.Attribute) -> None:
        names = ("gradient", "retain_graph", "create_graph", "inputs")
        args = _arguments(call, names, "backward")
        target = self.output_id(func.value)
        seed, enabled = self.seed(args.get("gradient"), target)
        self.set_backward(call, [(target, seed, enabled)], args)

    def autograd_backward(self, call: ast.Call) -> None:
        names = ("tensors", "grad_tensors", "retain_graph", "create_graph", "grad_variables",
                 "inputs")
        args = _arguments(call, names, "torch.autograd.backward")
        if "grad_variables" in args:
            raise error_at(call, "grad_variables is gone from torch; use grad_tensors=")
        if "tensors" not in args:
            raise error_at(call, "torch.autograd.backward needs the tensors to start from")
        tensors = [t for t in _items(args["tensors"]) if t is not None]
        grads = _items(args["grad_tensors"]) if "grad_tensors" in args else [None] * len(tensors)
        if len(grads) != len(tensors):
            raise error_at(call, f"{len(tensors)} tensors but {len(grads)} grad_tensors; "
                                 "give one gradient (or None) per tensor")
        outputs = []
        for t, g in zip(tensors, grads, strict=False):
            target = self.output_id(t)
            outputs.append((target, *self.seed(g, target)))
        self.set_backward(call, outputs, args)

    def output_id(self, node: ast.expr) -> str:
        value = self.expr(node)
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
            raise error_at(node, f"the gradient {_short(node)} is a plain Python value; pass a "
                                 f"tensor of numbers: torch.tensor({_short(node)})")
        value = self.expr(node)
        if isinstance(value, Pending):
            return value.value, True
        kind = "a plain number" if isinstance(value, Number) else "computed from the graph"
        raise error_at(node, f"the gradient {_short(node)} is {kind}; pass a tensor of "
                             "numbers such as torch.tensor([1.0, 0.5]) or "
                             "torch.ones_like(y)")

    def set_backward(self, call: ast.Call, outputs: list[tuple[str, Any, bool]],
                     args: dict[str, ast.expr]) -> None:
        if self.backward is not None:
            raise error_at(call, "a second backward call is not supported; call "
                                 "torch.autograd.backward([y1, y2], grad_tensors=[g1, g2]) once")
        if "create_graph" in args and self.literal(args["create_graph"]) is not False:
            raise error_at(args["create_graph"], "create_graph=True is not supported; "
                                                 "Gradflow shows first-order gradients")
        retain = False
        if "retain_graph" in args:
            flag = self.literal(args["retain_graph"])
            if flag is not None and not isinstance(flag, bool):
                raise error_at(args["retain_graph"], "retain_graph must be True or False")
            retain = bool(flag)
        inputs = None
        if "inputs" in args:
            inputs = [self.node_of(self.expr(n), n) for n in _items(args["inputs"])
                      if n is not None]
        if len({o[0] for o in outputs}) != len(outputs):
            raise error_at(call, "the same tensor appears twice among the outputs")
        self.backward = _Backward(outputs, retain, inputs)

    # ---- try / if ---------------------------------------------------------------------
    def try_block(self, stmt: ast.Try) -> None:
        if stmt.finalbody:
            raise error_at(stmt, "finally-blocks are not supported; remove it")
        for handler in stmt.handlers:
            if not (handler.type is None or _names_exceptions(handler.type)):
                raise error_at(handler, "only except RuntimeError (or Exception) is supported")
            if not all(_only_prints(s) for s in handler.body):
                raise error_at(handler, "an except-block may only print; torch's error is "
                                        "shown by the app")
        if not all(_only_prints(s) for s in stmt.orelse):
            raise error_at(stmt, "an else-block after try may only print")
        for inner in stmt.body:
            self.statement(inner)

    # ---- the end ----------------------------------------------------------------------
    def finish(self) -> None:
        self.materialise_leaves()
        b = self.backward
        if b is None:
            return
        for node_id, seed, enabled in b.outputs:
            self.doc.update_node(node_id, is_output=True, seed=seed, seed_enabled=enabled)
        self.doc.set_options(retain_graph=b.retain_graph, inputs=b.inputs)


def _arguments(call: ast.Call, names: tuple[str, ...], what: str) -> dict[str, ast.expr]:
    """Positional and keyword arguments of a call, by parameter name."""
    if len(call.args) > len(names):
        raise error_at(call, f"{what} takes at most {len(names)} positional arguments")
    out = dict(zip(names, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in names:
            raise error_at(kw, f"{what} has no argument {kw.arg}=; it takes "
                               f"{', '.join(names)}")
        if kw.arg in out:
            raise error_at(kw, f"{kw.arg} is given twice")
        out[kw.arg] = kw.value
    return out


def _items(node: ast.expr) -> list[ast.expr | None]:
    if isinstance(node, ast.List | ast.Tuple):
        return [None if isinstance(e, ast.Constant) and e.value is None else e for e in node.elts]
    return [node]


def _names_exceptions(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return all(_names_exceptions(e) for e in node.elts)
    return isinstance(node, ast.Name) and node.id in ("RuntimeError", "Exception")


def _only_prints(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        return (isinstance(value, ast.Constant) and isinstance(value.value, str)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "print")
    if isinstance(stmt, ast.If):
        return all(_only_prints(s) for s in stmt.body + stmt.orelse)
    return False


def _describe(stmt: ast.stmt) -> str:
    words = {ast.Return: "return", ast.AnnAssign: "an annotation without a value",
             ast.Break: "break", ast.Continue: "continue"}
    return words.get(type(stmt), f"the statement {_short(stmt)}")


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."

