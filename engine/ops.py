"""The op registry: every operation a graph node can perform.

Metadata only — no torch import here, so the window can appear before torch is loaded.
What an entry is, and how `OpSpec.call` resolves the torch callable on first use, is in
engine/op_spec.py (OpSpec is re-exported here).
"""

from __future__ import annotations

from typing import Any

from engine.addmm_ops import spec_fields as _addmm_spec_fields
from engine.dtypes import DTYPES as _DTYPES
from engine.dtypes import FLOAT_DTYPES as _FLOAT_DTYPES
from engine.grad_expression import FUNCTION_NAMES
from engine.grad_op import spec_fields as _grad_spec_fields
from engine.index_text import format_index as format_index  # re-exported: the index key's text
from engine.index_text import parse_index as parse_index  # re-exported: its inverse
from engine.loss_ops import spec_fields as _loss_spec_fields
from engine.more_ops import spec_fields as _more_spec_fields
from engine.op_impls import (
    assigned,
    bce_with_logits_weighted,
    concatenated,
    cross_entropy_weighted,
    custom_gradient,
    einsum_of_two,
    layer_normed,
    overwritten,
    scaled_gradient,
)
from engine.op_params import Param as Param
from engine.op_params import check_param as check_param
from engine.op_spec import OpSpec as OpSpec  # re-exported: what an entry is
from engine.ops_layers import layer_specs
from engine.science_ops import spec_fields as _science_spec_fields

# Kinds of node that hold a value instead of computing one.
LEAF = "leaf"
CONSTANT = "constant"
SOURCE_OPS = (LEAF, CONSTANT)

DTYPES = _DTYPES  # the dtype names live in engine/dtypes.py; these are the old import names
FLOAT_DTYPES = _FLOAT_DTYPES
REDUCTIONS = ("mean", "sum", "none")


def _dims(default: Any = None) -> Param:
    return Param("dim", "dims", default, help="dimension(s) to reduce; None = all")


_KEEPDIM = Param("keepdim", "bool", False, help="keep reduced dimensions with size 1")
_SOFTMAX_DIM = Param("dim", "int", -1, help="dimension the probabilities sum to 1 along")


def _reduction(default: str = "mean") -> Param:
    return Param("reduction", "choice", default, REDUCTIONS, "how per-element losses combine")


def _unary(name: str, symbol: str, description: str, category: str = "elementwise") -> OpSpec:
    return OpSpec(name, name, ("input",), symbol, description, category)


def _binary(name: str, symbol: str, description: str, operator: str,
            second: str = "other") -> OpSpec:
    return OpSpec(name, name, ("input", second), symbol, description, "arithmetic",
                  operator=operator)


# A constant that stands for a plain Python number in a snippet (`3` in `3 * x`): the runner
# passes the number itself, so torch takes exactly the path the snippet's operator takes.
NUMBER = "number"
_NUMBER = Param(NUMBER, "bool", False,
                help="pass as a plain Python number (as in x ** 3), not as a tensor")


_SPECS: list[OpSpec] = [
    OpSpec(LEAF, "tensor", (), "x", "a tensor you give; with requires_grad it gets a .grad",
           "inputs"),
    OpSpec(CONSTANT, "tensor", (), "c", "a fixed tensor that never receives a gradient",
           "inputs", (_NUMBER,)),
    _binary("add", "+", "elementwise sum a + b (broadcasts)", "add"),
    _binary("sub", "−", "elementwise difference a − b (broadcasts)", "sub"),
    _binary("mul", "×", "elementwise product a · b (broadcasts)", "mul"),
    _binary("div", "÷", "elementwise quotient a / b (broadcasts)", "truediv"),
    _binary("pow", "^", "elementwise power a ** b (broadcasts)", "pow", second="exponent"),
    _binary("matmul", "@", "matrix product a @ b", "matmul"),
    OpSpec("einsum", "einsum", ("input", "other"), "einsum", "torch.einsum of two tensors: "
           "the equation names each one's indices; those missing after -> are summed",
           "arithmetic", (Param("equation", "text", "ij,jk->ik", help="e.g. ij,jk->ik (a "
                                "matrix product), i,i-> (a dot product)"),), impl=einsum_of_two),
    OpSpec("outer", "outer", ("input", "vec2"), "⊗", "outer product of two vectors: "
           "out[i, j] = a[i] · b[j]", "arithmetic"),
    OpSpec("maximum", "maximum", ("input", "other"), "max", "elementwise larger of a and b "
           "(broadcasts); torch.max(a, b) too", "arithmetic"),
    OpSpec("minimum", "minimum", ("input", "other"), "min", "elementwise smaller of a and b "
           "(broadcasts); torch.min(a, b) too", "arithmetic"),
    _unary("neg", "−x", "negation −x"),
    _unary("exp", "exp", "elementwise eˣ"),
    _unary("log", "log", "elementwise natural logarithm"),
    _unary("sin", "sin", "elementwise sine"),
    _unary("cos", "cos", "elementwise cosine"),
    _unary("tanh", "tanh", "elementwise hyperbolic tangent"),
    _unary("sigmoid", "σ", "elementwise logistic sigmoid 1 / (1 + e⁻ˣ)"),
    _unary("relu", "ReLU", "elementwise max(x, 0)"),
    OpSpec("leaky_relu", "leaky_relu", ("input",), "LReLU", "elementwise x where x > 0, "
           "negative_slope · x elsewhere", "elementwise",
           (Param("negative_slope", "float", 0.01, help="the slope for x < 0"),),
           target="nn.functional.leaky_relu"),
    OpSpec("elu", "elu", ("input",), "ELU", "elementwise x where x > 0, alpha · (eˣ − 1) "
           "elsewhere", "elementwise", (Param("alpha", "float", 1.0),),
           target="nn.functional.elu"),
    OpSpec("hardtanh", "hardtanh", ("input",), "HardTanh", "elementwise x limited to "
           "[min_val, max_val]; its gradient is 0 at the bounds (clamp's passes there)",
           "elementwise", (Param("min_val", "float", -1.0), Param("max_val", "float", 1.0)),
           target="nn.functional.hardtanh"),
    OpSpec("relu6", "relu6", ("input",), "ReLU6", "elementwise x limited to [0, 6]; its "
           "gradient is 0 at 0 and 6", "elementwise", target="nn.functional.relu6"),
    OpSpec("softplus", "softplus", ("input",), "softplus", "elementwise log(1 + e^(beta·x)) "
           "/ beta, a smooth ReLU", "elementwise",
           (Param("beta", "float", 1.0), Param("threshold", "float", 20.0,
                                               help="above beta·x > threshold: x itself")),
           target="nn.functional.softplus"),
    OpSpec("gelu", "gelu", ("input",), "GELU", "elementwise x · Φ(x), Φ the normal "
           "distribution function", "elementwise",
           (Param("approximate", "choice", "none", ("none", "tanh")),),
           target="nn.functional.gelu"),
    _unary("sqrt", "√", "elementwise square root"),
    _unary("abs", "|x|", "elementwise absolute value"),
    _unary("square", "x²", "elementwise square"),
    _unary("sign", "sign", "elementwise −1, 0 or 1 by the sign of x; its gradient is 0"),
    OpSpec("round", "round", ("input",), "round", "elementwise nearest integer (decimals= "
           "places); flat between the steps: its gradient is 0", "elementwise",
           (Param("decimals", "int", 0, help="decimal places to keep"),)),
    _unary("floor", "⌊x⌋", "elementwise largest integer ≤ x; its gradient is 0"),
    _unary("ceil", "⌈x⌉", "elementwise smallest integer ≥ x; its gradient is 0"),
    _unary("trunc", "trunc", "elementwise integer part (towards 0); its gradient is 0"),
    _unary("reciprocal", "1/x", "elementwise 1 / x"),
    _unary("rsqrt", "1/√", "elementwise 1 / √x"),
    _unary("tan", "tan", "elementwise tangent"),
    _unary("atan", "atan", "elementwise inverse tangent"),
    _unary("asin", "asin", "elementwise inverse sine"),
    _unary("acos", "acos", "elementwise inverse cosine"),
    _unary("sinh", "sinh", "elementwise hyperbolic sine"),
    _unary("cosh", "cosh", "elementwise hyperbolic cosine"),
    _unary("erf", "erf", "elementwise error function 2/√π ∫₀ˣ e^(−t²) dt"),
    _unary("log1p", "log1p", "elementwise log(1 + x), exact for small x"),
    _unary("expm1", "expm1", "elementwise eˣ − 1, exact for small x"),
    _unary("log2", "log₂", "elementwise base-2 logarithm"),
    _unary("log10", "log₁₀", "elementwise base-10 logarithm"),
    OpSpec("clamp", "clamp", ("input",), "clamp", "elementwise x limited to [min, max] "
           "(x.clamp(min=0) is a ReLU whose gradient passes at 0 too)", "elementwise",
           (Param("min", "bound", 0.0, help="lower bound; None = none"),
            Param("max", "bound", None, help="upper bound; None = none"))),
    OpSpec("sum", "sum", ("input",), "Σ", "sum of elements (over dim, or all)", "reductions",
           (_dims(), _KEEPDIM)),
    OpSpec("mean", "mean", ("input",), "μ", "mean of elements (over dim, or all)", "reductions",
           (_dims(), _KEEPDIM)),
    OpSpec("nansum", "nansum", ("input",), "Σ≠nan", "sum of the elements that are not NaN "
           "(over dim, or all)", "reductions", (_dims(), _KEEPDIM)),
    OpSpec("nanmean", "nanmean", ("input",), "μ≠nan", "mean of the elements that are not NaN "
           "(over dim, or all)", "reductions", (_dims(), _KEEPDIM)),
    OpSpec("norm", "norm", ("input",), "‖x‖", "the p-norm of the elements (over dim, or all); "
           "x.norm()", "reductions", (Param("p", "order", 2.0, help="which norm: 2 is the "
                                            "length, 1 the sum of |x|, inf the largest |x|, "
                                            "-inf the smallest"), _dims(), _KEEPDIM),
           positional_params=()),
    OpSpec("var", "var", ("input",), "var", "the variance of the elements (over dim, or all); "
           "divides by n − correction", "reductions",
           (_dims(), Param("correction", "int", 1, help="1: unbiased (n − 1), 0: by n"),
            _KEEPDIM)),
    OpSpec("std", "std", ("input",), "std", "the standard deviation of the elements (over "
           "dim, or all): √var", "reductions",
           (_dims(), Param("correction", "int", 1, help="1: unbiased (n − 1), 0: by n"),
            _KEEPDIM)),
    OpSpec("amax", "amax", ("input",), "max", "the largest element (over dim, or all); x.max() "
           "of the whole tensor", "reductions", (_dims(), _KEEPDIM)),
    OpSpec("amin", "amin", ("input",), "min", "the smallest element (over dim, or all); x.min() "
           "of the whole tensor", "reductions", (_dims(), _KEEPDIM)),
    OpSpec("prod", "prod", ("input",), "Π", "product of elements (over dim, or all)",
           "reductions", (Param("dim", "dims", None, help="the dimension to multiply along; "
                                "None = all"), _KEEPDIM)),
    OpSpec("logsumexp", "logsumexp", ("input",), "logΣexp", "log Σ exp(x) along dim, "
           "computed stably", "reductions", (_dims(0), _KEEPDIM)),
    OpSpec("cumsum", "cumsum", ("input",), "cumsum", "running sums along dim: element i is "
           "the sum of elements 0..i", "reductions",
           (Param("dim", "int", 0, help="the dimension to add along"),)),
    OpSpec("cumprod", "cumprod", ("input",), "cumprod", "running products along dim: "
           "element i is the product of elements 0..i", "reductions",
           (Param("dim", "int", 0, help="the dimension to multiply along"),)),
    OpSpec("trace", "trace", ("input",), "tr", "the sum of a matrix's diagonal", "reductions"),
    OpSpec("cosine_similarity", "cosine_similarity", ("x1", "x2"), "cos∠", "the cosine of "
           "the angle between x1 and x2 along dim (broadcasts): x1·x2 / (‖x1‖·‖x2‖)",
           "reductions", (Param("dim", "int", 1, help="the dimension the vectors lie along"),
                          Param("eps", "float", 1e-8, help="the smallest length divided by")),
           target="nn.functional.cosine_similarity"),
    OpSpec("layer_norm", "layer_norm", ("input", "weight", "bias"), "LayerNorm", "each "
           "row's last dims normalized to mean 0, variance 1, times weight plus bias "
           "(nn.LayerNorm)", "reductions",
           (Param("normalized_shape", "shape", (1,), help="the last dims normalized over"),
            Param("eps", "float", 1e-5, help="added to the variance")), impl=layer_normed),
    OpSpec("softmax", "softmax", ("input",), "softmax", "exp(x) / Σ exp(x) along dim",
           "elementwise", (_SOFTMAX_DIM,)),
    OpSpec("log_softmax", "log_softmax", ("input",), "log softmax",
           "log of softmax along dim, computed stably", "elementwise", (_SOFTMAX_DIM,)),
    OpSpec("reshape", "reshape", ("input",), "reshape", "same elements in a new shape", "shape",
           (Param("shape", "shape", (-1,), help="new shape; one -1 is inferred"),)),
    OpSpec("transpose", "transpose", ("input",), "ᵀ", "swap two dimensions", "shape",
           (Param("dim0", "int", 0), Param("dim1", "int", 1)),
           positional_params=("dim0", "dim1")),
    OpSpec("index", "index", ("input",), "[ ]", "elements picked by integers, slices, lists of "
           "integers and boolean masks, x[0, 1:3], p[[0, 1], [2, 0]], x[x > 0]; the gradient "
           "flows back into the picked places (added up where one is picked twice)", "shape",
           (Param("index", "index", "0",
                  help="what goes between the brackets: 0, :, 1:3, [0, 2]"),),
           target="Tensor.__getitem__", positional_params=("index",)),
    OpSpec("to", "to", ("input",), "cast", "the same numbers in another dtype (x.double()); "
           "the gradient comes back in the input's dtype", "shape",
           (Param("dtype", "dtype", "float64", DTYPES, "the dtype to convert to"),),
           target="Tensor.to"),
    OpSpec("where", "where", ("condition", "input", "other"), "where", "input where the "
           "condition holds, other elsewhere (broadcasts); each gets the gradient of its "
           "places", "arithmetic"),
    OpSpec("permute", "permute", ("input",), "permute", "the dimensions in a new order "
           "(x.permute(2, 0, 1)); the gradient is put back in the old order", "shape",
           (Param("dims", "dims", (0,), help="the new order of the dimensions"),)),
    OpSpec("expand", "expand", ("input",), "expand", "the same tensor seen at a larger size "
           "(x.expand(2, 3), x.expand_as(y)); the gradient is summed over the copies", "shape",
           (Param("size", "shape", (1,), help="the new size; dims of size 1 grow"),),
           target="Tensor.expand", positional_params=("size",)),
    OpSpec("repeat", "repeat", ("input",), "repeat", "the tensor tiled (x.repeat(2, 1)); the "
           "gradient is summed over the tiles", "shape",
           (Param("repeats", "shape", (1,), help="how many times along each dim"),),
           target="Tensor.repeat", positional_params=("repeats",)),
    OpSpec("flip", "flip", ("input",), "flip", "the elements in reverse order along dims; "
           "the gradient is flipped back", "shape",
           (Param("dims", "dims", (0,), help="the dimensions to reverse"),)),
    OpSpec("diag", "diag", ("input",), "diag", "a vector's diagonal matrix, or a matrix's "
           "diagonal as a vector", "shape", (Param("diagonal", "int", 0, help="which "
                                                   "diagonal: 0 the main, > 0 above"),)),
    OpSpec("diagflat", "diagflat", ("input",), "diagflat", "the numbers, flattened, on a "
           "matrix's diagonal (0 elsewhere)", "shape", (Param("offset", "int", 0, help="which "
                                                        "diagonal: 0 the main, > 0 above"),)),
    OpSpec("tril", "tril", ("input",), "tril", "the matrix with the places above the "
           "diagonal set to 0", "shape", (Param("diagonal", "int", 0),)),
    OpSpec("triu", "triu", ("input",), "triu", "the matrix with the places below the "
           "diagonal set to 0", "shape", (Param("diagonal", "int", 0),)),
    OpSpec("pad", "pad", ("input",), "pad", "the tensor inside a border of value (F.pad, "
           "constant mode); a negative count cuts instead", "shape",
           (Param("pad", "ints", [0, 0], help="(before, after) counts, the last dim first"),
            Param("value", "float", 0.0, help="the number the border holds")),
           target="nn.functional.pad"),
    OpSpec("cat", "cat", ("input", "other"), "cat", "the two tensors one after the other along "
           "dim (torch.cat, torch.stack); each gets its own part of the gradient", "shape",
           (Param("dim", "int", 0, help="the dimension to join along"),), impl=concatenated),
    OpSpec("setitem", "setitem", ("input", "values"), "[ ]=", "input with the picked places "
           "set to values (out[0] = v); the gradient of those places goes to values",
           "shape", (Param("index", "index", "0", help="what goes between the brackets"),),
           impl=assigned),
    OpSpec("overwritten", "overwritten", ("input", "values"), "≔", "input holding new "
           "numbers written through input.detach() (d *= 3, d.copy_(v)); the gradient "
           "passes to input unchanged, values get none", "shape", impl=overwritten),
    OpSpec("clone", "clone", ("input",), "clone", "a copy with its own memory; the "
           "gradient passes through unchanged", "shape"),
    OpSpec("contiguous", "contiguous", ("input",), "contig", "the same numbers laid out in "
           "order in memory (x.t().contiguous().view(-1)); the gradient passes through "
           "unchanged", "shape", target="Tensor.contiguous"),
    OpSpec("grad_hook", "register_hook", ("input",), "hook",
           "the same values; a hook changes the gradient passing back: multiplies it by k "
           "(x.register_hook(lambda g: g * k)) or returns an expression of it "
           "(lambda g: g.clamp(-1, 1))", "shape",
           (Param("scale", "float", 1.0, help="k: the number the hook multiplies by (when "
                  "it has no gradient expression)"),
            Param("added_at_call", "int", 0, help="the first call the hook acts on (it was "
                  "registered after the calls before); 0: from the first call",
                  label="acts from call"),
            Param("removed_at_call", "int", 0, help="the call its .remove() comes before: "
                  "that call and later ones pass the gradient unchanged; 0: never removed",
                  label="removed before call"),
            Param("gradient", "expression", "", ("g",), help="what the hook returns, as an "
                  "expression of the gradient g (numbers and tensors written out); empty: "
                  "g times scale")),
           impl=scaled_gradient),
    OpSpec("custom_backward", "custom_backward", ("output", "input"), "Fn ∇",
           "output's values, the result of a custom autograd.Function's forward; backward "
           "sends input what the Function's own backward returns, and nothing to the "
           "forward's ops (torch calls that backward instead of differentiating them)",
           "gradients",
           (Param("gradient", "expression", "g", FUNCTION_NAMES, help="what the backward "
                  "returns for input: an expression of the gradient g and the saved input "
                  "and output"),
            Param("function", "text", "Function", help="the Function's class name")),
           impl=custom_gradient),
    OpSpec("detach", "detach", ("input",), "detach",
           "same values, cut from the graph: no gradient flows back through it", "shape"),
    OpSpec("mse_loss", "mse_loss", ("input", "target"), "MSE", "mean squared error loss",
           "losses", (_reduction(),), target="nn.functional.mse_loss"),
    OpSpec("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits",
           ("input", "target"), "BCE", "binary cross-entropy on logits (multi-label)", "losses",
           (_reduction(), Param("pos_weight", "numbers", [], help="a weight of the positive "
                                "term per class; [] for none")), impl=bce_with_logits_weighted),
    OpSpec("l1_loss", "l1_loss", ("input", "target"), "L1", "mean absolute error loss",
           "losses", (_reduction(),), target="nn.functional.l1_loss"),
    OpSpec("smooth_l1_loss", "smooth_l1_loss", ("input", "target"), "SmoothL1", "squared "
           "error below beta, absolute error above (nn.SmoothL1Loss)", "losses",
           (_reduction(), Param("beta", "float", 1.0, help="where the square turns linear")),
           target="nn.functional.smooth_l1_loss"),
    OpSpec("huber_loss", "huber_loss", ("input", "target"), "Huber", "squared error below "
           "delta, delta × absolute error above (nn.HuberLoss)", "losses",
           (_reduction(), Param("delta", "float", 1.0, help="where the square turns linear")),
           target="nn.functional.huber_loss"),
    OpSpec("kl_div", "kl_div", ("input", "target"), "KL", "Kullback-Leibler divergence "
           "Σ target · (log target − input): input holds log-probabilities (nn.KLDivLoss)",
           "losses", (Param("reduction", "choice", "mean", (*REDUCTIONS, "batchmean"),
                            "how the terms combine; batchmean: the sum over the batch size"),
                      Param("log_target", "bool", False, help="the target holds "
                            "log-probabilities too")), target="nn.functional.kl_div"),
    OpSpec("binary_cross_entropy", "binary_cross_entropy", ("input", "target"), "BCE(p)",
           "binary cross-entropy on probabilities in [0, 1]", "losses", (_reduction(),),
           target="nn.functional.binary_cross_entropy"),
    OpSpec("nll_loss", "nll_loss", ("input", "target"), "NLL",
           "negative log-likelihood of log-probabilities at the target classes", "losses",
           (_reduction(),), target="nn.functional.nll_loss"),
    OpSpec("margin_ranking_loss", "margin_ranking_loss", ("input1", "input2", "target"),
           "MarginRank", "max(0, −target · (input1 − input2) + margin): input1 ranked above "
           "input2 where target is 1, below where −1 (nn.MarginRankingLoss)", "losses",
           (_reduction(), Param("margin", "float", 0.0, help="how far apart the pair must be "
                                "ranked to cost nothing")),
           target="nn.functional.margin_ranking_loss"),
    OpSpec("poisson_nll_loss", "poisson_nll_loss", ("input", "target"), "PoissonNLL",
           "Poisson negative log-likelihood of log-rates: exp(input) − target · input "
           "(nn.PoissonNLLLoss)", "losses", (_reduction(),),
           target="nn.functional.poisson_nll_loss"),
    OpSpec("linear", "linear", ("input", "weight", "bias"), "Wx+b",
           "a linear layer: input @ weightᵀ + bias (nn.Linear)", "arithmetic",
           target="nn.functional.linear"),
    OpSpec("cross_entropy", "cross_entropy", ("input", "target"), "CE",
           "cross-entropy of logits against class indices or probabilities", "losses",
           (_reduction(), Param("weight", "numbers", [], help="a weight per class; [] for none"),
            Param("label_smoothing", "float", 0.0, help="the share spread over all classes"),
            Param("ignore_index", "int", -100, help="a target class that adds nothing, "
                  "its row no gradient")),
           impl=cross_entropy_weighted),
]
_SPECS.extend(OpSpec(**fields) for fields in _loss_spec_fields())  # engine/loss_ops.py
_SPECS.extend(OpSpec(**fields) for fields in _more_spec_fields())  # engine/more_ops.py
_SPECS.extend(OpSpec(**fields) for fields in _grad_spec_fields())  # engine/grad_op.py
_SPECS.extend(OpSpec(**fields) for fields in _addmm_spec_fields())  # engine/addmm_ops.py
_SPECS.extend(OpSpec(**fields) for fields in _science_spec_fields())  # engine/science_ops.py

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}
CATEGORIES = ("inputs", "arithmetic", "elementwise", "reductions", "shape", "losses",
              "gradients")


def get_op(name: str) -> OpSpec:
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"unknown op {name!r}") from None


def is_source(op: str) -> bool:
    return op in SOURCE_OPS


# the layer ops (convolutions, pools, batch norm, einsum of one or three): engine/ops_layers.py
OPS.update({spec.name: spec for spec in layer_specs()})
