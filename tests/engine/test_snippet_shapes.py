"""The importer's shape rules (engine/snippets/shapes.py) against torch on the meta device:
for every registry op and a spread of shapes, the same shape and dtype, and None exactly
where torch refuses."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import torch

from engine.addmm_ops import NAMES as ADDMM_OPS
from engine.grad_op import GRAD_OP
from engine.ops import CONSTANT, LEAF, OPS
from engine.snippets.shapes import ASK_TORCH, output_meta

SHAPES = [(), (3,), (2, 3), (3, 2), (1, 3), (2, 1), (3, 3), (2, 3, 4)]
PARAMS: dict[str, list[dict[str, Any]]] = {
    "sum": [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": [0, 1]}, {"dim": 3}],
    "mean": [{}, {"dim": 0}, {"keepdim": True, "dim": None}],
    "softmax": [{"dim": -1}, {"dim": 0}, {"dim": 2}],
    "log_softmax": [{"dim": 1}],
    "reshape": [{"shape": (-1,)}, {"shape": (3, -1)}, {"shape": (6,)}, {"shape": (4, -1)}],
    "transpose": [{"dim0": 0, "dim1": 1}, {"dim0": -1, "dim1": 0}, {"dim0": 0, "dim1": 2}],
    "mse_loss": [{"reduction": "mean"}, {"reduction": "none"}],
    "cross_entropy": [{"reduction": "mean"}], "nll_loss": [{"reduction": "sum"}],
    "cosine_similarity": [{"dim": 1}, {"dim": -1}, {"dim": 0}, {"dim": 2}],
    "kl_div": [{"reduction": "none"}, {"reduction": "batchmean", "log_target": True}],
    "einsum": [{"equation": "ij,jk->ik"}],
    "layer_norm": [{"normalized_shape": (3,)}, {"normalized_shape": (2, 3)},
                   {"normalized_shape": (3, 3), "eps": 0.1}],
    "pad": [{"pad": [1, 1]}, {"pad": [0, 1, 2, 0]}, {"pad": [1]}, {"pad": [-1, -1]},
            {"pad": [-1, 0, 0, -2]}, {"pad": [1, 1, 1, 1, 1, 1]}, {"pad": []}],
    # engine/science_ops.py
    "cross": [{"dim": -1}, {"dim": 0}, {"dim": 1}, {"dim": 2}],
    "diff": [{}, {"n": 2, "dim": 0}, {"n": 5}, {"n": 0, "dim": 1}, {"dim": 3}],
    "trapezoid": [{}, {"dim": 0, "dx": 0.5}, {"dim": 2}],
    "trapezoid_x": [{}, {"dim": 0}, {"dim": -2}],
    "linalg_vector_norm": [{}, {"dim": 1, "keepdim": True}, {"dim": [0, 1]},
                           {"ord": math.inf, "dim": 0}, {"dim": 2}],
    "linalg_solve": [{}, {"left": False}],
    "linalg_eigvalsh": [{"UPLO": "U"}],
}


def meta(shape: tuple[int, ...], dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.empty(shape, dtype=dtype, device="meta")


def cases() -> list[tuple[str, list[Any], dict[str, Any]]]:
    out = []
    for op, spec in sorted(OPS.items()):
        if op in (LEAF, CONSTANT, "index", "to", "where", "setitem"):  # special inputs
            continue
        if op == GRAD_OP:  # torch cannot differentiate meta tensors: test_grad_op.py
            continue
        for params in PARAMS.get(op, [{}]):
            for shapes in itertools.product(SHAPES, repeat=len(spec.inputs)):
                inputs: list[Any] = [meta(s) for s in shapes]
                if op in ("cross_entropy", "nll_loss"):
                    inputs[1] = meta(shapes[1], torch.int64)
                out.append((op, inputs, params))
            if len(spec.inputs) == 2:
                out.append((op, [meta((2, 3)), 2.5], params))
                out.append((op, [meta((2, 3)), meta((2, 3), torch.float64)], params))
    return out


CASES = cases()


def test_the_rules_answer_most_cases_themselves() -> None:
    answered = [c for c in CASES if output_meta(*c) is not ASK_TORCH]
    assert len(answered) > 0.4 * len(CASES)


@pytest.mark.parametrize("op", sorted({c[0] for c in CASES}))
def test_rules_agree_with_torch_on_the_meta_device(op: str) -> None:
    for _, inputs, params in [c for c in CASES if c[0] == op]:
        ours = output_meta(op, inputs, params)
        if ours is ASK_TORCH:
            continue
        # the meta device lets input broadcast both ways (a (3,) input to a (3, 1) product),
        # and skips a transposed convolution's channel check; the CPU, never
        if op in ADDMM_OPS or op.startswith("conv_transpose"):
            theirs = _on_the_cpu(op, inputs, params)
            assert (ours is None) == (theirs is None), (op, inputs)
            if theirs is not None:
                assert (tuple(ours.shape), ours.dtype) == (tuple(theirs.shape), theirs.dtype)
            continue
        try:
            theirs = OPS[op].call(*inputs, **params)
        except Exception as exc:  # noqa: BLE001 - torch refused: the rules must say None
            theirs = None
            if "meta tensors" in str(exc):  # gaussian_nll_loss checks var's numbers: ask
                theirs = _on_the_cpu(op, inputs, params)  # torch on tensors of ones
        where = (op, [getattr(i, "shape", i) for i in inputs], params)
        if theirs is None:
            assert ours is None, where
        else:
            assert ours is not None, where
            assert (tuple(ours.shape), ours.dtype) == (tuple(theirs.shape), theirs.dtype), where


def _on_the_cpu(op: str, inputs: list[Any], params: dict[str, Any]) -> Any:
    """torch's answer on CPU tensors of ones of the same shapes (as a meta tensor)."""
    try:
        out = OPS[op].call(*[torch.ones(i.shape, dtype=i.dtype) if isinstance(i, torch.Tensor)
                             else i for i in inputs], **params)
    except Exception:  # noqa: BLE001 - torch refused
        return None
    return out.to("meta")
