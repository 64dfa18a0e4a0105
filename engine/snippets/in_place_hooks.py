"""A hook that changes its gradient in place (`grad.mul_(mask)`, `g *= 0.5`, `g[g < 0] = 0`).

torch hands the hook the gradient tensor itself and, when the hook returns None, goes on with
that tensor as the hook left it: the hook's effect is then the out-of-place expression
(`grad * mask`), which is how the reader keeps it (snippets/hooks.py). That holds when the
tensor belongs to this gradient alone. torch's backward formulas for some ops hand the very
gradient they received to an input (add gives it to both sides, a reshape a view of it, sum an
expanded view): a change in place then also changes the other side's gradient, or raises.
So the in-place form is read only where the gradient arriving at the hook is a tensor of its
own: a sum over several uses (torch adds them into a new tensor), or the one use's backward
computes a new tensor (mul, matmul, a loss, a layer's weight...).
"""

from __future__ import annotations

import ast
import copy

from engine.document import Document
from engine.hook_windows import HOOK_OP

# (op, port) whose backward hands the gradient it received (or a view of it) to that input;
# "*": every port
_PASSED_ON = {
    **{op: "*" for op in ("add", "sub", "cat", "clone", "contiguous", "expand", "reshape",
                          "permute", "transpose", "sum", "nansum", "to", "pad", "detach",
                          "custom_backward", "setitem", "overwritten", "grad", "einsum_one",
                          "index")},
    "linear": "bias",  # a 1-d input: the bias gets the output's gradient itself
    "conv1d": "bias", "conv2d": "bias", "conv_transpose1d": "bias", "conv_transpose2d": "bias",
}


def shared_gradient(doc: Document, hook_id: str) -> str | None:
    """Why the gradient the hook is given may share its memory (None: it is its own)."""
    edges = doc.out_edges(hook_id)
    if not edges:
        return "nothing uses the tensor, so its gradient is the one backward was given"
    if len(edges) > 1:
        return None
    edge = edges[0]
    op = doc.node(edge.target).op
    if op == HOOK_OP:  # a hook registered before this one runs first, on the same tensor
        return shared_gradient(doc, edge.target)
    passed = _PASSED_ON.get(op)
    if passed == "*" or passed == edge.port:
        return (f"its one use, {doc.node(edge.target).name} ({op}), hands on the gradient it "
                "received itself, so torch changes that gradient too")
    return None


def out_of_place(fn: ast.FunctionDef | ast.Lambda, g: str
                 ) -> ast.FunctionDef | ast.Lambda | None:
    """The hook written without changing g: `g.mul_(m)` → `g = g.mul(m)`, `g *= k` →
    `g = g * k`, `g[mask] = 0` → `g = torch.where(mask, 0, g)`, and `return g` at the end
    when it returned nothing. None: a form this does not rewrite (one inside an if or a
    loop, a write at an index)."""
    if isinstance(fn, ast.Lambda):
        body = _methods_out_of_place(fn.body, g)
        return None if body is None else ast.Lambda(args=fn.args, body=body)
    statements: list[ast.stmt] = []
    for stmt in fn.body:
        made = _statement(stmt, g)
        if made is None:
            return None
        statements.append(made)
    if not statements or not isinstance(statements[-1], ast.Return) or \
            statements[-1].value is None:
        if statements and isinstance(statements[-1], ast.Return):
            statements.pop()
        statements.append(ast.Return(value=ast.Name(id=g, ctx=ast.Load())))
    rewritten = copy.copy(fn)
    rewritten.body = statements
    return ast.fix_missing_locations(rewritten)


def _statement(stmt: ast.stmt, g: str) -> ast.stmt | None:
    def is_g(node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == g

    def bind(value: ast.expr) -> ast.stmt:
        return ast.copy_location(ast.Assign(targets=[ast.Name(id=g, ctx=ast.Store())],
                                            value=value), stmt)

    if isinstance(stmt, ast.AugAssign) and is_g(stmt.target):
        return bind(ast.BinOp(left=ast.Name(id=g, ctx=ast.Load()), op=stmt.op,
                              right=stmt.value))
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
            stmt.targets[0], ast.Subscript) and is_g(stmt.targets[0].value):
        mask = stmt.targets[0].slice
        if not isinstance(mask, ast.Compare | ast.BinOp | ast.UnaryOp):
            return None  # g[0] = 0: a write at an index
        where = ast.Attribute(value=ast.Name(id="torch", ctx=ast.Load()), attr="where",
                              ctx=ast.Load())
        return bind(ast.Call(func=where, args=[mask, stmt.value, ast.Name(id=g, ctx=ast.Load())],
                             keywords=[]))
    if isinstance(stmt, ast.Expr) and _root(stmt.value) == g and _changes(stmt.value):
        value = _methods_out_of_place(stmt.value, g)
        return None if value is None else bind(value)
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        value = _methods_out_of_place(stmt.value, g)
        return None if value is None else ast.copy_location(ast.Return(value=value), stmt)
    if any(isinstance(n, ast.stmt) for n in ast.walk(stmt) if n is not stmt) or any(
            _root(n) == g and _changes(n) for n in ast.walk(stmt) if isinstance(n, ast.expr)):
        return None  # an if, a for, a with; `h = g.mul_(2)`, binding g's tensor anew
    return stmt


def _methods_out_of_place(node: ast.AST, g: str) -> ast.expr | None:
    """Every `g.<method>_(...)` chain in the expression as the method of the same name
    without the underscore (`g.mul_(m).add_(1)` → `g.mul(m).add(1)`), `g.zero_()` as
    `torch.zeros_like(g)`, `g.fill_(v)` as `torch.full_like(g, v)`; None when something else
    changes g (`g.copy_(other)`)."""
    class OutOfPlace(ast.NodeTransformer):
        refused = False

        def visit_Call(self, call: ast.Call) -> ast.AST:  # noqa: N802 - ast's own name
            self.generic_visit(call)
            if not (_root(call) == g and _changes(call)):
                return call
            assert isinstance(call.func, ast.Attribute)
            name = call.func.attr[:-1]
            if name in ("zero", "fill") and isinstance(call.func.value, ast.Name):
                like = ast.Attribute(value=ast.Name(id="torch", ctx=ast.Load()),
                                     attr=f"{'zeros' if name == 'zero' else 'full'}_like",
                                     ctx=ast.Load())
                return ast.Call(func=like, args=[call.func.value, *call.args], keywords=[])
            if name in ("copy", "fill", "zero", "set", "resize", "requires_grad"):
                self.refused = True
            call.func.attr = name
            return call

    rewriter = OutOfPlace()
    made = rewriter.visit(copy.deepcopy(node))
    if rewriter.refused or not isinstance(made, ast.expr):
        return None
    return ast.fix_missing_locations(made)


def _changes(call: ast.expr) -> bool:
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
        call.func.attr.endswith("_") and not call.func.attr.endswith("__")


def _root(node: ast.expr) -> str | None:
    """The name a chain of method calls and attributes starts from."""
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


__all__ = ["out_of_place", "shared_gradient"]
