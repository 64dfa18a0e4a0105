"""Read back what a web replay page embeds, and the same computation in plain torch."""

from __future__ import annotations

import json
import re
from typing import Any

import torch

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import load

DATA = re.compile(r'<script type="application/json" id="replay-data">(.*?)</script>', re.S)


def embedded(html: str) -> dict[str, Any]:
    found = DATA.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def track_at(data: dict[str, Any], item: str, step: int) -> Any:
    value = None
    for k, v in data["tracks"][item]:
        if k <= step:
            value = v
    return value


def final_bars(data: dict[str, Any]) -> dict[str, list[float | str | None]]:
    """Each leaf's bar values at the last step, as the page would show them."""
    last = len(data["steps"]) - 1
    out: dict[str, list[float | str | None]] = {}
    for i, bar in enumerate(data["bars"]):
        out.setdefault(bar["leaf"], []).append(track_at(data, f"bar:{i}", last)["v"])
    return out


def example(stem: str) -> Document:
    return load(example_path(stem))


def torch_seed_3() -> dict[str, list[float]]:
    """loss = x * x with x = [2, 3], loss.backward(gradient=[1, 0.5]), in plain torch."""
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=torch.tensor([1.0, 0.5]))
    assert x.grad is not None
    return {"x": x.grad.tolist()}


def torch_linear(doc: Document) -> dict[str, list[float]]:
    """y = W @ x + b from the document's own numbers, y.backward(gradient=seed), plain torch."""
    value = {n.name: n.value for n in doc.nodes()}
    seed = next(n.seed for n in doc.nodes() if n.is_output)
    w = torch.tensor(value["W"], dtype=torch.float32, requires_grad=True)
    b = torch.tensor(value["b"], dtype=torch.float32, requires_grad=True)
    x = torch.tensor(value["x"], dtype=torch.float32)
    (w @ x + b).backward(gradient=torch.tensor(seed, dtype=torch.float32))
    assert w.grad is not None and b.grad is not None
    return {"W": w.grad.reshape(-1).tolist(), "b": b.grad.tolist()}
