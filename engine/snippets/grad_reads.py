"""What a statement after a backward call does with a .grad, read from its syntax alone:
only looks at it (a print, an assert), takes it as it is (`g = x.grad`), keeps it in a list
(`rows.append(x.grad.clone())`), or computes with it (a training step, training.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable

_READS = ("clone", "detach", "item", "tolist", "numpy", "cpu")
_WRITES = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Return, ast.For,
           ast.While, ast.With, ast.Try)
# list methods that put a value into the list: `rows.append(x.grad.clone())` keeps the
# numbers for later (torch.stack(rows)), it does not only look at them
KEEPS = ("append", "extend")


def grad_holder(node: ast.expr) -> ast.expr | None:
    """`x` of `x.grad` or `x.grad.data`, else None."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "grad":
        return node.value
    return None


def zeroes(call: ast.Call) -> bool:
    """`t.zero_()`, or `t.fill_(0)`, which fills it with the same zeros."""
    if not isinstance(call.func, ast.Attribute) or call.keywords:
        return False
    if call.func.attr == "zero_":
        return not call.args
    return call.func.attr == "fill_" and len(call.args) == 1 and \
        isinstance(call.args[0], ast.Constant) and type(call.args[0].value) in (int, float) \
        and call.args[0].value == 0


def zeroes_grad(call: ast.expr) -> bool:
    """`x.grad.zero_()` or `x.grad.data.fill_(0)`, which the program reads as a call."""
    return isinstance(call, ast.Call) and zeroes(call) and isinstance(call.func, ast.Attribute) \
        and grad_holder(call.func.value) is not None


def reads_grad_only_as_seed(stmt: ast.stmt,
                            module_path: Callable[[ast.expr], str | None]) -> bool:
    """`y.backward(x.grad)`, `torch.autograd.backward(y, w.grad * 2)`: a backward whose
    .grad reads are all in its arguments. Python reads them before the call runs, so the seed
    is the .grad torch held before this backward, as `g = x.grad.clone(); y.backward(g)`
    reads it. A .grad in the tensor differentiated is left out: its graph would save the
    .grad that this very backward then changes in place."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "backward"):
        return False
    outputs = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "tensors")] \
        if module_path(call.func) == "torch.autograd.backward" else [call.func.value]
    return not any(isinstance(n, ast.Attribute) and n.attr == "grad"
                   for o in outputs for n in ast.walk(o))


def plain_names(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, ast.Tuple | ast.List) and all(plain_names(t) for t in target.elts)


def only_reads(node: ast.expr) -> bool:
    """`x.grad`, `g[0]`, `x.grad.clone()`: a gradient taken as it is, not computed with."""
    while True:
        if isinstance(node, ast.Name):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _READS and not node.args and not node.keywords:
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            node = node.value
        else:
            return False


def copies_grad(node: ast.expr) -> bool:
    """`x.grad.item()`, `.tolist()`, `.clone()`: a copy of a .grad's numbers, which later
    calls (adding into .grad, zeroing it) leave as they are."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in ("item", "tolist", "clone") and not node.args and not node.keywords


def only_reports(stmt: ast.AST) -> bool:
    """Nothing in it assigns, loops, keeps a value in a list or changes a tensor in place:
    it only looks."""
    for node in ast.walk(stmt):
        if isinstance(node, _WRITES):
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr.endswith("_") or node.func.attr in
                ("backward", "zero_grad", "step", "grad", *KEEPS)):
            return False
    return True


def plain_read(node: ast.expr) -> bool:
    """`x.grad`, `x.grad.data`, `x.grad.detach()`...: the .grad itself (an alias of it)."""
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            if node.args or node.keywords or not isinstance(node.func, ast.Attribute) or \
                    node.func.attr not in ("detach", "data"):
                return False
            node = node.func.value
        elif node.attr in ("grad", "data"):
            node = node.value
        else:
            return False
    return isinstance(node, ast.Name)


def holds_a_grad(node: ast.expr) -> bool:
    """`{'g': w.grad}`, `[w.grad, b.grad]`: a container made holding the .grad itself (which
    later calls change in place), not its numbers of this line."""
    if isinstance(node, ast.Dict):
        items: list[ast.expr] = [v for v in node.values if v is not None]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = list(node.elts)
    else:
        return False
    return any(plain_read(i) and any(isinstance(n, ast.Attribute) and n.attr == "grad"
                                     for n in ast.walk(i)) or holds_a_grad(i) for i in items)


def kept_alias(stmt: ast.stmt) -> ast.Call | None:
    """`rows.append(x.grad)`: a list keeps the .grad itself, which a later backward adds to
    in place (torch accumulates into the same tensor), so its numbers there are not the
    numbers of this line. The call, or None."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
            call.func.attr in KEEPS and any(plain_read(a) and any(
                isinstance(n, ast.Attribute) and n.attr == "grad" for n in ast.walk(a))
                for a in call.args):
        return call
    return None


__all__ = ["KEEPS", "grad_holder", "kept_alias", "only_reads", "only_reports", "plain_names",
           "plain_read"]


def writes_before_grad_read(stmt: ast.stmt) -> bool:
    """`buf.mul_(0.9).add_(p.grad)`: an in-place method call Python makes before it reads a
    .grad in the same statement. A statement reading a .grad after a backward is read a
    second time with the grads torch gives there, which would make that write twice. (A
    compound statement's own statements are read one by one.)"""
    if not isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
        return False
    grads = [(n.lineno, n.col_offset) for n in ast.walk(stmt)
             if isinstance(n, ast.Attribute) and n.attr == "grad" and
             isinstance(n.ctx, ast.Load)]
    if not grads:
        return False
    first = min(grads)
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
               n.func.attr.endswith("_") and not n.func.attr.startswith("_") and
               n.end_lineno is not None and n.end_col_offset is not None and
               (n.end_lineno, n.end_col_offset) <= first for n in ast.walk(stmt))
