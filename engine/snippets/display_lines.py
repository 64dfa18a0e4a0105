"""Lines that show rather than compute: a notebook's bare `x.grad` or `y`, `print(...)`,
`display(...)`, `vars(layer)`. They do nothing to the graph, except what Python would do
evaluating them: a call inside a print that draws random numbers, runs one of the snippet's
functions or raises torch's error is made (in source order), an item a print takes raises
torch's error there, and a .grad a print reaches after a backward is read with the grads of
that point (training.py's check_report). `gc.collect()` on a line of its own does nothing."""

from __future__ import annotations

import ast
import builtins

import torch

from engine.snippets.func_names import CHECKS
from engine.snippets.generators import GeneratorReader
from engine.snippets.grad_reads import zeroes_grad
from engine.snippets.pyexpr import AfterBackward
from engine.snippets.safety import ImportError_, TorchRaised, raised_at
from engine.snippets.values import Function, Module, Pending, Py, Ref

# Tensor methods whose refusal is torch's own (x.numpy() of a tensor that requires grad,
# .item() of several numbers): print(x.numpy()) raises there as the script does.
_MAY_RAISE = frozenset({"numpy", "item", "requires_grad", "is_leaf", "shape", "dtype",
                        "device", "ndim", "data", "is_cuda"})  # the last: x.shape() raises
# calls that compute gradients: the program's calls, wherever they are written
_GRADIENT_CALLS = frozenset({"torch.autograd.grad"})
# torch functions and methods that draw from the random generator
_RANDOM_DRAWS = frozenset({"rand", "randn", "randint", "rand_like", "randn_like",
                           "randint_like", "randperm", "normal", "bernoulli", "multinomial",
                           "dropout", "uniform_", "normal_", "random_", "bernoulli_"})


# the console's own writes, on a line of their own: prints without the newline
_CONSOLE_WRITES = frozenset({"sys.stdout.write", "sys.stdout.flush", "sys.stderr.write",
                             "sys.stderr.flush"})
# calls on a line of their own that show something and change nothing
# (a notebook's display() is no builtin of a script: pybuiltins.py raises Python's NameError)
_DISPLAYS = frozenset({"print", "vars", "dir", "help", "type", "repr", "id"})


class DisplayLines(GeneratorReader):
    def expression_statement(self, node: ast.expr) -> None:
        """Overridden by the reader for backward and manual_seed; here: a display line (a
        bare `x.grad` or `y` in a notebook) does nothing, and other calls are evaluated."""
        if isinstance(node, ast.Yield):  # a generator's item (generators.py), not a display
            self.expr(node)
            return
        if not isinstance(node, ast.Call):
            if any(isinstance(n, ast.Call) for n in ast.walk(node)):
                # `w.grad.zero_(), b.grad.zero_()`: a tuple shown, its calls made first
                self.shown_arguments([node])
            return
        if isinstance(node.func, ast.Name) and node.func.id in _DISPLAYS and \
                node.func.id not in self.env:
            # a bare `vars(layer)` or `dir(z)` in a notebook shows attributes: a display too
            self.shown_arguments(node.args)
            if self.shown_items(node.args):  # it reaches into a .grad after a backward
                self.check_report(ast.copy_location(ast.Expr(value=node), node))
            return
        if self.module_path(node.func) in _CONSOLE_WRITES:  # sys.stdout.write("..."): a print
            self.shown_arguments(node.args)
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr == "collect" and \
                not node.args and not node.keywords and \
                self.module_path(node.func) == "gc.collect":
            return  # frees Python's unreachable objects: no tensor or number changes
        self.expr(node)

    def shown_arguments(self, nodes: list[ast.expr]) -> None:
        """What Python does evaluating a print's arguments: a name not defined raises, and
        the calls in them that change what follows are made."""
        self.names_defined(nodes)
        for call in self.calls_with_effects(nodes):
            if zeroes_grad(call):  # print(x.grad.zero_()): the call of its own line
                self.expression_statement(call)
            else:
                self.expr(call)

    def names_defined(self, nodes: list[ast.expr]) -> None:
        """print(y) after `del y`: Python's NameError, where the print is."""
        for arg in nodes:
            for n in _own_scope(arg):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and \
                        n.id not in self.env and n.id not in self.modules and \
                        not hasattr(builtins, n.id):
                    raise raised_at(n, NameError(f"name {n.id!r} is not defined"))

    def check_report(self, stmt: ast.stmt) -> None:
        """Read again with the grads of this point (training.py)."""

    def grad_leaf_named(self, node: ast.Attribute) -> bool:
        """`w.grad` of a leaf that requires grad (a non-leaf's .grad is torch's only with
        retain_grad, which the grads of a point do not hold)."""
        try:
            owner = self.expr(node.value)
        except ImportError_:
            return False
        return isinstance(owner, Pending | Ref) and self.is_grad_leaf(owner)

    def shown_items(self, nodes: list[ast.expr]) -> bool:
        """`print(t, loss.data[0])`: an item a print takes raises torch's error there (a 0-dim
        tensor indexed, an index out of range), as Python evaluates it; taken without a
        graph. What the reader cannot evaluate is only shown, so it is let be."""
        items: list[ast.Subscript | ast.Attribute] = [
            n for arg in nodes for n in _own_scope(arg) if isinstance(n, ast.Subscript)
            and not any(isinstance(c, ast.Call) for c in ast.walk(n))]
        # `print(y.creator)` of an old tutorial: no tensor has it, Python raises there; nor
        # `print(relu.weight)`: torch's module has none
        items += [n for arg in nodes for n in _own_scope(arg) if isinstance(n, ast.Attribute)
                  and isinstance(n.value, ast.Name) and not hasattr(torch.Tensor, n.attr)
                  and (isinstance(self.env.get(n.value.id), Pending | Ref)
                       or _torch_module(self.env.get(n.value.id))
                       and not hasattr(torch.nn.Module, n.attr))]
        items += [n for arg in nodes for n in _own_scope(arg) if isinstance(n, ast.Attribute)
                  and isinstance(n.value, ast.Attribute) and n.value.attr == "grad"]
        reaches_grad = False
        enabled, self.grad_enabled = self.grad_enabled, False
        try:
            for item in items:
                try:  # a tensor's item only: a list or dict a hook fills is full only later
                    held = self.expr(item.value)
                    grad = item.value if isinstance(item.value, ast.Attribute) and \
                        item.value.attr == "grad" else None
                    if _torch_module(held) or isinstance(held, Pending | Ref) and (
                            isinstance(item, ast.Subscript) or grad is None):
                        self.expr(item)
                    elif isinstance(held, Py) and held.value is None and grad is not None \
                            and self.grad_leaf_named(grad):
                        self.expr(item)  # w.grad[0] where torch's .grad is None: TypeError
                except TorchRaised:
                    raise
                except AfterBackward:
                    reaches_grad = True
                except ImportError_:
                    continue
        finally:
            self.grad_enabled = enabled
        return reaches_grad

    def calls_with_effects(self, nodes: list[ast.expr]) -> list[ast.expr]:
        """The calls inside a print's arguments that change what follows (they draw random
        numbers, change a tensor in place, run one of the snippet's functions, or raise
        torch's error), outermost first,
        in source order:
        `print(dropout(X, 0.5))` draws its mask as the script does. The rest of what a print
        shows is the app's to show. A comprehension holding one is taken whole, as its names
        are its own (`print([w.grad.item() for w in ws])`)."""
        found: list[ast.expr] = []
        stack: list[ast.AST] = list(reversed(nodes))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call) and self.has_effects(node):
                found.append(node)
                continue
            if isinstance(node, _SCOPES):
                if any(isinstance(c, ast.Call) and self.has_effects(c) for c in ast.walk(node)):
                    found.append(node)  # type: ignore[arg-type]
                continue
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
        return found

    def has_effects(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name) and func.id not in self.modules:
            bound = self.env.get(func.id)
            return isinstance(bound, Py) and isinstance(bound.value, Function)
        path = self.module_path(func)
        if path in _GRADIENT_CALLS or path in CHECKS or (path or "").startswith(
                "torch.autograd.functional."):  # print(torch.autograd.grad(y, x)), a bare
            return True  # `jacobian(f, x).shape`: a call of the program (or a check) is made
        name = path or (func.attr if isinstance(func, ast.Attribute) else "")
        if isinstance(func, ast.Attribute) and func.attr.endswith("_") and \
                not func.attr.startswith("_") and path is None:
            return True  # print(c.zero_()): the tensor changes in place, then is shown
        return name.rsplit(".", 1)[-1] in _RANDOM_DRAWS or (
            isinstance(func, ast.Attribute) and func.attr in _MAY_RAISE and not call.args)


# the expressions with names of their own
_SCOPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)


def _torch_module(value: object) -> bool:
    """A module of torch's own (nn.ReLU), not one of the snippet's classes."""
    return isinstance(value, Py) and isinstance(value.value, Module) and value.value.cls is None


def _own_scope(node: ast.AST) -> list[ast.AST]:
    """ast.walk, without going into a comprehension or lambda (their names are theirs), nor
    into what Python may not evaluate: the branches of `a if c else b`, the operands of
    `and`/`or` after the first (`None if g is None else g[0]` reads g[0] only when needed)."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, ast.IfExp):
            stack.append(current.test)
        elif isinstance(current, ast.BoolOp):
            stack.append(current.values[0])
        elif not isinstance(current, _SCOPES):
            stack.extend(ast.iter_child_nodes(current))
    return out
