"""Every op of the registry against an independent torch computation in float64."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from engine.document import Document
from engine.grad_op import GRAD_OP
from engine.more_ops import ACTIVATIONS as MORE_ACTIVATIONS
from engine.more_ops import BINARY as MORE_BINARY
from engine.more_ops import ELEMENTWISE as MORE_ELEMENTWISE
from engine.more_ops import MATRIX
from engine.ops import OPS, SOURCE_OPS, check_param, format_index, parse_index
from engine.run import run
from tests.engine.helpers import const, leaf, op

# op name -> (input shapes, params, reference function built from torch directly,
#             ports that take a non-differentiable target and how to make it)
CASES: dict[str, tuple[list[tuple[int, ...]], dict, object]] = {
    "add": ([(3,), (3,)], {}, torch.add),
    "sub": ([(2, 3), (3,)], {}, torch.sub),
    "mul": ([(3,), (3,)], {}, torch.mul),
    "div": ([(3,), (3,)], {}, torch.div),
    "pow": ([(3,), (3,)], {}, torch.pow),
    "matmul": ([(2, 3), (3, 4)], {}, torch.matmul),
    "maximum": ([(2, 3), (3,)], {}, torch.maximum),
    "cat": ([(2, 3), (2, 1)], {"dim": 1}, lambda a, b: torch.cat([a, b], 1)),
    "where": ([(2, 3), (2, 3), (3,)], {}, torch.where),
    "setitem": ([(2, 3), (3,)], {"index": "1"}, lambda a, v: torch.cat([a[:1], v[None]])),
    # torch's own way to write through a detached view: a's gradient passes, v gets none
    "overwritten": ([(2, 3), (3,)], {}, lambda a, v: _through_detach(a, v)),
    "minimum": ([(3,), (2, 3)], {}, torch.minimum),
    "neg": ([(3,)], {}, torch.neg),
    "exp": ([(3,)], {}, torch.exp),
    "log": ([(3,)], {}, torch.log),
    "sin": ([(3,)], {}, torch.sin),
    "cos": ([(3,)], {}, torch.cos),
    "tanh": ([(3,)], {}, torch.tanh),
    "sigmoid": ([(3,)], {}, torch.sigmoid),
    "relu": ([(4,)], {}, torch.relu),
    "sqrt": ([(3,)], {}, torch.sqrt),
    "sign": ([(3,)], {}, torch.sign),
    "round": ([(3,)], {"decimals": 1}, lambda t: torch.round(t, decimals=1)),
    "floor": ([(3,)], {}, torch.floor),
    "ceil": ([(3,)], {}, torch.ceil),
    "trunc": ([(3,)], {}, torch.trunc),
    "reciprocal": ([(3,)], {}, torch.reciprocal),
    "rsqrt": ([(3,)], {}, torch.rsqrt),
    "tan": ([(3,)], {}, torch.tan),
    "atan": ([(3,)], {}, torch.atan),
    "asin": ([(3,)], {}, torch.asin),
    "acos": ([(3,)], {}, torch.acos),
    "sinh": ([(3,)], {}, torch.sinh),
    "cosh": ([(3,)], {}, torch.cosh),
    "erf": ([(3,)], {}, torch.erf),
    "log1p": ([(3,)], {}, torch.log1p),
    "expm1": ([(3,)], {}, torch.expm1),
    "log2": ([(3,)], {}, torch.log2),
    "log10": ([(3,)], {}, torch.log10),
    "outer": ([(3,), (2,)], {}, torch.outer),
    "einsum": ([(2, 3, 4), (2, 4)], {"equation": "bij,bj->bi"},
               lambda a, b: torch.einsum("bij,bj->bi", a, b)),
    "prod": ([(2, 3)], {"dim": 1, "keepdim": True}, lambda t: torch.prod(t, 1, keepdim=True)),
    "logsumexp": ([(2, 3)], {"dim": 1}, lambda t: torch.logsumexp(t, 1)),
    "cumsum": ([(2, 3)], {"dim": 1}, lambda t: torch.cumsum(t, 1)),
    "cumprod": ([(2, 3)], {"dim": -1}, lambda t: torch.cumprod(t, -1)),
    "trace": ([(3, 3)], {}, torch.trace),
    "expand": ([(2, 1)], {"size": [2, 3]}, lambda t: t.expand(2, 3)),
    "repeat": ([(2,)], {"repeats": [3, 2]}, lambda t: t.repeat(3, 2)),
    "flip": ([(2, 3)], {"dims": [1]}, lambda t: torch.flip(t, (1,))),
    "diag": ([(3,)], {"diagonal": 1}, lambda t: torch.diag(t, 1)),
    "diagflat": ([(2, 2)], {"offset": -1}, lambda t: torch.diagflat(t, -1)),
    "hardtanh": ([(3, 4)], {"min_val": 0.7, "max_val": 1.2},
                 lambda t: F.hardtanh(t, 0.7, 1.2)),
    "relu6": ([(4,)], {}, F.relu6),
    "pad": ([(2, 3)], {"pad": [1, -1, 2, 0], "value": 0.5},
            lambda t: F.pad(t, (1, -1, 2, 0), value=0.5)),
    "tril": ([(3, 3)], {}, torch.tril),
    "triu": ([(3, 3)], {"diagonal": 1}, lambda t: torch.triu(t, 1)),
    "leaky_relu": ([(4,)], {"negative_slope": 0.2},
                   lambda t: F.leaky_relu(t, negative_slope=0.2)),
    "elu": ([(4,)], {"alpha": 0.5}, lambda t: F.elu(t, alpha=0.5)),
    "softplus": ([(4,)], {"beta": 2.0}, lambda t: F.softplus(t, beta=2.0)),
    "gelu": ([(4,)], {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh")),
    "abs": ([(3,)], {}, torch.abs),
    "square": ([(3,)], {}, torch.square),
    "clamp": ([(4,)], {"min": 0.7, "max": 1.2}, lambda t: torch.clamp(t, min=0.7, max=1.2)),
    "clamp_tensors": ([(2, 3), (3,), (2, 1)], {}, torch.clamp),
    "clamp_min_tensor": ([(2, 3), (3,)], {}, lambda t, lo: torch.clamp(t, min=lo)),
    "clamp_max_tensor": ([(2, 3), (2, 1)], {}, lambda t, hi: torch.clamp(t, max=hi)),
    "sum": ([(2, 3)], {"dim": 1, "keepdim": True},
            lambda t: torch.sum(t, dim=1, keepdim=True)),
    "mean": ([(2, 3)], {"dim": [0, 1]}, lambda t: torch.mean(t, dim=(0, 1))),
    "nansum": ([(2, 3)], {"dim": 1, "keepdim": True},
               lambda t: torch.nansum(t, dim=1, keepdim=True)),
    "nanmean": ([(2, 3)], {"dim": [0]}, lambda t: torch.nanmean(t, dim=(0,))),
    "norm": ([(2, 3)], {"p": 3.0, "dim": 1}, lambda t: torch.norm(t, p=3.0, dim=1)),
    "amax": ([(2, 3)], {"dim": 0, "keepdim": True}, lambda t: torch.amax(t, 0, keepdim=True)),
    "amin": ([(2, 3)], {}, torch.amin),
    "var": ([(2, 3)], {"dim": 1, "correction": 0}, lambda t: torch.var(t, dim=1, correction=0)),
    "std": ([(2, 3)], {}, torch.std),
    "permute": ([(2, 3, 4)], {"dims": [2, 0, 1]}, lambda t: t.permute(2, 0, 1)),
    "cosine_similarity": ([(2, 1, 4), (3, 4)], {"dim": -1, "eps": 1e-6},
                          lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-6)),
    "layer_norm": ([(2, 3, 4), (3, 4), (3, 4)], {"normalized_shape": [3, 4], "eps": 1e-3},
                   lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-3)),
    "softmax": ([(2, 3)], {"dim": 0}, lambda t: torch.softmax(t, dim=0)),
    "log_softmax": ([(2, 3)], {"dim": 1}, lambda t: torch.log_softmax(t, dim=1)),
    "reshape": ([(2, 3)], {"shape": [3, -1]}, lambda t: torch.reshape(t, (3, -1))),
    "transpose": ([(2, 3)], {"dim0": 1, "dim1": 0}, lambda t: torch.transpose(t, 1, 0)),
    "detach": ([(3,)], {}, torch.detach),
    "mse_loss": ([(3,), (3,)], {"reduction": "none"},
                 lambda a, b: F.mse_loss(a, b, reduction="none")),
    "binary_cross_entropy_with_logits": (
        [(4,), (4,)], {"reduction": "sum", "pos_weight": [2.0, 0.5, 1.0, 3.0]},
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, reduction="sum", pos_weight=torch.tensor([2.0, 0.5, 1.0, 3.0], dtype=a.dtype))),
    "index": ([(3, 4)], {"index": "1:, ::2"}, lambda t: t[1:, ::2]),
    "to": ([(3,)], {"dtype": "float64"}, lambda t: t.to(torch.float64)),
    "clone": ([(3,)], {}, torch.clone),
    "contiguous": ([(2, 3)], {}, lambda t: t.t().contiguous().t()),
    "grad_hook": ([(3,)], {"scale": 2.5}, lambda t: _hooked(t, 2.5)),
    "custom_backward": ([(3,), (3,)], {"gradient": "g.clamp(-0.6, 0.6) * input - output"},
                        lambda out, t: _OwnBackward.apply(out, t)),
    "l1_loss": ([(3,), (3,)], {"reduction": "sum"},
                lambda a, b: F.l1_loss(a, b, reduction="sum")),
    "smooth_l1_loss": ([(4,), (4,)], {"beta": 0.5},
                       lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
    "huber_loss": ([(4,), (4,)], {"reduction": "sum", "delta": 0.3},
                   lambda a, b: F.huber_loss(a, b, reduction="sum", delta=0.3)),
    # both ports take part: a target that requires grad gets torch's gradient too
    "kl_div": ([(2, 3), (2, 3)], {"reduction": "batchmean"},
               lambda a, b: F.kl_div(a, b, reduction="batchmean")),
    "binary_cross_entropy": ([(4,), (4,)], {"reduction": "mean"},
                             lambda a, b: F.binary_cross_entropy(a, b, reduction="mean")),
    "nll_loss": ([(2, 3), (2,)], {"reduction": "none"},
                 lambda a, b: F.nll_loss(a, b, reduction="none")),
    "margin_ranking_loss": ([(4,), (4,), (4,)], {"reduction": "none", "margin": 0.3},
                            lambda a, b, t: F.margin_ranking_loss(a, b, t, margin=0.3,
                                                                  reduction="none")),
    "poisson_nll_loss": ([(2, 3), (2, 3)], {"reduction": "sum"},
                         lambda a, b: F.poisson_nll_loss(a, b, reduction="sum")),
    "linear": ([(2, 3), (4, 3), (4,)], {}, F.linear),
    "cross_entropy": ([(2, 3), (2, 3)], {"reduction": "mean", "weight": [0.5, 2.0, 1.0],
                                         "label_smoothing": 0.1},
                      lambda a, b: F.cross_entropy(a, b, reduction="mean", label_smoothing=0.1,
                                                   weight=torch.tensor([0.5, 2.0, 1.0],
                                                                       dtype=a.dtype))),
    # engine/loss_ops.py: each with an option away from torch's default
    "triplet_margin_loss": ([(2, 3), (2, 3), (2, 3)], {"reduction": "none", "margin": 2.0,
                                                       "p": 3.0},
                            lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=3.0,
                                                                  reduction="none")),
    "gaussian_nll_loss": ([(2, 3), (2, 3), (2, 1)], {"full": True, "eps": 0.1},
                          lambda a, t, v: F.gaussian_nll_loss(a, t, v, full=True, eps=0.1)),
    "multilabel_margin_loss": ([(2, 3), (2, 3)], {"reduction": "none"},
                               lambda a, t: F.multilabel_margin_loss(a, t, reduction="none")),
    "multi_margin_loss": ([(2, 3), (2,)], {"p": 2, "margin": 1.5, "weight": [0.5, 2.0, 1.0]},
                          lambda a, t: F.multi_margin_loss(
                              a, t, p=2, margin=1.5,
                              weight=torch.tensor([0.5, 2.0, 1.0], dtype=a.dtype))),
    "soft_margin_loss": ([(2, 3), (2, 3)], {"reduction": "none"},
                         lambda a, t: F.soft_margin_loss(a, t, reduction="none")),
    "cosine_embedding_loss": ([(3, 4), (3, 4), (3,)], {"margin": 0.5, "reduction": "sum"},
                              lambda a, b, t: F.cosine_embedding_loss(a, b, t, margin=0.5,
                                                                      reduction="sum")),
    "hinge_embedding_loss": ([(4,), (4,)], {"margin": 1.6},
                             lambda a, t: F.hinge_embedding_loss(a, t, margin=1.6)),
    "multilabel_soft_margin_loss": ([(2, 3), (2, 3)], {"weight": [0.5, 2.0, 1.0]},
                                    lambda a, t: F.multilabel_soft_margin_loss(
                                        a, t, weight=torch.tensor([0.5, 2.0, 1.0],
                                                                  dtype=a.dtype))),
}
# engine/more_ops.py: activations as F.<name>, elementwise and matrix functions as torch.<name>
CASES.update({name: ([(4,)], {}, getattr(F, name)) for name in MORE_ACTIVATIONS})
CASES["celu"] = ([(4,)], {"alpha": 0.5}, lambda t: F.celu(t, alpha=0.5))
CASES.update({name: ([(3,)], {}, getattr(torch, name)) for name in MORE_ELEMENTWISE})
CASES.update({name: ([(2, 3), (3,)], {}, getattr(torch, name)) for name in MORE_BINARY})
CASES["cdist"] = ([(4, 3), (5, 3)], {"p": 1.5}, lambda a, b: torch.cdist(a, b, p=1.5))
CASES.update({"det": ([(3, 3)], {}, torch.det), "inverse": ([(3, 3)], {}, torch.linalg.inv),
              "logdet": ([(3, 3)], {}, torch.logdet)})
# engine/addmm_ops.py: input broadcast to the product's shape, beta and alpha by keyword
CASES.update({
    "addmm": ([(3,), (2, 4), (4, 3)], {"beta": 0.5, "alpha": -2.0},
              lambda b, m1, m2: torch.addmm(b, m1, m2, beta=0.5, alpha=-2.0)),
    "addmv": ([(1,), (3, 2), (2,)], {"beta": 2.0, "alpha": 0.25},
              lambda b, m, v: torch.addmv(b, m, v, beta=2.0, alpha=0.25)),
    "baddbmm": ([(1, 3), (2, 4, 3), (2, 3, 3)], {"beta": -1.5, "alpha": 3.0},
                lambda b, b1, b2: torch.baddbmm(b, b1, b2, beta=-1.5, alpha=3.0)),
})
# engine/science_ops.py: each with an option away from torch's default
CASES.update({
    "linalg_solve": ([(3, 3), (3, 2)], {}, torch.linalg.solve),
    "linalg_cholesky": ([(3, 3)], {"upper": True},
                        lambda t: torch.linalg.cholesky(t, upper=True)),
    "linalg_eigvalsh": ([(3, 3)], {"UPLO": "U"}, lambda t: torch.linalg.eigvalsh(t, UPLO="U")),
    "matrix_exp": ([(3, 3)], {}, torch.matrix_exp),
    "cross": ([(2, 3), (2, 3)], {"dim": 1}, lambda a, b: torch.cross(a, b, dim=1)),
    "lerp": ([(2, 3), (3,)], {"weight": 0.3}, lambda a, b: torch.lerp(a, b, 0.3)),
    "logaddexp": ([(2, 3), (3,)], {}, torch.logaddexp),
    "remainder": ([(2, 3), (3,)], {}, torch.remainder),
    "fmod": ([(2, 3), (3,)], {}, torch.fmod),
    "kron": ([(2, 3), (3, 2)], {}, torch.kron),
    "diff": ([(3, 4)], {"n": 2, "dim": 0}, lambda t: torch.diff(t, n=2, dim=0)),
    "trapezoid": ([(3, 4)], {"dx": 0.5, "dim": 0},
                  lambda y: torch.trapezoid(y, dx=0.5, dim=0)),
    "trapezoid_x": ([(3, 4), (4,)], {}, torch.trapezoid),
    "linalg_vector_norm": ([(2, 3)], {"ord": 3.0, "dim": 1, "keepdim": True},
                           lambda t: torch.linalg.vector_norm(t, ord=3.0, dim=1, keepdim=True)),
})
# of a symmetric matrix: torch reads one triangle, and its gradient is the symmetric one
_SYMMETRIC = ("linalg_cholesky", "linalg_eigvalsh")
# the targets of engine/loss_ops.py's losses that take no gradient: class indices, and
# the ±1 targets torch picks by value or refuses to differentiate
_FIXED_TARGETS = {"multilabel_margin_loss": 1, "multi_margin_loss": 1, "soft_margin_loss": 1,
                  "cosine_embedding_loss": 2, "hinge_embedding_loss": 1}

# the layer ops (engine/ops_layers.py), against torch.nn.functional called directly
CASES.update({
    "conv1d": ([(2, 2, 6), (3, 2, 3), (3,)], {"stride": [2], "padding": [1]},
               lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1)),
    "conv2d": ([(1, 4, 5, 5), (2, 2, 3, 3), (2,)],
               {"groups": 2, "padding_same": True, "dilation": [2, 1]},
               lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(2, 1), groups=2)),
    "conv_transpose1d": ([(2, 4, 5), (4, 1, 3), (2,)],
                         {"stride": [2], "output_padding": [1], "groups": 2, "dilation": [2]},
                         lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, output_padding=1,
                                                            groups=2, dilation=2)),
    "conv_transpose2d": ([(1, 2, 3, 3), (2, 3, 3, 2), (3,)],
                         {"stride": [2, 1], "padding": [1, 0], "output_padding": [1, 0]},
                         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 1),
                                                            padding=(1, 0),
                                                            output_padding=(1, 0))),
    "max_pool1d": ([(1, 2, 7)], {"kernel_size": [3], "stride": [2], "padding": [1]},
                   lambda x: F.max_pool1d(x, 3, 2, 1)),
    "max_pool2d": ([(1, 2, 5, 5)], {"kernel_size": [2, 2], "stride": [1, 2], "ceil_mode": True},
                   lambda x: F.max_pool2d(x, 2, (1, 2), ceil_mode=True)),
    "avg_pool1d": ([(2, 1, 6)], {"kernel_size": [2], "stride": [2]},
                   lambda x: F.avg_pool1d(x, 2)),
    "avg_pool2d": ([(1, 2, 5, 5)], {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                    "count_include_pad": False},
                   lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    "adaptive_avg_pool2d": ([(1, 2, 5, 4)], {"output_size": [3, 2]},
                            lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    "adaptive_max_pool2d": ([(1, 2, 5, 4)], {"output_size": [3, 2]},
                            lambda x: F.adaptive_max_pool2d(x, (3, 2))),
    "batch_norm": ([(4, 3, 2), (3,), (3,)], {"training": True, "eps": 1e-3},
                   lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, 1e-3)),
    "einsum_one": ([(3, 3)], {"equation": "ii->i"}, lambda a: torch.einsum("ii->i", a)),
    "einsum_three": ([(2, 3), (3, 4), (4,)], {"equation": "ij,jk,k->i"},
                     lambda a, b, c: torch.einsum("ij,jk,k->i", a, b, c)),
})


def _through_detach(a: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    out = a.clone()
    out.detach().copy_(v)
    return out


class _OwnBackward(torch.autograd.Function):
    """The reference of custom_backward: torch's own Function with that backward."""

    @staticmethod
    def forward(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return out.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.save_for_backward(inputs[1], output)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[None, torch.Tensor]:  # type: ignore[override]
        t, out = ctx.saved_tensors
        return None, g.clamp(-0.6, 0.6) * t - out


def _hooked(t: torch.Tensor, k: float) -> torch.Tensor:
    """The reference: torch's own hook on an identity view of t."""
    out = t.view_as(t)
    if out.requires_grad:
        out.register_hook(lambda g: g * k)
    return out


def test_every_registry_op_has_a_case():
    # the gradient kept as a graph differentiates one input by another: test_grad_op.py
    assert set(CASES) == set(OPS) - set(SOURCE_OPS) - {GRAD_OP}


def _inputs(name: str, shapes: list[tuple[int, ...]], gen: torch.Generator) -> list[torch.Tensor]:
    tensors = [torch.rand(s, generator=gen, dtype=torch.float64) + 0.5 for s in shapes]
    if name in ("relu", "leaky_relu", "elu", "softplus", "gelu", "relu6", *MORE_ACTIVATIONS):
        tensors[0] = torch.tensor([-1.0, 0.5, 2.0, -0.25], dtype=torch.float64)  # both sides
    if name == "acosh":  # x ≥ 1
        tensors[0] = tensors[0] + 1.0
    if name in ("atanh", "logit"):  # inside (-1, 1), or (0, 1)
        tensors[0] = tensors[0] - (0.6 if name == "atanh" else 0.45)
    if name in (*MATRIX, *_SYMMETRIC, "linalg_solve"):  # well away from singular, with a
        # positive determinant (positive definite)
        tensors[0] = tensors[0] @ tensors[0].T + torch.eye(3, dtype=torch.float64)
    if name in ("asin", "acos"):  # inside (-1, 1)
        tensors[0] = tensors[0] - 0.6
    if name == "binary_cross_entropy":
        tensors[0] = torch.sigmoid(tensors[0] - 1.0)  # probabilities
        tensors[1] = tensors[1] - 0.5
    if name == "where":
        tensors[0] = tensors[0] > 1.0  # a condition of booleans
    if name == "nll_loss":
        tensors[1] = torch.tensor([2, 0])  # class indices
    if name in ("smooth_l1_loss", "huber_loss"):  # errors on both sides of beta / delta
        tensors[0] = tensors[1] + torch.tensor([-1.2, -0.1, 0.2, 1.5], dtype=torch.float64)
    if name == "kl_div":  # log-probabilities against probabilities
        tensors[0] = torch.log_softmax(tensors[0], dim=-1)
        tensors[1] = torch.softmax(tensors[1], dim=-1)
    if name == "margin_ranking_loss":  # pairs ranked both ways, targets of ±1
        tensors[2] = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
    if name in ("binary_cross_entropy_with_logits", "cross_entropy"):
        tensors[1] = torch.softmax(tensors[1], dim=-1)  # probabilities as targets
    if name in _FIXED_TARGETS or name == "multilabel_soft_margin_loss":
        tensors = _loss_inputs(name, tensors)
    return tensors


def _loss_inputs(name: str, tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Scores on both sides of each margin, and the targets each loss takes."""
    tensors[0] = tensors[0] - 1.0
    signs = torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0], dtype=torch.float64)
    if name == "multilabel_margin_loss":
        tensors[1] = torch.tensor([[2, 0, -1], [1, -1, 0]])
    if name == "multi_margin_loss":
        tensors[1] = torch.tensor([2, 0])
    if name in ("soft_margin_loss", "hinge_embedding_loss"):
        tensors[1] = signs[:tensors[0].numel()].reshape(tensors[0].shape)
    if name == "cosine_embedding_loss":
        tensors[2] = signs[:3]
    if name == "multilabel_soft_margin_loss":
        tensors[1] = (tensors[1] > 1.0).to(torch.float64)
    return tensors


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_forward_and_vjp_match_torch(name: str):
    shapes, params, reference = CASES[name]
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    tensors = _inputs(name, shapes, gen)
    losses = ("binary_cross_entropy_with_logits", "cross_entropy", "mse_loss", "l1_loss",
              "binary_cross_entropy", "nll_loss", "smooth_l1_loss", "huber_loss")
    differentiable = [not (name in losses and i == 1) and not (name == "where" and i == 0)
                      and _FIXED_TARGETS.get(name) != i
                      and not (name == "overwritten" and i == 1) for i in range(len(tensors))]
    doc = Document()
    ids = []
    for i, (t, diff) in enumerate(zip(tensors, differentiable, strict=True)):
        kind = {torch.int64: "int64", torch.bool: "bool"}.get(t.dtype, "float64")
        ids.append(leaf(doc, f"a{i}", t.tolist()) if diff else
                   const(doc, f"a{i}", t.tolist(), dtype=kind))
    out_id = op(doc, name, "out", *ids, params=params)

    expected_out = reference(*tensors)
    seed = torch.rand(expected_out.shape, generator=gen, dtype=torch.float64) - 0.5
    doc.update_node(out_id, is_output=True, seed=seed.tolist())
    result = run(doc)

    torch.testing.assert_close(result.values[out_id], expected_out.detach())
    if name == "detach":
        assert result.error is not None
        assert "does not require grad" in result.error.message
        return
    if name == "heaviside":  # torch has no derivative for it: backward raises, in its words
        assert result.error is not None
        assert "derivative for aten::heaviside is not implemented" in result.error.message
        return
    assert result.error is None, result.error
    diff_inputs = [t for t, d in zip(tensors, differentiable, strict=True) if d]
    fixed = {i: t for i, (t, d) in enumerate(zip(tensors, differentiable, strict=True)) if not d}

    def fn(*args: torch.Tensor) -> torch.Tensor:
        it = iter(args)
        return reference(*[fixed[i] if i in fixed else next(it) for i in range(len(tensors))])

    _, vjp = torch.func.vjp(fn, *diff_inputs)
    expected_grads = vjp(seed)
    leaf_ids = [i for i, d in zip(ids, differentiable, strict=True) if d]
    for leaf_id, expected in zip(leaf_ids, expected_grads, strict=True):
        got = result.leaf_grads[leaf_id]
        if got is None and name == "custom_backward":  # the forward's ops: torch.func's zeros
            got = torch.zeros_like(expected)
        torch.testing.assert_close(got, expected)
    if name in ("grad_hook", "overwritten", "custom_backward"):
        return  # the gradient differs from the numbers' slope on purpose (a hook, a detach)
    # the reference itself is right: finite differences agree with autograd (for a function
    # of a symmetric matrix, along symmetric steps: torch's gradient is that derivative)
    check = (lambda t: fn((t + t.T) / 2)) if name in _SYMMETRIC else fn
    assert torch.autograd.gradcheck(check, [t.clone().requires_grad_() for t in diff_inputs])


def test_cross_entropy_with_class_indices():
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]], dtype=torch.float64)
    target = torch.tensor([2, 0])
    doc = Document()
    a = leaf(doc, "logits", logits.tolist())
    t = const(doc, "target", target.tolist(), dtype="int64")
    out = op(doc, "cross_entropy", "loss", a, t, params={"reduction": "none"},
             is_output=True, seed=[1.0, 0.5])
    result = run(doc)
    assert result.error is None
    x = logits.clone().requires_grad_()
    F.cross_entropy(x, target, reduction="none").backward(torch.tensor([1.0, 0.5],
                                                                       dtype=torch.float64))
    torch.testing.assert_close(result.leaf_grads[a], x.grad)
    assert result.values[out].shape == (2,)



@pytest.mark.parametrize("key", [([0, 1], [2, 0]), ([1, 1],), (0, [0, 2]),
                                 (slice(None), [[0], [2]])])
def test_index_by_integer_lists_keeps_torchs_gradient(key: tuple) -> None:
    """p[[0, 1], y] (d2l's cross-entropy): the key survives the text the document stores,
    and the run's gradient is torch's own, added up where one place is picked twice."""
    text = format_index(key)
    assert text is not None and parse_index(text) == key
    values = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]
    doc = Document()
    p = leaf(doc, "p", values)
    out_id = op(doc, "index", "out", p, params={"index": text})
    picked = torch.tensor(values, dtype=torch.float64)[key]
    seed = torch.arange(1.0, picked.numel() + 1, dtype=torch.float64).reshape(picked.shape)
    doc.update_node(out_id, is_output=True, seed=seed.tolist())
    result = run(doc)
    expected = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    expected[key].backward(seed)
    assert result.error is None, result.error
    torch.testing.assert_close(result.leaf_grads[p], expected.grad)


def test_a_weights_param_holds_finite_numbers_or_none() -> None:
    spec = OPS["cross_entropy"].param("weight")
    assert check_param(spec, []) == [] and check_param(spec, [1, 2.5]) == [1.0, 2.5]
    for bad in ([float("nan")], [[1.0]], 3.0, None, [True]):
        with pytest.raises(ValueError, match="a list of numbers"):
            check_param(spec, bad)
