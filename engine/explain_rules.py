"""Which local backward rule explains one input port of a node: the table of rules per op
and port, in words and symbols with placeholders for the names and numbers, and the variant
a node's options pick (kl_div's log_target, cross_entropy's weight, a hook's own expression).
engine/explain.py fills the placeholders with one run's names and numbers. No Qt, no torch
import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from engine.addmm_ops import NAMES as ADDMM_OPS
from engine.addmm_ops import RULES as ADDMM_RULES
from engine.addmm_ops import rule as addmm_rule
from engine.explain_layers import LAYER_RULES
from engine.grad_expression import formula
from engine.grad_op import RULES as GRAD_RULES
from engine.loss_ops import LOSS_NAMES, loss_rule
from engine.loss_ops import RULES as LOSS_RULES
from engine.more_ops import RULES as MORE_RULES
from engine.science_ops import NAMES as SCIENCE_OPS
from engine.science_ops import RULES as SCIENCE_RULES
from engine.science_ops import rule as science_rule

# op → port → (formula, words). Placeholders: {g} the gradient arriving at the node's output,
# {a} / {b} the first / second input, {out} the node's own output, {n} an element count.
RULES: dict[str, dict[str, tuple[str, str]]] = {
    "add": {"input": ("{g}", "a sum passes the gradient through unchanged"),
            "other": ("{g}", "a sum passes the gradient through unchanged")},
    "sub": {"input": ("{g}", "passes through"), "other": ("−{g}", "passes through negated")},
    "mul": {"input": ("{g} · {b}", "each factor gets the gradient times the other factor"),
            "other": ("{g} · {a}", "each factor gets the gradient times the other factor")},
    "div": {"input": ("{g} / {b}", "the numerator gets the gradient over the denominator"),
            "other": ("−{g} · {a} / {b}²", "the denominator gets −gradient · a / b²")},
    "pow": {"input": ("{g} · {b} · {a}^({b} − 1)", "power rule"),
            "exponent": ("{g} · {out} · ln {a}", "d(aᵇ)/db = aᵇ · ln a")},
    "matmul": {"input": ("{g} @ {b}ᵀ", "gradient times the other matrix, transposed"),
               "other": ("{a}ᵀ @ {g}", "the first matrix, transposed, times the gradient")},
    "maximum": {"input": ("{g} · [{a} > {b}]", "the larger input gets the gradient "
                          "(each gets half where they are equal)"),
                "other": ("{g} · [{b} > {a}]", "the larger input gets the gradient "
                          "(each gets half where they are equal)")},
    "minimum": {"input": ("{g} · [{a} < {b}]", "the smaller input gets the gradient "
                          "(each gets half where they are equal)"),
                "other": ("{g} · [{b} < {a}]", "the smaller input gets the gradient "
                          "(each gets half where they are equal)")},
    "neg": {"input": ("−{g}", "negation flips the gradient's sign")},
    "exp": {"input": ("{g} · {out}", "eˣ is its own derivative: gradient times the output")},
    "log": {"input": ("{g} / {a}", "d(log a)/da = 1/a")},
    "sin": {"input": ("{g} · cos({a})", "d(sin a)/da = cos a")},
    "cos": {"input": ("−{g} · sin({a})", "d(cos a)/da = −sin a")},
    "tanh": {"input": ("{g} · (1 − {out}²)", "d(tanh a)/da = 1 − tanh²a")},
    "sigmoid": {"input": ("{g} · {out} · (1 − {out})", "dσ/da = σ(a)(1 − σ(a))")},
    "relu": {"input": ("{g} · [{a} > 0]", "ReLU lets the gradient through where a > 0")},
    "leaky_relu": {"input": ("{g} · (1 if {a} > 0 else negative_slope)",
                             "the slope of the side a is on")},
    "elu": {"input": ("{g} · (1 if {a} > 0 else {out} + alpha)", "the slope of the side a "
                      "is on")},
    "hardtanh": {"input": ("{g} · [min_val < {a} < max_val]", "the gradient passes strictly "
                           "inside the bounds (0 on them, unlike clamp)")},
    "relu6": {"input": ("{g} · [0 < {a} < 6]", "the gradient passes strictly inside 0..6")},
    "softplus": {"input": ("{g} · σ(beta · {a})", "softplus' slope is a sigmoid")},
    "gelu": {"input": ("{g} · (Φ({a}) + {a} · φ({a}))", "product rule on x · Φ(x)")},
    "sqrt": {"input": ("{g} / (2 · {out})", "d√a/da = 1 / (2√a)")},
    "abs": {"input": ("{g} · sign({a})", "d|a|/da = sign(a)")},
    "square": {"input": ("{g} · 2 · {a}", "d(a²)/da = 2a")},
    "sign": {"input": ("0", "sign is flat wherever it is defined: torch gives 0")},
    "round": {"input": ("0", "rounding is flat between its steps: torch gives 0")},
    "floor": {"input": ("0", "floor is flat between its steps: torch gives 0")},
    "ceil": {"input": ("0", "ceil is flat between its steps: torch gives 0")},
    "trunc": {"input": ("0", "trunc is flat between its steps: torch gives 0")},
    "reciprocal": {"input": ("−{g} · {out}²", "d(1/a)/da = −1/a²")},
    "rsqrt": {"input": ("−{g} · {out}³ / 2", "d(a^−½)/da = −½ a^−³ᐟ²")},
    "tan": {"input": ("{g} · (1 + {out}²)", "d(tan a)/da = 1 + tan²a")},
    "atan": {"input": ("{g} / (1 + {a}²)", "d(atan a)/da = 1 / (1 + a²)")},
    "asin": {"input": ("{g} / √(1 − {a}²)", "d(asin a)/da = 1 / √(1 − a²)")},
    "acos": {"input": ("−{g} / √(1 − {a}²)", "d(acos a)/da = −1 / √(1 − a²)")},
    "sinh": {"input": ("{g} · cosh({a})", "d(sinh a)/da = cosh a")},
    "cosh": {"input": ("{g} · sinh({a})", "d(cosh a)/da = sinh a")},
    "erf": {"input": ("{g} · 2/√π · exp(−{a}²)", "erf's slope is the scaled normal density")},
    "log1p": {"input": ("{g} / (1 + {a})", "d log(1 + a)/da = 1 / (1 + a)")},
    "expm1": {"input": ("{g} · ({out} + 1)", "d(eᵃ − 1)/da = eᵃ")},
    "log2": {"input": ("{g} / ({a} · ln 2)", "d(log₂ a)/da = 1 / (a ln 2)")},
    "log10": {"input": ("{g} / ({a} · ln 10)", "d(log₁₀ a)/da = 1 / (a ln 10)")},
    "einsum": {"input": ("einsum of {g} and {b}, back to the indices of {a}", "each operand "
                         "gets the gradient contracted with the other operand (ij,jk->ik: "
                         "grad_out @ bᵀ)"),
               "other": ("einsum of {a} and {g}, back to the indices of {b}", "each operand "
                         "gets the gradient contracted with the other operand (ij,jk->ik: "
                         "aᵀ @ grad_out)")},
    "outer": {"input": ("{g} @ {b}", "each row's gradient times the other vector"),
              "vec2": ("{g}ᵀ @ {a}", "each column's gradient times the first vector")},
    "prod": {"input": ("{g} · {out} / {a} (the product of the other elements)",
                       "each element gets the gradient times the product of the others")},
    "logsumexp": {"input": ("{g} · softmax({a})", "the slope of log Σ exp is the softmax")},
    "cumsum": {"input": ("{g} summed from the end (reverse cumsum)", "element i is in every "
                         "running sum from i on")},
    "cumprod": {"input": ("Σ over j ≥ i of {g}ⱼ · {out}ⱼ / {a}ᵢ (torch's way where {a}ᵢ = 0)",
                          "element i is a factor of every running product from i on")},
    "trace": {"input": ("{g} on the diagonal, 0 elsewhere", "only the diagonal is summed")},
    "expand": {"input": ("{g} summed over the expanded dimensions", "every copy sends its "
                         "gradient back to the one element it shows")},
    "repeat": {"input": ("{g} summed over the tiles", "every tile sends its gradient back")},
    "flip": {"input": ("{g} flipped back", "only the order changes")},
    "diag": {"input": ("{g} at the diagonal places", "only the diagonal takes part")},
    "diagflat": {"input": ("{g}'s diagonal, in the input's shape",
                           "each number gets the gradient of its diagonal place")},
    "pad": {"input": ("{g} with the border cut off", "the border holds a constant: the "
                      "input's own places get their gradient back (places a negative pad "
                      "cut get 0)")},
    "tril": {"input": ("{g} on and below the diagonal, 0 above", "the zeroed places get none")},
    "triu": {"input": ("{g} on and above the diagonal, 0 below", "the zeroed places get none")},
    "clamp": {"input": ("{g} · [min ≤ {a} ≤ max]", "clamp lets the gradient through where "
                        "it did not cut a")},
    "sum": {"input": ("{g} copied to every summed element of {a}",
                      "every summed element counts once")},
    "mean": {"input": ("{g} / {n}, copied to every averaged element of {a}",
                       "every averaged element counts 1/n")},
    "nansum": {"input": ("{g} copied to every element of {a} that is not NaN, 0 to a NaN",
                         "a NaN element is left out of the sum")},
    "nanmean": {"input": ("{g} / (the count of elements that are not NaN), 0 to a NaN",
                          "a NaN element is left out of the mean and of its count")},
    "norm": {"input": ("{g} · {a} / {out} (p = 2)", "each element gets the gradient times "
                       "its share of the length")},
    "var": {"input": ("{g} · 2 · ({a} − mean) / (n − correction)", "derivative of the "
                      "squared deviations")},
    "std": {"input": ("{g} · ({a} − mean) / ((n − correction) · {out})", "the variance's "
                      "gradient over 2·std")},
    "permute": {"input": ("{g} permuted back", "only the layout changes")},
    "amax": {"input": ("{g} at the largest element of {a}", "only the maximum counts (shared "
                       "evenly where several are equal)")},
    "amin": {"input": ("{g} at the smallest element of {a}", "only the minimum counts (shared "
                       "evenly where several are equal)")},
    "cosine_similarity": {
        "x1": ("{g} · ({b} / (‖{a}‖·‖{b}‖) − {out} · {a} / ‖{a}‖²)", "x1 is pushed toward "
               "x2's direction, minus the part along x1 itself: its length does not count"),
        "x2": ("{g} · ({a} / (‖{a}‖·‖{b}‖) − {out} · {b} / ‖{b}‖²)", "x2 is pushed toward "
               "x1's direction, minus the part along x2 itself: its length does not count")},
    "layer_norm": {
        "input": ("({g}·{b} − mean({g}·{b}) − x̂ · mean({g}·{b}·x̂)) / σ,  x̂ = ({a} − mean) / σ",
                  "the gradient times the weight, less its mean and its part along x̂, over "
                  "σ: moving or scaling a row does not change its output"),
        "weight": ("{g} · x̂ summed over the rows", "each weight scales its place of x̂ "
                   "in every row"),
        "bias": ("{g} summed over the rows", "the bias is added to every row")},
    "softmax": {"input": ("{out} · ({g} − Σ {g} · {out})", "the softmax Jacobian, applied")},
    "log_softmax": {"input": ("{g} − softmax({a}) · Σ {g}", "the log-softmax Jacobian, applied")},
    "reshape": {"input": ("{g} reshaped back to the shape of {a}", "only the layout changes")},
    "transpose": {"input": ("{g} transposed back", "only the layout changes")},
    "index": {"input": ("{g} put back into the picked places, zeros elsewhere",
                        "only the picked elements were used")},
    "grad_hook": {"input": ("{g} · k", "the hook multiplies the gradient by its number")},
    "custom_backward": {"output": ("nothing", "torch calls the Function's own backward "
                                   "instead of these ops'"),
                        "input": ("the Function's backward of {g}", "its own backward")},
    "where": {"condition": ("nothing", "a condition gets no gradient"),
              "input": ("{g} where the condition holds, 0 elsewhere", "only its places count"),
              "other": ("{g} where the condition fails, 0 elsewhere", "only its places count")},
    "setitem": {"input": ("{g} with zeros at the set places", "those places were overwritten"),
                "values": ("{g} at the set places", "each value gets its place's gradient")},
    "cat": {"input": ("the first part of {g} along dim", "each joined tensor gets its part"),
            "other": ("the second part of {g} along dim", "each joined tensor gets its part")},
    "overwritten": {"input": ("{g}", "numbers written through .detach() or .data leave the "
                              "gradient as it was"),
                    "values": ("nothing", "numbers written through .detach() or .data get no "
                               "gradient")},
    "clone": {"input": ("{g}", "a copy passes the gradient through unchanged")},
    "contiguous": {"input": ("{g}", "a copy in order passes the gradient through unchanged")},
    "to": {"input": ("{g} converted back to the dtype of {a}", "only the dtype changes")},
    "detach": {"input": ("nothing", "detach cuts the graph: no gradient flows back")},
    "mse_loss": {"input": ("{g} · 2 · ({a} − {b}) / {n}", "derivative of the squared error"),
                 "target": ("−{g} · 2 · ({a} − {b}) / {n}", "the same, negated")},
    "binary_cross_entropy_with_logits": {
        "input": ("{g} · (σ({a}) − {b}) / {n}", "sigmoid of the logits minus the target"),
        "target": ("−{g} · {a} / {n}", "d/dt of the loss is minus the logit")},
    "l1_loss": {"input": ("{g} · sign({a} − {b}) / {n}", "derivative of the absolute error"),
                "target": ("−{g} · sign({a} − {b}) / {n}", "the same, negated")},
    "smooth_l1_loss": {"input": ("{g} · clamp(({a} − {b}) / β, −1, 1) / {n}",
                                 "the error over beta, capped at ±1"),
                       "target": ("−{g} · clamp(({a} − {b}) / β, −1, 1) / {n}",
                                  "the same, negated")},
    "huber_loss": {"input": ("{g} · clamp({a} − {b}, −δ, δ) / {n}",
                             "the error, capped at ±delta"),
                   "target": ("−{g} · clamp({a} − {b}, −δ, δ) / {n}", "the same, negated")},
    "kl_div": {"input": ("−{g} · {b} / {n}", "each log-probability is pulled up by its "
                         "target probability"),
               "target": ("{g} · (log {b} + 1 − {a}) / {n}", "d/dt of t · (log t − input)")},
    "binary_cross_entropy": {
        "input": ("{g} · ({a} − {b}) / ({a} · (1 − {a})) / {n}",
                  "d/dp of −t·log p − (1−t)·log(1−p)"),
        "target": ("{g} · log((1 − {a}) / {a}) / {n}", "d/dt of the same")},
    "nll_loss": {"input": ("−{g} at the target class / {n}", "only the target's log-probability "
                           "counts"),
                 "target": ("nothing", "class indices get no gradient")},
    "margin_ranking_loss": {
        "input1": ("−{g} · {c} · [{c} · ({a} − {b}) ≤ margin] / {n}", "only pairs not "
                   "ranked margin apart the right way pull, input1 toward target's side"),
        "input2": ("{g} · {c} · [{c} · ({a} − {b}) ≤ margin] / {n}", "the same, negated"),
        "target": ("−{g} · ({a} − {b}) · [{c} · ({a} − {b}) ≤ margin] / {n}",
                   "d/dt of max(0, −t · (x1 − x2) + margin)")},
    "poisson_nll_loss": {"input": ("{g} · (exp({a}) − {b}) / {n}", "the rate minus the count"),
                         "target": ("−{g} · {a} / {n}", "d/dt of −t · input")},
    "linear": {"input": ("{g} @ {b}", "gradient times the weight"),
               "weight": ("{g}ᵀ @ {a}", "gradient, transposed, times the input"),
               "bias": ("{g} summed over the batch", "the bias is added to every row")},
    "cross_entropy": {
        "input": ("{g} · (softmax({a}) − onehot({b})) / {n}", "probabilities minus the target"),
        "target": ("−{g} · log_softmax({a}) / {n}", "for probability targets")},
}
RULES.update(LOSS_RULES)  # the margin, embedding and likelihood losses (engine/loss_ops.py)
RULES.update(MORE_RULES)  # activations, elementwise and matrix functions (engine/more_ops.py)
RULES.update(LAYER_RULES)  # convolutions, pools, batch norm: engine/explain_layers.py
RULES.update(ADDMM_RULES)  # addmm, addmv, baddbmm: engine/addmm_ops.py
RULES.update(SCIENCE_RULES)  # solve, cross, lerp, diff...: engine/science_ops.py
RULES.update(GRAD_RULES)  # the gradient kept as a graph (create_graph=True): engine/grad_op.py
# kl_div(log_target=True): the target holds log-probabilities, its terms are e^t · (t − input)
_KL_LOG_TARGET = {"input": ("−{g} · exp({b}) / {n}", "each log-probability is pulled up by "
                            "its target probability, e^t"),
                  "target": ("{g} · exp({b}) · ({b} + 1 − {a}) / {n}",
                             "d/dt of e^t · (t − input)")}

# cross_entropy with weight=, label_smoothing= or ignore_index=: t' the smoothed target
# (1 − ε)·t + ε/C, w the class weights (1 when none; 0 for a row whose target is
# ignore_index); a mean divides by the targets' weights summed, N
_CE_WEIGHTED = {"input": ("{g} · ((Σ w·t') · softmax({a}) − w·t') / N",
                          "probabilities minus the smoothed target, weighted by class"),
                "target": ("−{g} · (1 − ε) · w · log_softmax({a}) / N", "for probability "
                           "targets")}
# binary_cross_entropy_with_logits with pos_weight=: the positive term weighted by pw
_BCE_POS_WEIGHT = {"input": ("{g} · ((1 + (pw − 1)·{b}) · σ({a}) − pw·{b}) / {n}",
                             "the positive term counts pos_weight times"),
                   "target": ("{g} · (log(1 − σ({a})) − pw · log σ({a})) / {n}",
                              "d/dt of −(pw·t·log σ + (1 − t)·log(1 − σ))")}


def _expression_rule(op: str, text: str, port: str) -> tuple[str, str] | None:
    """The expression a hook returns (or a custom Function's backward), of the gradient
    arriving ({g}) and, for a backward, the tensors it saved ({a} the forward's output,
    {b} its input); the forward's ops get nothing from a custom backward."""
    if op == "grad_hook":
        return formula(text, {"g": "{g}"}), "the hook returns this of the gradient it is given"
    if port == "output":
        return "nothing", "torch calls the Function's own backward instead of these ops'"
    return (formula(text, {"g": "{g}", "input": "{b}", "output": "{a}"}),
            "the Function's own backward returns this of the gradient it is given")


def _norm_rule(order: Any) -> tuple[str, str]:
    """The norm's backward for its order p (the node's own, 2 unless set)."""
    p = float(order)
    if p == 2.0:
        return RULES["norm"]["input"]
    if p == 1.0:
        return ("{g} · sign({a}) (p = 1)", "each element gets the gradient with its sign")
    if p == math.inf:
        return ("{g} · sign({a}) at the largest |{a}| (p = inf)", "only the element of "
                "largest size counts (shared evenly where several are equal)")
    if p == -math.inf:
        return ("{g} · sign({a}) at the smallest |{a}| (p = -inf)", "only the element of "
                "smallest size counts (shared evenly where several are equal)")
    if p == 0.0:
        return ("none (p = 0)", "counting the elements that are not zero has no slope: torch "
                "gives no gradient")
    return (f"{{g}} · sign({{a}}) · |{{a}}|^{p - 1:g} / {{out}}^{p - 1:g} (p = {p:g})",
            "each element gets the gradient times its share of the p-norm")


def rule_for(op: str, params: Mapping[str, Any], port: str) -> tuple[str, str] | None:
    """The (formula, words) explaining what `port` of a node of `op` gets back, following
    the node's options; None where there is no rule (the bare result is shown)."""
    rule = RULES.get(op, {}).get(port)
    if op == "kl_div" and params.get("log_target"):
        rule = _KL_LOG_TARGET.get(port)
    if op == "cross_entropy" and (params.get("weight") or params.get("label_smoothing")
                                  or params.get("ignore_index", -100) != -100):
        rule = _CE_WEIGHTED.get(port)
    if op == "binary_cross_entropy_with_logits" and params.get("pos_weight"):
        rule = _BCE_POS_WEIGHT.get(port)
    if op == "norm" and port == "input":
        rule = _norm_rule(params.get("p", 2.0))
    if op in ADDMM_OPS:  # engine/addmm_ops.py: the node's beta and alpha
        rule = addmm_rule(op, params, port)
    if op in SCIENCE_OPS:  # engine/science_ops.py: the node's weight, step, order or count
        rule = science_rule(op, params, port)
    if op in LOSS_NAMES:  # engine/loss_ops.py, following the node's options
        rule = loss_rule(op, params, port)
    if params.get("gradient") or op == "custom_backward":  # its own expression
        rule = _expression_rule(op, str(params.get("gradient") or "g"), port)
    return rule
