"""The numbers a document writes into memory after forward (Node.written), as code.

`x.data.copy_(...)` after every node's line and before the calls: what the script did
(`x.data *= 100` after `y = x * x`), in the one form that says which numbers. The literal is
float64, which holds a float32 or float64 tensor's numbers exactly; copy_ casts it to the
tensor's own dtype, as `.data` writes it, past autograd."""

from __future__ import annotations

from collections.abc import Callable

from engine.document import Document
from engine.literal import Nested


def write_lines(doc: Document, private: set[str],
                literal: Callable[[Nested], str]) -> list[str]:
    """The `.data.copy_` lines, or none. A node only a jacobian's def computes has no name
    at the top level to write into: refused."""
    written = [n for n in doc.topological_nodes() if n.written is not None]
    if not written:
        return []
    hidden = [n.name for n in written if n.id in private]
    if hidden:
        from engine.snippets.codegen import CodegenError  # its home; loaded by now

        raise CodegenError(f"{hidden[0]} has numbers written into its memory after forward "
                           "and is computed only inside a jacobian's function: no line can "
                           "write into it")
    lines = ["", "# numbers written into memory after forward, past autograd (.data): "
                 "backward reads them wherever autograd saved the tensor"]
    for node in written:
        assert node.written is not None
        flat = str(node.written)
        dtype = "" if "True" in flat or "False" in flat else ", dtype=torch.float64"
        lines.append(f"{node.name}.data.copy_(torch.tensor({literal(node.written)}{dtype}))")
    return lines
