"""Is a custom autograd Function's own backward the derivative of its forward?

The document holds a Function's forward as torch ops (custom_functions.py), so a run gives
autograd's derivative of them, not what the snippet's backward returns. For every backward
call of the snippet that sends a gradient to a Function's output (the run's node totals,
the very gradient torch would hand the Function), the backward's body is read on those
numbers by a reader of its own (under no_grad, as torch runs it; never exec) and compared
with autograd's vector-Jacobian product of the inlined forward for the same gradient. The
same numbers: accepted, and the description says so. Other numbers: refused, with the first
that differ. A backward that raises: refused with the error torch would raise then.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.calls import BACKWARD, GRAD
from engine.ops import CONSTANT, LEAF, get_op
from engine.snippets.safety import ImportError_, TorchRaised, error_at
from engine.snippets.values import Function, Pending, Py, Ref, Value


@dataclass
class FunctionClass:
    """A torch.autograd.Function subclass of the snippet; `refusal`: why it cannot be used."""

    node: ast.ClassDef
    methods: dict[str, Function] = field(default_factory=dict)
    constants: dict[str, Value] = field(default_factory=dict)
    refusal: ImportError_ | None = None

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class Ctx:
    """The `ctx` of one application, as its forward filled it."""

    cls: FunctionClass
    needs_input_grad: tuple[bool, ...] = ()
    saved: tuple[Value, ...] = ()
    attrs: dict[str, Value] = field(default_factory=dict)
    non_differentiable: list[Value] = field(default_factory=list)
    materialize: bool = True


@dataclass
class Application:
    """One `MyFn.apply(...)` of the snippet, the nodes its forward made, and the calls its
    backward was checked at."""

    cls: FunctionClass
    ctx: Ctx
    where: ast.Call
    inputs: list[Value]
    names: list[str]  # the forward's parameter names, without ctx
    input_ids: list[str | None]  # the node of each input that requires grad
    output_ids: list[str | None]  # the node of each output a gradient can reach
    inside: list[str]  # the nodes the forward made, in graph order
    checked_calls: set[int] = field(default_factory=set)
    reached: int = 0  # calls whose gradient reached it (each one checked)
    unread: str = ""  # why its backward could not be read as an expression (custom_backwards)
    read_input: str | None = None  # the input node its read backward gives a gradient to

    def unchecked_calls(self, calls: list[Any]) -> bool:
        """Whether a backward or grad call of these was not checked yet."""
        return any(i not in self.checked_calls and c.kind in (BACKWARD, GRAD)
                   for i, c in enumerate(calls))


class BackwardRaised(Exception):  # noqa: N818 - torch's error, raised where torch raises it
    """The snippet's backward raised when a call reached it: torch raises that error out of
    the call (`index`, in the program run), which the script makes again and stops at."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.message = error_type, message
        self.index = 0


def check_run(reader: Any, app: Application, run: Any, lines: list[int | None]) -> None:
    """Check `app` at every call of `run` not checked yet; raises the refusal."""
    for index, call in enumerate(run.calls):
        if index in app.checked_calls or not call.ran or call.kind not in (BACKWARD, GRAD):
            continue
        app.checked_calls.add(index)
        arrived = [None if i is None else call.node_grads.get(i) for i in app.output_ids]
        if all(g is None for g in arrived):
            continue  # torch does not call the Function's backward either
        app.reached += 1
        line = lines[index] if index < len(lines) else None
        try:
            check_once(reader, app, arrived, line)
        except BackwardRaised as exc:
            exc.index = index
            raise


def check_once(reader: Any, app: Application, arrived: list[torch.Tensor | None],
               line: int | None) -> None:
    name = app.cls.name
    outputs = [None if i is None else reader.evaluate(i, app.where) for i in app.output_ids]
    grads = [g if g is not None or out is None or not app.ctx.materialize
             else torch.zeros_like(out) for g, out in zip(arrived, outputs, strict=True)]
    expected = forward_vjp(reader, app, grads)
    returned = backward_result(reader, app, grads, line)
    got: dict[str, torch.Tensor] = {}
    for number, node_id in enumerate(app.input_ids):
        grad = returned[number] if number < len(returned) else None
        if node_id is None:
            continue
        want = expected[node_id]
        if grad is None:
            grad = torch.zeros_like(want)
        grad = shaped(name, number, grad, want, app.where)
        got[node_id] = got[node_id] + grad if node_id in got else grad
    for number, node_id in enumerate(app.input_ids):
        if node_id is None or node_id not in got:
            continue
        differs = first_difference(got.pop(node_id), expected[node_id])
        if differs is not None:
            call = f"the backward call at line {line}" if line else "a backward call"
            raise error_at(app.where, (
                f"{name}.backward returns something other than the derivative of its "
                f"forward: for the gradient {call} sends to {name}.apply, it gives "
                f"{app.names[number]} {differs}. Gradflow shows autograd's own derivative of "
                f"the forward's ops, so it cannot show this Function; to see autograd's, "
                f"call the forward's ops without the Function"
                + (f". Its backward was not read as an expression of the gradient, which "
                   f"Gradflow would apply as torch does: {app.unread}" if app.unread else "")))


def forward_vjp(reader: Any, app: Application,
                grads: list[torch.Tensor | None]) -> dict[str, torch.Tensor]:
    """autograd's vector-Jacobian product of the forward's ops (the nodes it made, on fresh
    tensors) for these output gradients, by input node."""
    doc = reader.doc
    tensors: dict[str, Any] = {}
    inputs: dict[str, torch.Tensor] = {}
    for node_id in dict.fromkeys(i for i in app.input_ids if i is not None):
        t = reader.evaluate(node_id, app.where).detach().clone().requires_grad_(True)
        tensors[node_id] = inputs[node_id] = t
    with torch.enable_grad():
        for node_id in app.inside:
            if node_id in tensors:
                continue
            node = doc.node(node_id)
            if node.op in (LEAF, CONSTANT):
                tensors[node_id] = reader.evaluate(node_id, app.where)
                continue
            edges = doc.in_edges(node_id)
            spec = get_op(node.op)
            args = []
            for port in spec.inputs:
                source = edges[port].source
                if source not in tensors:  # made before the forward: a plain value there
                    found = reader.evaluate(source, app.where)
                    tensors[source] = found.detach() if isinstance(found, torch.Tensor) \
                        else found
                args.append(tensors[source])
            tensors[node_id] = spec.call(*args, **node.params)
    pairs = [(tensors[i], g) for i, g in zip(app.output_ids, grads, strict=True)
             if i is not None and g is not None and tensors[i].requires_grad]
    found = torch.autograd.grad([o for o, _ in pairs], list(inputs.values()),
                                grad_outputs=[g for _, g in pairs], allow_unused=True) \
        if pairs else [None] * len(inputs)
    return {i: torch.zeros_like(t) if g is None else g
            for (i, t), g in zip(inputs.items(), found, strict=True)}


def backward_result(reader: Any, app: Application, grads: list[torch.Tensor | None],
                    line: int | None) -> list[torch.Tensor | None]:
    """What the snippet's backward returns for these output gradients, read by a reader of
    its own on the numbers the forward saved; its errors as torch raises them then."""
    name = app.cls.name
    backward = app.cls.methods.get("backward")
    at = f" (at the backward call of line {line})" if line else ""
    if backward is None:
        raise error_at(app.where, f"{name}.apply{at}: NotImplementedError: You must implement "
                                  "either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")
    scratch = reader.scratch_reader()
    ctx = app.ctx
    numbers = Ctx(ctx.cls, ctx.needs_input_grad,
                  tuple(reader.as_numbers(v, app.where) for v in ctx.saved),
                  {k: reader.as_numbers(v, app.where) for k, v in ctx.attrs.items()},
                  materialize=ctx.materialize)
    fn = Function(backward.node, [reader.as_numbers(d, app.where) for d in backward.defaults],
                  scope=reader.outer_names(backward.scope, app.where),
                  kw_defaults=backward.kw_defaults)
    given: list[Value] = [Py(numbers), *(Py(None) if g is None else Pending(
        g.tolist(), _dtype(g), None) for g in grads)]
    try:
        result = scratch.inline(fn, given, {}, backward.node)
        items = list(result.value) if isinstance(result, Py) and isinstance(
            result.value, tuple | list) else [result]
        out = [None if isinstance(v, Py) and v.value is None else
               scratch.concrete(v, backward.node) for v in items]
    except TorchRaised as exc:  # torch raises it out of the backward call: see BackwardRaised
        raise BackwardRaised(exc.error_type, exc.torch_message) from None
    except ImportError_ as exc:
        raise ImportError_(f"{name}.backward could not be read to check it against "
                           f"autograd's derivative of its forward: {exc.reason}", exc.line,
                           exc.col) from None
    except NotImplementedError:  # what only the snippet's own reading does (its calls)
        raise error_at(backward.node, f"{name}.backward calls backward or autograd.grad "
                                      "itself: autograd inside a backward is outside the "
                                      "computation Gradflow reads") from None
    count = len(app.inputs)
    if len(out) < count or any(v is not None for v in out[count:]):
        raise error_at(app.where, f"{name}.apply{at}: RuntimeError: function {name}Backward "
                                  f"returned an incorrect number of gradients (expected "
                                  f"{count}, got {len(out)})")
    for number, (value, grad) in enumerate(zip(app.inputs, out, strict=False)):
        if grad is not None and not isinstance(value, Pending | Ref):
            raise error_at(app.where, f"{name}.apply{at}: RuntimeError: function "
                                      f"{name}Backward returned a gradient different than "
                                      f"None at position {number + 1}, but the "
                                      "corresponding forward input was not a Variable")
        if grad is not None and not isinstance(grad, torch.Tensor):
            raise error_at(app.where, f"{name}.backward returns {type(grad).__name__} for "
                                      f"{app.names[number]}; torch takes a tensor or None")
    return out


def shaped(name: str, number: int, grad: torch.Tensor, want: torch.Tensor,
           where: ast.AST) -> torch.Tensor:
    """The gradient as torch takes it for an input: summed to its shape when it broadcasts
    to it, torch's own refusal otherwise."""
    if grad.shape == want.shape:
        return grad.to(want.dtype)
    try:
        if torch.broadcast_shapes(grad.shape, want.shape) == grad.shape:
            return grad.sum_to_size(want.shape).to(want.dtype)
    except RuntimeError:
        pass
    raise error_at(where, f"RuntimeError: Function {name}Backward returned an invalid "
                          f"gradient at index {number} - got {list(grad.shape)} but expected "
                          f"shape compatible with {list(want.shape)}")


def first_difference(got: torch.Tensor, want: torch.Tensor) -> str | None:
    """None when the two agree to the dtype's rounding; else the first numbers that differ."""
    eps = torch.finfo(want.dtype).eps if want.is_floating_point() else 0.0
    scale = float(want.abs().max()) if want.numel() else 0.0
    if not torch.isfinite(torch.tensor(scale)):
        scale = 1.0
    close = torch.isclose(got, want, rtol=1000 * eps, atol=100 * eps * max(scale, 1e-30),
                          equal_nan=True)
    if bool(close.all()):
        return None
    where = tuple(int(i) for i in (~close).nonzero()[0])
    count = int((~close).sum())
    at = f" at {list(where)}" if where else ""
    return (f"{got[where].item():.6g}{at} where autograd's derivative of the forward's ops "
            f"gives {want[where].item():.6g} ({count} of {want.numel()} numbers differ)")


def described(apps: list[Application]) -> str:
    """One sentence per Function class: read as its forward's ops; checked or not."""
    notes = []
    for name in dict.fromkeys(a.cls.name for a in apps):
        reached = sum(a.reached for a in apps if a.cls.name == name)
        if reached:
            notes.append(f"{name}.apply was read as its forward's torch ops; its backward "
                         "gives the same numbers as autograd's derivative of them for this "
                         f"snippet's gradients (checked {reached} time"
                         f"{'s' if reached != 1 else ''}).")
        else:
            notes.append(f"{name}.apply was read as its forward's torch ops; no backward call "
                         "sent a gradient through it, so its own backward was not checked.")
    return " ".join(notes)


def _dtype(t: torch.Tensor) -> str:
    from engine.snippets.tables import dtype_name

    return dtype_name(t.dtype)


__all__ = ["Application", "Ctx", "FunctionClass", "check_run", "described"]
