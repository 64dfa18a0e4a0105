"""The snippet's own torch.autograd.Function classes.

`class MyReLU(torch.autograd.Function)` with a static `forward(ctx, ...)` and
`backward(ctx, grad_output)`: `MyReLU.apply(x)` (also `f = MyReLU.apply; f(x)`, and inside a
model's forward) reads the forward inlined at the call like a def, so the canvas shows its
torch ops and autograd differentiates them. `ctx` is read as torch gives it:
save_for_backward, saved_tensors, needs_input_grad, attributes (`ctx.k = k`),
mark_non_differentiable, set_materialize_grads; the `setup_context(ctx, inputs, output)`
style too.

A backward that is not the forward's derivative (a straight-through estimator, a gradient
reversal, a clipped gradient) and reads as an expression of the gradient is applied as torch
applies it, by a custom_backward node (custom_backwards.py). Otherwise the document runs
autograd's derivative of the forward's ops: each backward call that sends a gradient to a
Function's output has the backward read on those numbers and compared with autograd's
(custom_function_checks.py, function_check.py), and one that gives other numbers is refused,
saying why its backward was not read as an expression.
"""

from __future__ import annotations

import ast

import networkx as nx

from engine.ops import LEAF
from engine.snippets.custom_backwards import differs_from_forward, read_backward, returned_for
from engine.snippets.custom_function_checks import CustomFunctionChecks
from engine.snippets.function_check import (
    Application,
    Ctx,
    FunctionClass,
)
from engine.snippets.optimizers import OUTSIDE
from engine.snippets.safety import ImportError_, TorchRaised, error_at, raised_at, short_text
from engine.snippets.values import Function, Number, Pending, Py, Ref, Value

FUNCTION_BASES = ("torch.autograd.Function", "torch.autograd.function.Function")
# decorators a Function's methods may carry: none changes a first-order backward
_DECORATORS = ("staticmethod", "torch.autograd.function.once_differentiable")
_CTX_METHODS = ("save_for_backward", "mark_non_differentiable", "set_materialize_grads")


class Apply:
    """`MyReLU.apply`: calling it reads the forward inlined at the call."""

    def __init__(self, cls: FunctionClass) -> None:
        self.cls = cls


class FunctionInstance:
    """`exp = Exp()`: torch still makes the instance (with a DeprecationWarning); its .apply is
    the class's, and calling it is torch's legacy-function RuntimeError."""

    def __init__(self, cls: FunctionClass) -> None:
        self.cls = cls


_LEGACY_CALL = ("Legacy autograd function with non-static forward method is deprecated. Please "
                "use new-style autograd function with static forward method. (Example: "
                "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")


class CustomFunctions(CustomFunctionChecks):
    # ---- the class statement -----------------------------------------------------------
    def define_class(self, stmt: ast.ClassDef) -> None:
        parent = self.function_parent(stmt)
        if parent is None and not any(self.module_path(b) in FUNCTION_BASES
                                      for b in stmt.bases):
            super().define_class(stmt)
            return
        cls = FunctionClass(stmt)
        if parent is not None:  # `class Double2(Double)`: its methods, then its own
            cls.methods.update(parent.methods)
            cls.constants.update(parent.constants)
            cls.refusal = parent.refusal
        try:
            self.read_function_class(cls)
        except ImportError_ as exc:
            if type(exc) is not ImportError_:
                raise  # torch raised in the class body: the script stops here too
            cls.refusal = exc  # refused where it is used, as a model class is
        self.env[stmt.name] = Py(cls)

    def function_parent(self, stmt: ast.ClassDef) -> FunctionClass | None:
        """The snippet's own Function a class derives from (its one base), or None."""
        base = stmt.bases[0] if len(stmt.bases) == 1 else None
        found = self.env.get(base.id) if isinstance(base, ast.Name) else None
        return found.value if isinstance(found, Py) and isinstance(found.value,
                                                                   FunctionClass) else None

    def read_function_class(self, cls: FunctionClass) -> None:
        stmt = cls.node
        if len(stmt.bases) != 1 or stmt.keywords or stmt.decorator_list:
            raise error_at(stmt, f"the class {cls.name} derives from torch.autograd.Function "
                                 f"and more, {OUTSIDE}; a Function is read with a static "
                                 "forward and backward")
        for item in stmt.body:
            if isinstance(item, ast.Pass) or isinstance(item, ast.Expr) and isinstance(
                    item.value, ast.Constant):
                continue  # a docstring
            if isinstance(item, ast.Assign) and all(isinstance(t, ast.Name)
                                                    for t in item.targets):
                value = self.expr(item.value)  # generate_vmap_rule = True
                cls.constants.update({t.id: value for t in item.targets
                                      if isinstance(t, ast.Name)})
                continue
            if not isinstance(item, ast.FunctionDef):
                raise error_at(item, f"this statement in the Function {cls.name} is "
                                     f"{OUTSIDE}; a Function is read with its static methods")
            for decorator in item.decorator_list:
                if self.module_path(decorator) not in _DECORATORS and not (
                        isinstance(decorator, ast.Name) and decorator.id == "staticmethod"):
                    raise error_at(decorator, f"{ast.unparse(decorator)} on {cls.name}."
                                              f"{item.name} is {OUTSIDE}; a Function is read "
                                              "with @staticmethod and @once_differentiable")
            cls.methods[item.name] = Function(
                item, [self.expr(d) for d in item.args.defaults], scope=self.env,
                kw_defaults=[None if d is None else self.expr(d)
                             for d in item.args.kw_defaults])

    # ---- MyFn.apply, ctx ---------------------------------------------------------------
    def attribute(self, node: ast.Attribute) -> Value:
        owner = self.env.get(node.value.id) if isinstance(node.value, ast.Name) and \
            self.module_path(node) is None else None
        if isinstance(owner, Py) and isinstance(owner.value, FunctionInstance | FunctionClass):
            cls = owner.value if isinstance(owner.value, FunctionClass) else owner.value.cls
            if node.attr == "apply":
                return Py(Apply(cls))
            if node.attr in cls.constants:
                return cls.constants[node.attr]
            raise error_at(node, f"{short_text(node)}: a Function is read through "
                                 f"{cls.name}.apply(...)")
        if isinstance(owner, Py) and isinstance(owner.value, Ctx):
            return ctx_attribute(owner.value, node)
        return super().attribute(node)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, FunctionInstance):
            receiver = Py(receiver.value.cls)  # exp.apply(x) is Exp.apply(x)
        if isinstance(receiver, Py) and isinstance(receiver.value, FunctionClass):
            if attr == "apply":
                return self.apply_function(receiver.value, node)
            raise error_at(node, f"{short_text(node)} calls a Function's method by hand; "
                                 f"call {receiver.value.name}.apply(...)")
        if isinstance(receiver, Py) and isinstance(receiver.value, Ctx):
            return self.ctx_method(receiver.value, attr, node)
        if attr in ("view_as", "reshape_as", "resize_as") and \
                isinstance(receiver, Pending | Ref) and isinstance(node.func, ast.Attribute):
            return self.shaped_as(receiver, attr, node, node.func)
        return super().method(receiver, attr, node)

    def shaped_as(self, receiver: Value, attr: str, node: ast.Call,
                  func: ast.Attribute) -> Value:
        """`x.view_as(y)` (a gradient reversal's forward), `x.reshape_as(y)`: read as
        x.view(*y.shape) and x.reshape(*y.shape), the calls torch makes of them; the
        deprecated `x.resize_as(y)` as x.resize(*y.shape)."""
        args, kwargs = self.arguments(node)
        if len(args) != 1 or kwargs or not isinstance(args[0], Pending | Ref):
            raise raised_at(node, TypeError(f"{attr}() takes one tensor"))
        shape = self.concrete(args[0], node).shape
        written = ast.copy_location(ast.Call(
            func=ast.copy_location(ast.Attribute(value=func.value, attr=attr[:-3],
                                                 ctx=ast.Load()), func),
            args=[ast.copy_location(ast.Constant(int(d)), node) for d in shape],
            keywords=[]), node)
        return super().method(receiver, attr[:-3], written)

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, Apply):
            return self.apply_function(target.value.cls, node)
        if isinstance(target, Py) and isinstance(target.value, FunctionClass):
            self.arguments(node)  # Function.__init__ takes any arguments and keeps none
            return Py(FunctionInstance(target.value))
        if isinstance(target, Py) and isinstance(target.value, FunctionInstance):
            raise raised_at(node, RuntimeError(_LEGACY_CALL))
        return super().call_value(target, node)

    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner = self.env.get(target.value.id)
            if isinstance(owner, Py) and isinstance(owner.value, Ctx):
                owner.value.attrs[target.attr] = value  # ctx.k = k
                return
        super().assign(target, value, stmt)

    def ctx_method(self, ctx: Ctx, attr: str, node: ast.Call) -> Value:
        if attr not in _CTX_METHODS:
            raise error_at(node, f"ctx.{attr}(...) is {OUTSIDE}; a Function's ctx is read "
                                 f"with {', '.join(_CTX_METHODS)}, saved_tensors, "
                                 "needs_input_grad and attributes of its own")
        args, kwargs = self.arguments(node)
        if kwargs:
            raise raised_at(node, TypeError(f"{attr}() takes no keyword arguments"))
        if attr == "set_materialize_grads":
            ctx.materialize = bool(self.plain(args[0], node)) if args else True
            return Py(None)
        for number, value in enumerate(args):
            if not isinstance(value, Pending | Ref) and not (
                    isinstance(value, Py) and value.value is None):
                raise raised_at(node, TypeError(
                    f"{attr} can only save variables, but argument {number} is of type "
                    f"{type(self.concrete(value, node)).__name__}"))
        if attr == "save_for_backward":
            ctx.saved = tuple(args)
        else:
            ctx.non_differentiable.extend(args)
        return Py(None)

    # ---- the forward, inlined ----------------------------------------------------------
    def apply_function(self, cls: FunctionClass, node: ast.Call) -> Value:
        if cls.refusal is not None:
            raise cls.refusal
        forward = cls.methods.get("forward")
        if forward is None:
            raise raised_at(node, NotImplementedError(
                "You must implement the forward function for custom autograd.Function."))
        spec = forward.node.args
        args, kwargs = self.arguments(node)
        if isinstance(forward.node, ast.Lambda) or spec.kwonlyargs or spec.posonlyargs or \
                spec.kwarg and kwargs:  # apply's keywords: no **kwargs is given them
            raise error_at(forward.node, f"{cls.name}.forward is read with plain parameters, "
                                         "*args and an empty **kwargs (no keyword-only ones, "
                                         "no keywords to apply)")
        setup = cls.methods.get("setup_context")
        ctx = Ctx(cls)
        given = [Py(ctx), *args] if setup is None else args
        bound = self.bound(forward, given, kwargs, node)
        names = [a.arg for a in spec.args][0 if setup is not None else 1:]
        inputs = [bound[n] for n in names]
        if spec.vararg is not None:  # forward(ctx, *args): each one an input of its own
            rest = bound[spec.vararg.arg]
            assert isinstance(rest, Py) and isinstance(rest.value, tuple)
            names += [f"{spec.vararg.arg}[{i}]" for i in range(len(rest.value))]
            inputs += list(rest.value)
        recorded = self.grad_enabled
        ctx.needs_input_grad = tuple(recorded and isinstance(v, Pending | Ref)
                                     and self.needs_grad(v) for v in inputs)
        for value in inputs:
            if recorded and isinstance(value, Pending | Ref) and self.needs_grad(value):
                self.node_of(value, node)  # a node before the forward's own
        before = set(self.doc.graph)
        first = [Py(ctx)] if setup is None else []
        try:
            output = self.inline(forward, [*first, *inputs], {}, node)
        except TorchRaised as exc:  # torch runs forward without a graph: it allows that
            if "leaf Variable that requires grad" not in exc.torch_message:
                raise
            raise error_at(node, f"{cls.name}.forward changes a leaf that requires grad in "
                                 "place, which torch allows there (forward runs without a "
                                 "graph) and Gradflow does not read; compute a new tensor in "
                                 "forward (a.clone() first)") from None
        if setup is not None:
            self.inline(setup, [Py(ctx), Py(tuple(inputs)), output], {}, node)
        if not any(ctx.needs_input_grad):  # torch's outputs then have no graph, whatever
            return self.without_graph(output, node)  # the forward made (a leaf of its own)
        return self.function_output(cls, ctx, inputs, names, output, before, node)

    def without_graph(self, output: Value, node: ast.Call) -> Value:
        if isinstance(output, Py) and isinstance(output.value, tuple):
            return Py(tuple(self.without_graph(v, node) for v in output.value))
        if isinstance(output, Pending | Ref) and self.needs_grad(output):
            return self.op_node("detach", [output], {}, node)
        return output

    def function_output(self, cls: FunctionClass, ctx: Ctx, inputs: list[Value],
                        names: list[str], output: Value, before: set[str],
                        node: ast.Call) -> Value:
        """The forward's result as the snippet gets it, its application kept to check."""
        many = isinstance(output, Py) and isinstance(output.value, tuple)
        items: list[Value] = list(output.value) if isinstance(output, Py) and many \
            else [output]
        input_ids = [self.node_of(v, node) if isinstance(v, Pending | Ref) and needs else None
                     for v, needs in zip(inputs, ctx.needs_input_grad, strict=True)]
        inside = [n for n in self.doc.graph if n not in before]
        self.refuse_outer_grads(cls, inside, set(i for i in input_ids if i), node)
        marked = {id(v) for v in ctx.non_differentiable}
        outputs: list[str | None] = []
        given: list[Value] = []
        for value in items:
            if not isinstance(value, Pending | Ref) or not self.concrete(
                    value, node).is_floating_point():
                outputs.append(None)
                given.append(value)
                continue
            if id(value) in marked:  # no gradient leaves it, as torch marks it
                outputs.append(None)
                given.append(self.op_node("detach", [value], {}, node)
                             if self.needs_grad(value) else value)
                continue
            node_id = self.node_of(value, node)
            if node_id in input_ids:  # the input itself: torch gives a new tensor of it
                value = self.op_node("clone", [value], {}, node)
                node_id = self.node_of(value, node)
                inside.append(node_id)
            elif node_id not in inside or not self.needs_grad(value):
                raise error_at(node, f"{cls.name}.forward returns a tensor with no gradient "
                                     "path from its inputs (a comparison, .detach(), a new "
                                     "tensor): torch still sends that output's gradient to "
                                     f"{cls.name}.backward, but autograd's derivative of the "
                                     "forward's ops gives nothing there. Gradflow shows "
                                     "autograd's own derivative, so it cannot show this "
                                     "Function")
            outputs.append(node_id)
            given.append(value)
        order = list(nx.topological_sort(self.doc.graph.subgraph(inside)))
        app = Application(cls, ctx, node, inputs, names, input_ids, outputs, order)
        if not self.own_backward(app, given, node):  # snippets/custom_backwards.py
            self.custom_applications.append(app)
        return Py(tuple(given)) if many else given[0]

    def own_backward(self, app: Application, given: list[Value], node: ast.Call) -> bool:
        """A backward that is not the forward's derivative: the output in `given` becomes a
        custom_backward node that applies it. False: the forward's ops carry the gradient
        (checked on every call); `app.unread` says why the backward was not read."""
        try:
            text = read_backward(self, app)
        except ImportError_ as exc:
            if type(exc) is not ImportError_:
                raise
            app.unread = f"{exc.reason} (line {exc.line})"
            return False
        if not differs_from_forward(self, app, text):
            return False
        index = next(n for n, i in enumerate(app.output_ids) if i is not None)
        number = returned_for(app)
        given[index] = self.op_node("custom_backward", [given[index], app.inputs[number]],
                                    {"gradient": text, "function": app.cls.name}, node)
        self.custom_backward_notes.append(
            f"{app.cls.name}.apply was read as its forward's torch ops, and torch calls its "
            f"own backward, which is not their derivative: it gives {app.names[number]} the "
            f"gradient {text}, where g is the gradient arriving at its output.")
        return True

    def refuse_outer_grads(self, cls: FunctionClass, inside: list[str], inputs: set[str],
                           node: ast.Call) -> None:
        """A tensor requiring grad that the forward uses without taking it as an input gets
        no gradient from torch (the forward is not recorded), but would from the ops."""
        made = set(inside)
        for node_id in inside:
            found = self.doc.node(node_id)
            sources = [node_id] if found.op == LEAF else [
                e.source for e in self.doc.in_edges(node_id).values()]
            for source in sources:
                if (source not in made or source == node_id) and source not in inputs \
                        and self.node_needs_grad(source):
                    name = self.doc.node(source).name
                    raise error_at(node, f"{cls.name}.forward uses {name}, a tensor that "
                                         "requires grad, without taking it as an input of "
                                         f"apply: torch runs a Function's forward without "
                                         f"recording it, so {name} gets no gradient there, "
                                         "while the ops Gradflow reads would give it one; "
                                         f"pass it to {cls.name}.apply(...)")

    # ---- a backward's own reader -------------------------------------------------------
    def scratch_reader(self) -> CustomFunctions:
        """A reader of its own for a backward's body: it computes under no_grad, as torch
        runs a backward, and adds nothing to the snippet's document."""
        from engine.document import Document

        scratch = CustomFunctions(Document(), self.reserved, self.generator, caught={})
        scratch.modules = dict(self.modules)
        scratch.module_values = dict(self.module_values)
        scratch.grad_enabled = False
        return scratch


def ctx_attribute(ctx: Ctx, node: ast.Attribute) -> Value:
    attr = node.attr
    if attr in ("saved_tensors", "saved_variables"):  # the second: its deprecated name
        return Py(tuple(ctx.saved))
    if attr == "needs_input_grad":
        return Py(tuple(Number(b) for b in ctx.needs_input_grad))
    if attr in ctx.attrs:
        return ctx.attrs[attr]
    raise raised_at(node, AttributeError(f"'{ctx.cls.name}Backward' object has no attribute "
                                         f"'{attr}'"))


__all__ = ["FUNCTION_BASES", "Apply", "CustomFunctions"]
