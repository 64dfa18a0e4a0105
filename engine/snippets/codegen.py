"""Document → a PyTorch snippet that runs as-is with plain torch.

The snippet builds the same graph (one line per node, named as in the document), then makes
the document's calls in order. One call: backward with the same seeds, a bare `backward()`
in try/except RuntimeError since torch refuses it for non-scalar outputs. Several calls: all
in one try block, since a script stops at the first error. Then it prints every leaf's
`.grad`. Importing a one-call snippet with engine.snippets.reader gives the document back.
A jacobian call is written as a def of its inputs that computes its outputs, handed to
`torch.autograd.functional.jacobian`; nodes only that call uses are written inside the def
alone, as a learner writes f, so the snippet imports back to the same graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.calls import (
    BACKWARD,
    FUNCTIONAL,
    GRAD,
    JACOBIAN,
    ZERO_GRAD,
    Call,
    functional_text,
    jacobian_text,
)
from engine.document import Document, Node
from engine.grad_op import GRAD_OP
from engine.grad_op import code as gradient_code
from engine.literal import format_literal
from engine.loss_ops import LOSS_NAMES
from engine.more_ops import ACTIVATIONS as MORE_ACTIVATIONS
from engine.names import normal_name
from engine.ops import CONSTANT, LEAF, NUMBER, get_op
from engine.science_ops import ALWAYS_WRITTEN as SCIENCE_ALWAYS_WRITTEN
from engine.snippets.codegen_hooks import before_call, function_lines, hook_lines
from engine.snippets.codegen_layers import LAYER_FUNCTIONAL, layer_expression
from engine.snippets.codegen_literals import code_literal as _code_literal
from engine.snippets.codegen_literals import comment as comment  # re-exported: its old home
from engine.snippets.codegen_literals import inferred_dtype as _inferred_dtype
from engine.snippets.codegen_literals import python_text as _python
from engine.snippets.codegen_literals import tensor_code as _tensor
from engine.snippets.codegen_paths import path_nodes, private_nodes
from engine.snippets.codegen_writes import write_lines
from engine.snippets.tables import number_name

_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
_FUNCTIONAL = ("mse_loss", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss",
               "binary_cross_entropy", "nll_loss", "smooth_l1_loss", "huber_loss", "linear",
               "leaky_relu", "elu", "softplus", "gelu", "cosine_similarity", "kl_div", "pad",
               "layer_norm", "hardtanh", "relu6", "margin_ranking_loss",
               "poisson_nll_loss", *LOSS_NAMES, *MORE_ACTIVATIONS)
# Ops written as a method of their first input: `x.clone()`, `x.detach()`.
_METHODS = ("clone", "contiguous", "detach")
_NUMBER_DTYPES = {bool: "bool", int: "int64", float: "float64"}
# Params torch requires, written even at the registry's default (torch.flip(x) raises).
_ALWAYS_WRITTEN = {("softmax", "dim"), ("log_softmax", "dim"), ("cumsum", "dim"),
                   ("cumprod", "dim"), ("logsumexp", "dim"), ("flip", "dims"), ("pad", "pad"),
                   *SCIENCE_ALWAYS_WRITTEN}


class CodegenError(ValueError):
    """A document that cannot be written as runnable code (an input is not connected)."""


def generate(doc: Document) -> str:
    nodes = doc.topological_nodes()
    _check_names(nodes)
    inline = _inlined_numbers(doc, nodes)
    private = set().union(*private_nodes(doc).values())
    nodes = [n for n in nodes if n.id not in inline]
    lines = ["import torch"]
    if any(n.op in _FUNCTIONAL or n.op in LAYER_FUNCTIONAL for n in nodes):
        lines.append("import torch.nn.functional as F")
    if doc.title:
        lines.insert(0, comment(doc.title))
    lines.append("")
    for node in nodes:
        if node.id not in private:
            lines.extend(_node_lines(doc, node, inline))
    lines.extend(write_lines(doc, private, _code_literal))  # `x.data.copy_(...)`
    lines.append("")
    lines.extend(_backward(doc))
    lines.append("")
    for leaf in doc.leaves():
        if leaf.requires_grad:
            lines.append(f'print(f"{leaf.name}.grad = {{{leaf.name}.grad}}")')
    return "\n".join(lines) + "\n"


def _node_lines(doc: Document, node: Node, inline: set[str],
                names: dict[str, str] | None = None) -> list[str]:
    """`name = expression`; `names` renames nodes (a node f computes again, under its own
    local name)."""
    name = (names or {}).get(node.id, node.name)
    if node.op == "custom_backward":  # a Function's own backward: a class of its own
        edges = doc.in_edges(node.id)
        return function_lines(node, name, [_operand(doc.node(edges[p].source), inline, names)
                                           for p in ("output", "input")])
    lines = [f"{name} = {_expression(doc, node, inline, names)}"]
    if node.op == LEAF and node.grad is not None:  # the .grad earlier steps left behind
        lines.append(f"{name}.grad = {_tensor(node.grad, node.dtype, None)}")
    if node.op == "setitem":  # out[index] = values on the copy made above
        values = _operand(doc.node(doc.in_edges(node.id)["values"].source), inline, names)
        lines.append(f"{name}[{node.params.get('index', '0')}] = {values}")
    if node.op == "overwritten":  # new numbers written through a detached view
        values = _operand(doc.node(doc.in_edges(node.id)["values"].source), inline, names)
        lines.append(f"{name}.detach().copy_({values})")
    if node.op == "grad_hook":  # a copy whose gradient the hook scales: only this path
        lines.extend(hook_lines(doc, node, name))
    return lines


def _check_names(nodes: list[Node]) -> None:
    """Names are written into the code as they are: each must be the identifier Python reads
    (the document guarantees it; a document built around its checks is refused here)."""
    for node in nodes:
        try:
            ok = normal_name(node.name) == node.name
        except ValueError:
            ok = False
        if not ok:
            raise CodegenError(f"the name {ascii(node.name[:40])} is not a Python identifier "
                               "in normal form; rename the node")


def _inlined_numbers(doc: Document, nodes: list[Node]) -> set[str]:
    """Number constants written as a literal where they are used (`3 * a`), not as a line
    of their own: those used once by an operator, whose name is exactly the one the
    importer gives that literal, so the code reads naturally and imports back the same."""
    candidates = {}
    for n in nodes:
        out = doc.out_edges(n.id)
        if (n.op == CONSTANT and n.params.get(NUMBER) and not n.is_output and len(out) == 1
                and doc.node(out[0].target).op in _OPERATORS
                and n.dtype == _NUMBER_DTYPES.get(type(n.value))
                and not any(doc.node(e.source).params.get(NUMBER)
                            for e in doc.in_edges(out[0].target).values() if e.source != n.id)):
            candidates[n.id] = n
    # The importer avoids every name assigned in the code; assuming only the names settled so
    # far can make it skip more names, never fewer, so a match here is a match there.
    taken = {"torch", "F", "nn"} | {n.name for n in nodes if n.id not in candidates}
    inline: set[str] = set()
    for n in candidates.values():
        assert isinstance(n.value, bool | int | float)  # a number constant's value
        if _importer_name(number_name(n.value), taken) == n.name:
            inline.add(n.id)
        taken.add(n.name)
    return inline


def _importer_name(base: str, taken: set[str]) -> str:
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def _expression(doc: Document, node: Node, inline: set[str],
                names: dict[str, str] | None = None) -> str:
    if node.op == LEAF:
        assert node.value is not None
        return _tensor(node.value, node.dtype, node.requires_grad)
    if node.op == CONSTANT:
        assert node.value is not None
        if node.params.get(NUMBER):
            return format_literal(node.value)
        return _tensor(node.value, node.dtype, None)
    spec = get_op(node.op)
    edges = doc.in_edges(node.id)
    missing = [p for p in spec.inputs if p not in edges]
    if missing:
        raise CodegenError(f"input {missing[0]!r} of {node.name} ({node.op}) is not connected; "
                           "connect it before generating code")
    args = [_operand(doc.node(edges[p].source), inline, names) for p in spec.inputs]
    if node.op in _OPERATORS:
        return f"{args[0]} {_OPERATORS[node.op]} {args[1]}"
    layer = layer_expression(node.op, args, node.params)  # engine/snippets/codegen_layers.py
    if layer is not None:
        return layer
    if node.op == GRAD_OP:
        return gradient_code(args)
    if node.op == "neg":
        return f"-{args[0]}"
    if node.op in _METHODS:
        return f"{args[0]}.{node.op}()"
    if node.op in ("grad_hook", "setitem", "overwritten"):
        return f"{args[0]}.clone()"
    if node.op == "cat":
        return f"torch.cat([{args[0]}, {args[1]}], dim={node.params.get('dim', 0)})"
    if node.op == "index":
        return f"{args[0]}[{node.params.get('index', '0')}]"
    if node.op == "clamp_max_tensor":  # torch.clamp's second argument is min
        return f"torch.clamp({args[0]}, max={args[1]})"
    if node.op == "to":
        return f"{args[0]}.to(torch.{node.params.get('dtype', 'float64')})"
    if node.op == "transpose":
        return f"torch.transpose({args[0]}, {node.params['dim0']}, {node.params['dim1']})"
    if node.op == "reshape":
        return f"torch.reshape({args[0]}, {_python(node.params['shape'])})"
    if node.op == "einsum":
        return f"torch.einsum({node.params.get('equation', 'ij,jk->ik')!r}, {args[0]}, {args[1]})"
    if node.op == "layer_norm":  # torch's order: the shape comes before weight and bias
        eps = node.params.get("eps", 1e-5)
        return (f"F.layer_norm({args[0]}, {_python(node.params.get('normalized_shape', (1,)))}, "
                f"{args[1]}, {args[2]}{'' if eps == 1e-5 else f', eps={eps!r}'})")
    if node.op in ("expand", "repeat"):  # methods only: torch has no torch.expand
        sizes = node.params.get("size" if node.op == "expand" else "repeats", (1,))
        return f"{args[0]}.{node.op}({_python(sizes)})"
    for p in spec.params:
        value = node.params.get(p.name, p.default)
        if (node.op, p.name) in _ALWAYS_WRITTEN or value != p.default \
                or (node.op == "clamp" and value is not None):
            args.append(f"{p.name}=torch.tensor({format_literal(list(value))}, dtype="
                        f"{args[0]}.dtype)" if p.kind == "numbers" else
                        f"{p.name}={_python(value)}")
    prefix = "F" if node.op in _FUNCTIONAL else "torch"
    return f"{prefix}.{spec.torch_name}({', '.join(args)})"


def _operand(source: Node, inline: set[str], names: dict[str, str] | None = None) -> str:
    if source.id not in inline:
        return (names or {}).get(source.id, source.name)
    text = format_literal(source.value if source.value is not None else 0)
    return f"({text})" if text.startswith("-") else text


def _backward(doc: Document) -> list[str]:
    if len(doc.calls) > 1:
        return _program(doc)
    outputs = doc.outputs()
    if not outputs:
        return ["# no output is marked: mark one to call backward on it"]
    seeds = [_seed(n) for n in outputs]
    call = _backward_line(doc, [n.name for n in outputs], seeds, doc.options.retain_graph,
                          doc.options.inputs)
    if all(s is not None for s in seeds):
        return [call]
    # torch refuses a bare backward on a non-scalar; show its message instead of a traceback
    error = _free_name("error", {n.name for n in doc.nodes()})
    return ["try:", f"    {call}", f"except RuntimeError as {error}:",
            f'    print(f"RuntimeError: {{{error}}}")']


def _backward_line(doc: Document, names: list[str], seeds: list[str | None], retain: bool,
                   inputs: Sequence[str] | None) -> str:
    extra = ""
    if retain:
        extra += ", retain_graph=True"
    if inputs is not None:
        extra += f", inputs=[{', '.join(doc.node(i).name for i in inputs)}]"
    if len(names) == 1:
        call = f"{names[0]}.backward({'' if seeds[0] is None else 'gradient=' + seeds[0]}"
        call = call + extra.removeprefix(", ") if seeds[0] is None else call + extra
        return call + ")"
    grads = ", ".join("None" if s is None else s for s in seeds)
    return f"torch.autograd.backward([{', '.join(names)}], grad_tensors=[{grads}]{extra})"


def _free_name(base: str, taken: set[str]) -> str:
    return next(name for name in (base, *(f"{base}_{i}" for i in range(2, len(taken) + 3)))
                if name not in taken)


def _program(doc: Document) -> list[str]:
    """Several calls, in order, as a script makes them: the first error stops the rest, and
    its message is printed instead of a traceback."""
    taken = {n.name for n in doc.nodes()}
    lines = ["try:"]
    for number, call in enumerate(doc.calls, 1):
        lines.append(f"    # call {number}")
        lines.extend("    " + line for line in before_call(doc, number))
        lines.extend("    " + line for line in _call_lines(doc, call, number, taken))
    error = _free_name("error", taken)
    # one handler per kind (no type(e).__name__: the importer reads no dunder names)
    return [*lines, *(line for kind in ("RuntimeError", "AttributeError")
                      for line in (f"except {kind} as {error}:",
                                   f'    print(f"{kind}: {{{error}}}")'))]


def call_code(doc: Document, index: int) -> str:
    """Call `index` of the program as the line(s) a script would make, for its heading:
    `loss.backward(retain_graph=True)`, `x.grad.zero_(); w.grad.zero_()`."""
    lines = _call_lines(doc, doc.calls[index], index + 1, {n.name for n in doc.nodes()})
    if doc.calls[index].kind == GRAD:  # the assignment and prints only matter in a script
        return lines[0].split(" = ", 1)[1]
    if doc.calls[index].kind == JACOBIAN:  # f as a lambda of the graph's names, on one line
        return jacobian_text(doc.calls[index], lambda i: doc.node(i).name)
    if doc.calls[index].kind == FUNCTIONAL:
        return functional_text(doc.calls[index], lambda i: doc.node(i).name)
    return "; ".join(lines)


def _call_lines(doc: Document, call: Call, number: int, taken: set[str]) -> list[str]:
    if call.kind == ZERO_GRAD:
        leaves = call.leaves if call.leaves is not None else \
            [n.id for n in doc.leaves() if n.requires_grad]
        how = ".grad = None" if call.set_to_none else ".grad.zero_()"
        return [f"{doc.node(i).name}{how}" for i in leaves] or ["pass  # no leaf to reset"]
    if call.primary:
        outputs = doc.outputs()
        if not outputs:
            return ["pass  # no output is marked"]
        return [_backward_line(doc, [n.name for n in outputs], [_seed(n) for n in outputs],
                               doc.options.retain_graph, doc.options.inputs)]
    if call.kind in (JACOBIAN, FUNCTIONAL):
        return _jacobian_lines(doc, call, number, taken)
    names = [doc.node(i).name for i in call.outputs]
    seeds = [None if v is None else _tensor(v, _inferred_dtype(v), None) for v in call.seeds]
    if call.kind == BACKWARD:
        return [_backward_line(doc, names, seeds, call.retain_graph, call.inputs)]
    result = _free_name(f"grads_{number}", taken)
    taken.add(result)
    inputs = [doc.node(i).name for i in call.inputs or ()]
    extra = ""
    if any(s is not None for s in seeds):
        extra += f", grad_outputs=[{', '.join('None' if s is None else s for s in seeds)}]"
    if call.retain_graph:
        extra += ", retain_graph=True"
    line = (f"{result} = torch.autograd.grad([{', '.join(names)}], [{', '.join(inputs)}]"
            f"{extra})")
    return [line, *(f'print(f"call {number}: grad for {name} = {{{result}[{k}]}}")'
                    for k, name in enumerate(inputs))]


def _seed(node: Node) -> str | None:
    if not node.seed_enabled:
        return None
    if node.seed is None:
        return f"torch.ones_like({node.name})"
    return _tensor(node.seed, _inferred_dtype(node.seed), None)


def _jacobian_lines(doc: Document, call: Call, number: int, taken: set[str]) -> list[str]:
    """`def f_3(x, w): ...; return y` and `jacobian_3 = jacobian(f_3, (x, w))`. f computes
    every node from its inputs to its outputs: a node only f uses under its own name (it is
    not written at the top), one the graph also uses again under a local name, since torch
    differentiates f's own computation on its parameters, not the one at the top."""
    what = call.function or "jacobian"  # a functional call: vjp, jvp, vhp, hvp, hessian
    fn, result = _free_name(f"f_{number}", taken), _free_name(f"{what}_{number}", taken)
    taken |= {fn, result}
    inputs = [doc.node(i).name for i in call.inputs or ()]
    inline = _inlined_numbers(doc, doc.topological_nodes())
    path = path_nodes(doc, call)
    own = private_nodes(doc).get(number - 1, set())
    local: dict[str, str] = {}
    for node_id in sorted(path - own):
        local[node_id] = _free_name(f"{doc.node(node_id).name}_in_f", taken)
        taken.add(local[node_id])
    body = [line for n in doc.topological_nodes() if n.id in path
            for line in _node_lines(doc, n, inline, local)]
    outputs = [local.get(o, doc.node(o).name) for o in call.outputs]
    returned = _as_tuple(outputs) if call.tuple_outputs else outputs[0]
    given = _as_tuple(inputs) if call.tuple_inputs else inputs[0]
    vectors = ""
    if any(v is not None for v in call.seeds):  # v: one per output (vjp) or input
        vs = ["None" if v is None else _tensor(v, _inferred_dtype(v), None) for v in call.seeds]
        per_tuple = call.tuple_outputs if call.function == "vjp" else call.tuple_inputs
        vectors = f", {_as_tuple(vs) if per_tuple else vs[0]}"
    return [f"def {fn}({', '.join(inputs)}):", *("    " + line for line in body),
            f"    return {returned}",
            f"{result} = torch.autograd.functional.{what}({fn}, {given}{vectors})",
            f'print(f"call {number}: {"J" if what == "jacobian" else what} = {{{result}}}")']


def _as_tuple(names: list[str]) -> str:
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
