"""The program of calls a document runs after its forward graph, as plain data.

Learners meet autograd across several calls: `.grad` accumulates, a second backward through
a freed graph raises, `x.grad.zero_()` resets, `torch.autograd.grad` answers without touching
`.grad`, `torch.autograd.functional.jacobian` gives the whole J and never touches
`.grad` either. A document holds an ordered list of `Call`s; the runner makes them in order on one
forward graph. No torch here.

The document's own backward (the nodes marked as output, the seed on each, retain_graph and
inputs in RunOptions: what the seed form edits) is the call with `primary=True`. It is always
there, exactly once, and it is the first backward call, so "the first backward call" keeps
meaning what it meant when a document held one call. A one-call document is `[PRIMARY]`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.limits import CALLS
from engine.literal import LiteralError, Nested, check_rectangular, format_literal
from engine.seeds import is_number

BACKWARD = "backward"  # torch.autograd.backward(outputs, grad_tensors=seeds, ...)
ZERO_GRAD = "zero_grad"  # leaf.grad.zero_() or leaf.grad = None, leaf by leaf
GRAD = "grad"  # torch.autograd.grad(outputs, inputs, grad_outputs=seeds, ...)
# torch.autograd.functional.jacobian(f, inputs): f is the graph from inputs to outputs
JACOBIAN = "jacobian"
# torch.autograd.functional.vjp / jvp / vhp / hvp / hessian(f, inputs[, v]): f as for jacobian;
# `function` names which one, `seeds` holds v (per output for vjp, per input for jvp, vhp
# and hvp, none for hessian). torch computes the answer; no .grad changes.
FUNCTIONAL = "functional"
FUNCTIONS = ("vjp", "jvp", "vhp", "hvp", "hessian")
KINDS = (BACKWARD, ZERO_GRAD, GRAD, JACOBIAN, FUNCTIONAL)
CALL_FIELDS = ("kind", "primary", "outputs", "seeds", "retain_graph", "inputs", "leaves",
               "set_to_none", "tuple_inputs", "tuple_outputs", "function")


class CallError(ValueError):
    """A call the document refuses; the message says why."""


@dataclass(frozen=True)
class Call:
    kind: str
    # backward only: outputs, seeds, retain_graph and inputs come from the document
    primary: bool = False
    outputs: tuple[str, ...] = ()  # backward, grad: node ids
    # backward: gradient= per output; grad: grad_outputs= per output. None: no gradient
    # (torch then needs a scalar output and uses 1).
    seeds: tuple[Nested | None, ...] = ()
    retain_graph: bool = False  # backward, grad
    # backward: None = every leaf (inputs= not written); grad: the tensors to differentiate by
    inputs: tuple[str, ...] | None = None
    leaves: tuple[str, ...] | None = None  # zero_grad: None = every leaf that requires grad
    set_to_none: bool = False  # zero_grad: `.grad = None` instead of `.grad.zero_()`
    # jacobian: inputs given as a tuple / f returning a tuple. torch then answers with a
    # tuple (per input, per output) even of one; several are always a tuple.
    tuple_inputs: bool = False
    tuple_outputs: bool = False
    function: str = ""  # functional: one of FUNCTIONS


PRIMARY = Call(BACKWARD, primary=True)


def backward(outputs: Sequence[str], seeds: Sequence[Nested | None] | None = None, *,
             retain_graph: bool = False, inputs: Sequence[str] | None = None) -> Call:
    seeds = list(seeds) if seeds is not None else [None] * len(outputs)
    return Call(BACKWARD, outputs=tuple(outputs), seeds=tuple(seeds),
                retain_graph=retain_graph, inputs=None if inputs is None else tuple(inputs))


def zero_grad(leaves: Sequence[str] | None = None, *, set_to_none: bool = False) -> Call:
    return Call(ZERO_GRAD, leaves=None if leaves is None else tuple(leaves),
                set_to_none=set_to_none)


def grad(outputs: Sequence[str], inputs: Sequence[str],
         seeds: Sequence[Nested | None] | None = None, *, retain_graph: bool = False) -> Call:
    seeds = list(seeds) if seeds is not None else [None] * len(outputs)
    return Call(GRAD, outputs=tuple(outputs), seeds=tuple(seeds), inputs=tuple(inputs),
                retain_graph=retain_graph)


def jacobian(outputs: Sequence[str], inputs: Sequence[str], *,
             tuple_inputs: bool | None = None, tuple_outputs: bool | None = None) -> Call:
    """`torch.autograd.functional.jacobian(f, inputs)` with f the graph from inputs to
    outputs; the tuple flags default to what the counts say (several: a tuple)."""
    return Call(JACOBIAN, outputs=tuple(outputs), inputs=tuple(inputs),
                tuple_inputs=len(inputs) > 1 if tuple_inputs is None else tuple_inputs,
                tuple_outputs=len(outputs) > 1 if tuple_outputs is None else tuple_outputs)


def functional(function: str, outputs: Sequence[str], inputs: Sequence[str],
               vectors: Sequence[Nested | None] | None = None, *,
               tuple_inputs: bool | None = None, tuple_outputs: bool | None = None) -> Call:
    """`torch.autograd.functional.<function>(f, inputs, v)`, f the graph from inputs to
    outputs, v one per output (vjp) or per input (jvp, vhp, hvp); None: no v given."""
    per = () if function == "hessian" else outputs if function == "vjp" else inputs
    vectors = list(vectors) if vectors is not None else [None] * len(per)
    return Call(FUNCTIONAL, function=function, outputs=tuple(outputs), inputs=tuple(inputs),
                seeds=tuple(vectors),
                tuple_inputs=len(inputs) > 1 if tuple_inputs is None else tuple_inputs,
                tuple_outputs=len(outputs) > 1 if tuple_outputs is None else tuple_outputs)


def vectors_per(call: Call) -> tuple[str, ...]:
    """The nodes a functional call's v goes with: its outputs (vjp), its inputs (jvp, vhp,
    hvp), none (hessian)."""
    if call.function == "hessian":
        return ()
    return call.outputs if call.function == "vjp" else call.inputs or ()


def normalised(call: Call) -> Call:
    """The same call with lists turned into tuples (callers may pass lists)."""
    def tup(v: Sequence[Any] | None) -> tuple[Any, ...] | None:
        return None if v is None else tuple(v)
    return replace(call, outputs=tuple(call.outputs), seeds=tuple(call.seeds),
                   inputs=tup(call.inputs), leaves=tup(call.leaves))


def check_call(call: Call, exists: Callable[[str], str | None]) -> None:
    """Refuse a call that cannot be written as torch code. `exists(id)` gives the node's op,
    or None when there is no such node."""
    if call.kind not in KINDS:
        raise CallError(f"unknown call kind {call.kind!r}; use one of {', '.join(KINDS)}")
    unused = [f for f, default in defaults(call.kind).items() if getattr(call, f) != default]
    if unused:
        raise CallError(f"a {call.kind} call has no {unused[0]!r}")
    if call.primary:
        if call != PRIMARY:
            raise CallError("the document's own backward call takes its settings from the "
                            "graph: edit the outputs' gradients and the run options instead")
        return
    if call.kind in (JACOBIAN, FUNCTIONAL):
        _check_jacobian(call, exists)
        if call.kind == FUNCTIONAL:
            _check_functional(call)
        return
    if call.kind in (BACKWARD, GRAD):
        if not call.outputs:
            raise CallError(f"a {call.kind} call needs at least one output")
        if len(set(call.outputs)) != len(call.outputs):
            raise CallError(f"a {call.kind} call names the same output twice")
        if len(call.seeds) != len(call.outputs):
            raise CallError(f"{len(call.outputs)} outputs but {len(call.seeds)} gradients: "
                            "give one per output (None for no gradient)")
        for seed in call.seeds:
            if seed is not None and not is_number(seed):
                try:
                    check_rectangular(seed)
                except LiteralError as exc:
                    raise CallError(f"gradient {exc}") from None
        _check_ids(call.outputs, exists, "output")
    if call.inputs is not None:
        _check_ids(call.inputs, exists, "input")
    if call.kind == GRAD and call.inputs is None:
        raise CallError("an autograd.grad call needs its inputs")
    if call.leaves is not None:
        _check_ids(call.leaves, exists, "leaf")
        wrong = [i for i in call.leaves if exists(i) != "leaf"]
        if wrong:
            raise CallError(f"zero_grad resets leaves only; node id {wrong[0]!r} is not a leaf")


def _check_jacobian(call: Call, exists: Callable[[str], str | None]) -> None:
    kind = call.function or "jacobian"
    if not call.outputs:
        raise CallError(f"a {kind} call needs at least one output of f")
    if not call.inputs:
        raise CallError(f"a {kind} call needs at least one input")
    for ids, what in ((call.outputs, "output"), (call.inputs, "input")):
        if len(set(ids)) != len(ids):
            raise CallError(f"a {kind} call names the same {what} twice")
        _check_ids(ids, exists, what)
    if len(call.inputs) > 1 and not call.tuple_inputs:
        raise CallError(f"several inputs of a {kind} call are a tuple: set tuple_inputs")
    if len(call.outputs) > 1 and not call.tuple_outputs:
        raise CallError(f"several outputs of a {kind} call are a tuple: set tuple_outputs")


def _check_functional(call: Call) -> None:
    if call.function not in FUNCTIONS:
        raise CallError(f"unknown torch.autograd.functional function {call.function!r}; use "
                        f"one of {', '.join(FUNCTIONS)}")
    per = vectors_per(call)
    if len(call.seeds) != len(per):
        what = "output" if call.function == "vjp" else "input"
        raise CallError(f"a {call.function} call takes no v" if not per else
                        f"{len(per)} {what}s but {len(call.seeds)} vectors: give one v per "
                        f"{what} (None for none)")
    for vector in call.seeds:
        if vector is not None and not is_number(vector):
            try:
                check_rectangular(vector)
            except LiteralError as exc:
                raise CallError(f"v {exc}") from None


def check_program(calls: Sequence[Call]) -> None:
    """The rules on the whole list: the primary call is there once, as the first backward."""
    if CALLS.exceeded(len(calls)):
        raise CallError(CALLS.message(len(calls)))
    primaries = [i for i, c in enumerate(calls) if c.primary]
    if len(primaries) != 1:
        raise CallError("the document's own backward call (outputs marked on the graph) "
                        "must be in the program exactly once")
    first_backward = next(i for i, c in enumerate(calls) if c.kind == BACKWARD)
    if first_backward != primaries[0]:
        raise CallError("the document's own backward call (outputs marked on the graph) "
                        "must be the first backward call")


def defaults(kind: str) -> dict[str, Any]:
    """Fields a call of this kind must leave at their defaults."""
    unused = {"primary": False, "outputs": (), "seeds": (), "retain_graph": False,
              "inputs": None, "leaves": None, "set_to_none": False, "tuple_inputs": False,
              "tuple_outputs": False, "function": ""}
    used = {BACKWARD: ("primary", "outputs", "seeds", "retain_graph", "inputs"),
            GRAD: ("outputs", "seeds", "retain_graph", "inputs"),
            ZERO_GRAD: ("leaves", "set_to_none"),
            JACOBIAN: ("outputs", "inputs", "tuple_inputs", "tuple_outputs"),
            FUNCTIONAL: ("function", "outputs", "seeds", "inputs", "tuple_inputs",
                         "tuple_outputs")}[kind]
    return {k: v for k, v in unused.items() if k not in used}


def _check_ids(ids: Sequence[str], exists: Callable[[str], str | None], what: str) -> None:
    for node_id in ids:
        if not isinstance(node_id, str) or exists(node_id) is None:
            raise CallError(f"the {what} node id {node_id!r} does not exist")


def without_node(call: Call, node_id: str) -> Call:
    """The call with every mention of a removed node dropped."""
    keep = [k for k, o in enumerate(call.outputs) if o != node_id]
    seeds = tuple(call.seeds[k] for k in keep) if call.seeds else ()
    if call.kind == FUNCTIONAL and call.function != "vjp":  # v goes with the inputs
        seeds = tuple(v for i, v in zip(call.inputs or (), call.seeds, strict=False)
                      if i != node_id)
    return replace(
        call, outputs=tuple(call.outputs[k] for k in keep), seeds=seeds,
        inputs=None if call.inputs is None else tuple(i for i in call.inputs if i != node_id),
        leaves=None if call.leaves is None else tuple(i for i in call.leaves if i != node_id))


def mentions(call: Call, node_id: str) -> bool:
    return node_id in (*call.outputs, *(call.inputs or ()), *(call.leaves or ()))


def describe(call: Call, names: Callable[[str], str]) -> str:
    """One line for a call's heading, in torch's words (`names(id)` gives a node's name)."""
    if call.kind == ZERO_GRAD:
        leaves = "every leaf" if call.leaves is None else \
            ", ".join(names(i) for i in call.leaves) or "no leaf"
        how = ".grad = None" if call.set_to_none else ".grad.zero_()"
        return f"{how} on {leaves}"
    if call.primary:
        return "backward() on the marked outputs"
    if call.kind == JACOBIAN:
        return jacobian_text(call, names)
    if call.kind == FUNCTIONAL:
        return functional_text(call, names)
    outs = ", ".join(names(i) for i in call.outputs)
    extra = ""
    if any(s is not None for s in call.seeds):
        given = ", ".join("None" if s is None else format_literal(s) for s in call.seeds)
        extra += f", {'grad_outputs' if call.kind == GRAD else 'grad_tensors'}=[{given}]"
    if call.retain_graph:
        extra += ", retain_graph=True"
    if call.kind == GRAD:
        ins = ", ".join(names(i) for i in call.inputs or ())
        return f"torch.autograd.grad([{outs}], [{ins}]{extra})"
    if call.inputs is not None:
        extra += f", inputs=[{', '.join(names(i) for i in call.inputs)}]"
    return f"backward([{outs}]{extra})"


def jacobian_text(call: Call, names: Callable[[str], str]) -> str:
    """`torch.autograd.functional.jacobian(lambda x, w: (y, z), (x, w))`: f is written as
    the function of the inputs that gives the outputs, in the graph's names."""
    ins = [names(i) for i in call.inputs or ()]
    outs = [names(o) for o in call.outputs]
    given = _tuple_text(ins, call.tuple_inputs)
    returned = _tuple_text(outs, call.tuple_outputs)
    return f"torch.autograd.functional.jacobian(lambda {', '.join(ins)}: {returned}, {given})"


def functional_text(call: Call, names: Callable[[str], str]) -> str:
    """`torch.autograd.functional.vjp(lambda x: y, x, v=[1.0, 2.0])`, as jacobian_text."""
    text = jacobian_text(call, names).replace(".jacobian(", f".{call.function}(", 1)[:-1]
    if any(v is not None for v in call.seeds):
        vs = ["None" if v is None else format_literal(v) for v in call.seeds]
        per_tuple = call.tuple_outputs if call.function == "vjp" else call.tuple_inputs
        text += f", v={_tuple_text(vs, per_tuple)}"
    return text + ")"


def _tuple_text(items: list[str], as_tuple: bool) -> str:
    if not as_tuple:
        return items[0]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
