"""A gradient hook written back as code: `y.register_hook(lambda g: g * k)` (or the hook's
gradient expression: `lambda g: g.clamp(-1, 1)`) where it acts on every call; one acting on
some calls only (engine/hook_windows.py) is registered before the first call it acts on, and
its handle's `.remove()` written before the first call it no longer acts on, as the script
made them. A custom Function's own backward (a custom_backward node) is written back as an
autograd.Function with that backward."""

from __future__ import annotations

import math

from engine.document import Document, Node
from engine.grad_expression import FUNCTION_NAMES, GRADIENT, names_used
from engine.hook_windows import windows


def handle_name(doc: Document, node: Node) -> str:
    taken = {n.name for n in doc.nodes()}
    return next(name for name in (f"{node.name}_hook", *(f"{node.name}_hook_{i}"
                                                        for i in range(2, len(taken) + 3)))
                if name not in taken)


def _register(doc: Document, node: Node, removed: bool, name: str | None = None) -> str:
    gradient = node.params.get("gradient")
    if gradient:  # the expression is Python torch runs as it stands (engine/grad_expression.py)
        returned = gradient
    else:
        scale = float(node.params.get("scale", 1.0))
        returned = f"g * {repr(scale) if math.isfinite(scale) else f'float({str(scale)!r})'}"
    line = f"{name or node.name}.register_hook(lambda g: {returned})"
    return f"{handle_name(doc, node)} = {line}" if removed else line


def hook_lines(doc: Document, node: Node, name: str) -> list[str]:
    """The lines after the hook node's own (`name = ...`): its registration, when it acts
    from the first call on."""
    first, end = windows(doc).get(node.id, (1, math.inf))
    return [_register(doc, node, end <= len(doc.calls), name)] if first == 1 else []


def before_call(doc: Document, number: int) -> list[str]:
    """The registrations and removals a script makes right before call `number`."""
    lines = []
    for node_id, (first, end) in windows(doc).items():
        node = doc.node(node_id)
        if first == number > 1:
            lines.append(_register(doc, node, end <= len(doc.calls)))
        if end == number:
            lines.append(f"{handle_name(doc, node)}.remove()")
    return lines


def function_lines(node: Node, name: str, args: list[str]) -> list[str]:
    """A custom_backward node as the autograd.Function it stands for: the forward gives the
    forward's ops' values, the backward returns the node's expression for the input and
    nothing for those ops, saving what the expression reads."""
    text = str(node.params.get("gradient") or GRADIENT)
    given = str(node.params.get("function", "Function"))
    cls = f"{given if given.isidentifier() and given.isascii() else 'Function'}_{name}"
    saves = [n for n in FUNCTION_NAMES[1:] if n in names_used(text, FUNCTION_NAMES)]
    saved = ", ".join("result" if n == "output" else n for n in saves)
    forward = ["    @staticmethod", "    def forward(ctx, output, input):",
               "        result = output.clone()"]
    if saves:
        forward.append(f"        ctx.save_for_backward({saved})")
    backward = ["    @staticmethod", f"    def backward(ctx, {GRADIENT}):"]
    if saves:
        backward.append(f"        {', '.join(saves)}, = ctx.saved_tensors")
    return [f"class {cls}(torch.autograd.Function):", *forward, "        return result", "",
            *backward, f"        return None, {text}", "", "",
            f"{name} = {cls}.apply({', '.join(args)})"]


__all__ = ["before_call", "function_lines", "hook_lines"]
