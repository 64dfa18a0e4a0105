"""A tensor read from code may hold inf and nan (`torch.tensor([0.0, math.inf])`, the NaN
gradient of torch.where in pytorch's issues): the document holds them, a file spells them
"Infinity", "-Infinity" and "NaN" and reads them back, the generated code writes
float('inf'), and every run gives torch's numbers. What a user types stays finite."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch_reference import by_name

from engine.fileformat import dumps, loads
from engine.literal import LiteralError, parse_literal
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

CODE = """import torch
import math
x = torch.tensor([0.0, math.inf, -math.inf, float('nan')], requires_grad=True)
y = torch.where(x < 1.0, torch.cos(x), torch.zeros_like(x))
y.sum().backward()
"""


def _same(a: list[float], b: list[float]) -> bool:
    return all((p != p and q != q) or p == q for p, q in zip(a, b, strict=True))


def test_the_values_and_the_nan_gradient_are_torchs() -> None:
    doc = import_snippet(CODE)
    leaf = doc.node_by_name("x")
    assert leaf is not None and _same(leaf.value, [0.0, math.inf, -math.inf, math.nan])
    x = torch.tensor([0.0, math.inf, -math.inf, math.nan], requires_grad=True)
    torch.where(x < 1.0, torch.cos(x), torch.zeros_like(x)).sum().backward()
    assert _same(run(doc).leaf_grads[leaf.id].tolist(), x.grad.tolist())


def test_a_file_spells_them_and_reads_them_back() -> None:
    doc = import_snippet(CODE)
    text = dumps(doc)
    stored = next(n for n in json.loads(text)["nodes"] if n["name"] == "x")
    assert stored["value"] == [0.0, "Infinity", "-Infinity", "NaN"]
    again = loads(text).node_by_name("x")
    assert again is not None and _same(again.value, [0.0, math.inf, -math.inf, math.nan])


def test_the_generated_code_runs_in_plain_torch_to_the_same_grads() -> None:
    code = generate(import_snippet(CODE))
    assert "float('inf')" in code and "float('-inf')" in code and "float('nan')" in code
    theirs = by_name({"generated": code, "original": CODE})
    assert theirs["generated"]["grads"]["x"] == theirs["original"]["grads"]["x"]


@pytest.mark.parametrize("text", ["[1.0, inf]", "nan", "[1e999]"])
def test_what_a_user_types_stays_finite(text: str) -> None:
    with pytest.raises(LiteralError, match="finite"):
        parse_literal(text)
