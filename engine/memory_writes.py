"""Numbers written into a node's memory after forward and before the calls (Node.written).

`x.data *= 100` after `y = x * x` changes x's memory without bumping its version counter:
the values forward computed stay, `print(x)` shows the new numbers, and each autograd node
that saved x (or a view of it) reads the new numbers at backward, so x.grad is 2·100, not
2·1 (and `2 * x`, which saves no x, still gives 2). The runner does what the script did, on
the real tensors: after forward, `t.data.copy_(numbers)` (past autograd: no version bump, no
graph), then the calls. Nothing here differentiates: backward reads what it saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch

from engine.document import Document, Node
from engine.trace import Run, RunError


def write_after_forward(nodes: Mapping[str, Node], tensors: Mapping[str, torch.Tensor],
                        result: Run) -> None:
    """Each node's written numbers into its forward tensor, as `.data` writes them."""
    for node in nodes.values():
        if node.written is None:
            continue
        t = tensors.get(node.id)
        if t is None:  # its forward failed: that error says why
            continue
        numbers = torch.tensor(node.written, dtype=t.dtype)
        if numbers.shape != t.shape:
            error = RunError("RuntimeError", f"the numbers written into {node.name}'s memory "
                             f"after forward have the shape {list(numbers.shape)}, "
                             f"{node.name} has {list(t.shape)}", node.id, "forward")
            result.node_errors[node.id] = error
            result.error = result.error or error
            continue
        t.data.copy_(numbers)  # .data: autograd sees no change, as in the script


def written_nodes(doc: Document) -> list[Node]:
    return [n for n in doc.nodes() if n.written is not None]


def _names(nodes: Iterable[Node]) -> str:
    names = [n.name for n in nodes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def written_note(doc: Document) -> str:
    """What a reader of the graph must know, or "" when no memory was written."""
    nodes = written_nodes(doc)
    if not nodes:
        return ""
    names = _names(nodes)
    return (f"The memory of {names} was changed after forward, through .data (autograd does "
            "not see such a change): forward computed with the old numbers, the cards show "
            f"the new ones, and backward read the new ones wherever autograd saved {names}.")


def lens_note(doc: Document) -> str:
    """Why vᵀJ is not compared with .grad, or "" (J is of the function forward computed;
    backward used numbers written into memory after it)."""
    nodes = written_nodes(doc)
    if not nodes:
        return ""
    return (f"{_names(nodes)} had numbers written into memory after forward (.data): "
            "backward read them where autograd saved them, so its .grad is not vᵀJ of the "
            "function forward computed; the two are not compared")
