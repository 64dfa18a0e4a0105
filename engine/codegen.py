"""Document → a PyTorch snippet that runs as-is with plain torch.

The snippet builds the same graph (one line per node, named as in the document), calls
backward with the same seeds — a bare `backward()` sits in try/except RuntimeError, since
torch refuses it for non-scalar outputs — and prints every leaf's `.grad`. Importing the
snippet with engine.codeimport gives the document back.
"""

from __future__ import annotations

from engine.document import Document, Node
from engine.literal import Nested, all_integers, format_literal
from engine.ops import CONSTANT, LEAF, NUMBER, get_op

_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
_FUNCTIONAL = ("mse_loss", "binary_cross_entropy_with_logits", "cross_entropy")


class CodegenError(ValueError):
    """A document that cannot be written as runnable code (an input is not connected)."""


def generate(doc: Document) -> str:
    nodes = doc.topological_nodes()
    lines = ["import torch"]
    if any(n.op in _FUNCTIONAL for n in nodes):
        lines.append("import torch.nn.functional as F")
    if doc.title:
        lines.insert(0, f"# {doc.title}")
    lines.append("")
    for node in nodes:
        lines.append(f"{node.name} = {_expression(doc, node)}")
    lines.append("")
    lines.extend(_backward(doc))
    lines.append("")
    for leaf in doc.leaves():
        if leaf.requires_grad:
            lines.append(f'print(f"{leaf.name}.grad = {{{leaf.name}.grad}}")')
    return "\n".join(lines) + "\n"


def _tensor(value: Nested, dtype: str, requires_grad: bool | None) -> str:
    args = [format_literal(value)]
    if dtype != _inferred_dtype(value):
        args.append(f"dtype=torch.{dtype}")
    if requires_grad is not None:
        args.append(f"requires_grad={requires_grad}")
    return f"torch.tensor({', '.join(args)})"


def _inferred_dtype(value: Nested) -> str:
    """The dtype torch.tensor gives these numbers when no dtype is written."""
    flat: list[object] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            flat.append(item)
    if flat and all(isinstance(v, bool) for v in flat):
        return "bool"
    if all(isinstance(v, bool) for v in flat):
        return "float32"  # an empty list
    return "int64" if all_integers(value) else "float32"


def _expression(doc: Document, node: Node) -> str:
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
    args = [doc.node(edges[p].source).name for p in spec.inputs]
    if node.op in _OPERATORS:
        return f"{args[0]} {_OPERATORS[node.op]} {args[1]}"
    if node.op == "neg":
        return f"-{args[0]}"
    if node.op == "detach":
        return f"{args[0]}.detach()"
    if node.op == "transpose":
        return f"torch.transpose({args[0]}, {node.params['dim0']}, {node.params['dim1']})"
    if node.op == "reshape":
        return f"torch.reshape({args[0]}, {_python(node.params['shape'])})"
    for p in spec.params:
        value = node.params.get(p.name, p.default)
        if p.name == "dim" and node.op in ("softmax", "log_softmax") or value != p.default:
            args.append(f"{p.name}={_python(value)}")
    prefix = "F" if node.op in _FUNCTIONAL else "torch"
    return f"{prefix}.{spec.torch_name}({', '.join(args)})"


def _python(value: object) -> str:
    if isinstance(value, tuple | list):
        inner = ", ".join(_python(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _backward(doc: Document) -> list[str]:
    outputs = doc.outputs()
    if not outputs:
        return ["# no output is marked: mark one to call backward on it"]
    extra = ""
    if doc.options.retain_graph:
        extra += ", retain_graph=True"
    if doc.options.inputs is not None:
        names = ", ".join(doc.node(i).name for i in doc.options.inputs)
        extra += f", inputs=[{names}]"
    seeds = [_seed(n) for n in outputs]
    if len(outputs) == 1:
        out = outputs[0]
        call = f"{out.name}.backward({'' if seeds[0] is None else 'gradient=' + seeds[0]}"
        call = call + extra.removeprefix(", ") if seeds[0] is None else call + extra
        call += ")"
    else:
        tensors = ", ".join(n.name for n in outputs)
        grads = ", ".join("None" if s is None else s for s in seeds)
        call = f"torch.autograd.backward([{tensors}], grad_tensors=[{grads}]{extra})"
    if all(s is not None for s in seeds):
        return [call]
    # torch refuses a bare backward on a non-scalar; show its message instead of a traceback
    taken = {n.name for n in doc.nodes()}
    error = next(name for name in ("error", *(f"error_{i}" for i in range(2, len(taken) + 3)))
                 if name not in taken)
    return ["try:", f"    {call}", f"except RuntimeError as {error}:",
            f'    print(f"RuntimeError: {{{error}}}")']


def _seed(node: Node) -> str | None:
    if not node.seed_enabled:
        return None
    if node.seed is None:
        return f"torch.ones_like({node.name})"
    return _tensor(node.seed, _inferred_dtype(node.seed), None)
