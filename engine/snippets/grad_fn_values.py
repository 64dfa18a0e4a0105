"""What a snippet's name holds for one of torch's autograd nodes (engine/snippets/grad_fns.py
reads them): kept apart so typecheck.py can name its class without importing the reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (document node id, place among the autograd nodes its op built); place -1: a leaf's
# AccumulateGrad
Key = tuple[str, int]


@dataclass(eq=False)  # one object per autograd node: `is` and `==` are identity, as torch's
class GradFn:
    key: Key
    fn: Any  # torch's own node, from a forward of the document that reached it
    owner: str  # the document node whose forward reaches it (its ancestors suffice)

    def __repr__(self) -> str:  # str(g): torch's own words
        return repr(self.fn)


__all__ = ["GradFn", "Key"]
