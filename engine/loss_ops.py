"""The margin, embedding and likelihood losses of the registry (nn.TripletMarginLoss,
nn.GaussianNLLLoss, nn.MultiLabelMarginLoss, nn.MultiMarginLoss, nn.SoftMarginLoss,
nn.CosineEmbeddingLoss, nn.HingeEmbeddingLoss, nn.MultiLabelSoftMarginLoss): each is torch's
own F.<name>, so torch's backward is the one that runs. Here: the fields of their registry
entries (engine/ops.py makes the OpSpecs), their shape rule on plain tuples, and their
backward rule in words for the explain panel. No torch import at module level, as in
engine/ops.py: the window appears before torch loads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.op_params import Param

ASK: Any = object()  # loss_shape: the rules here do not cover this case
_REDUCTION = Param("reduction", "choice", "mean", ("mean", "sum", "none"),
                   "how per-sample losses combine")


def _margin(default: float) -> Param:
    return Param("margin", "float", default, help="how far apart the scores must be to cost "
                 "nothing")


def _weight(what: str) -> Param:
    return Param("weight", "numbers", [], help=f"a weight per {what}; [] for none")


# OpSpec's fields for each loss, in the registry's order (engine/ops.py builds them)
LOSS_FIELDS: list[dict[str, Any]] = [
    {"name": "triplet_margin_loss", "inputs": ("anchor", "positive", "negative"),
     "symbol": "Triplet", "description": "max(0, d(anchor, positive) − d(anchor, negative) "
     "+ margin), d the p-norm distance of each row (nn.TripletMarginLoss)",
     "params": (_REDUCTION, _margin(1.0), Param("p", "float", 2.0, help="the norm of the "
                "distance"), Param("eps", "float", 1e-6, help="added to the differences"),
                Param("swap", "bool", False, help="use the positive's distance to the "
                      "negative where it is smaller"))},
    {"name": "gaussian_nll_loss", "inputs": ("input", "target", "var"),
     "symbol": "GaussNLL", "description": "½ (log var + (input − target)² / var), the "
     "Gaussian negative log-likelihood with var clamped at eps (nn.GaussianNLLLoss)",
     "params": (_REDUCTION, Param("full", "bool", False, help="add the constant ½ log 2π"),
                Param("eps", "float", 1e-6, help="the smallest variance used"))},
    {"name": "multilabel_margin_loss", "inputs": ("input", "target"), "symbol": "MLMargin",
     "description": "Σ max(0, 1 − (x[j] − x[i])) / C over the target classes j (listed "
     "first, ended by −1) and the others i (nn.MultiLabelMarginLoss)", "params": (_REDUCTION,)},
    {"name": "multi_margin_loss", "inputs": ("input", "target"), "symbol": "MultiMargin",
     "description": "Σ over the wrong classes i of max(0, margin − x[y] + x[i])^p / C, the "
     "multi-class hinge (nn.MultiMarginLoss)",
     "params": (_REDUCTION, Param("p", "int", 1, help="1 or 2: the power of each term"),
                _margin(1.0), _weight("class")), "impl_name": "multi_margin_weighted"},
    {"name": "soft_margin_loss", "inputs": ("input", "target"), "symbol": "SoftMargin",
     "description": "log(1 + exp(−target · input)) for targets of ±1 (nn.SoftMarginLoss)",
     "params": (_REDUCTION,)},
    {"name": "cosine_embedding_loss", "inputs": ("input1", "input2", "target"),
     "symbol": "CosEmbed", "description": "1 − cos(input1, input2) where target is 1, "
     "max(0, cos − margin) where −1, row by row (nn.CosineEmbeddingLoss)",
     "params": (_REDUCTION, _margin(0.0))},
    {"name": "hinge_embedding_loss", "inputs": ("input", "target"), "symbol": "Hinge",
     "description": "input where target is 1, max(0, margin − input) where −1 "
     "(nn.HingeEmbeddingLoss)", "params": (_REDUCTION, _margin(1.0))},
    {"name": "multilabel_soft_margin_loss", "inputs": ("input", "target"),
     "symbol": "MLSoftMarg", "description": "the binary cross-entropy of each class's logit "
     "against its 0/1 target, averaged over the C classes (nn.MultiLabelSoftMarginLoss)",
     "params": (_REDUCTION, _weight("class")), "impl_name": "multilabel_soft_margin_weighted"},
]
LOSS_NAMES = tuple(fields["name"] for fields in LOSS_FIELDS)
# losses whose mean is over the rows (the batch), each row's loss made from a whole row
ROW_LOSSES = frozenset({"triplet_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
                        "cosine_embedding_loss", "multilabel_soft_margin_loss"})
# the class-index targets (int64): they never take a gradient
INDEX_TARGETS = frozenset({"multilabel_margin_loss", "multi_margin_loss"})
# inputs torch also takes as a plain number: gaussian_nll_loss' var (a float: var · ones)
NUMBER_INPUTS = frozenset({("gaussian_nll_loss", 2)})
# F.<name>(tensors..., a, b): torch's positional options after the tensors, in its order
FUNCTIONAL_POSITIONAL = {"margin_ranking_loss": ("margin",),
                         "triplet_margin_loss": ("margin", "p", "eps", "swap"),
                         "gaussian_nll_loss": ("full", "eps", "reduction"),
                         "multi_margin_loss": ("p", "margin", "weight"),
                         "cosine_embedding_loss": ("margin",),
                         "hinge_embedding_loss": ("margin",),
                         "multilabel_soft_margin_loss": ("weight",)}


def _weight_tensor(input: Any, weight: Any) -> Any:  # noqa: A002 - torch's name
    import torch  # deferred: see the module docstring

    return torch.tensor(weight, dtype=input.dtype) if weight else None


def multi_margin_weighted(input: Any, target: Any,  # noqa: A002 - torch's name
                          reduction: str = "mean", p: int = 1, margin: float = 1.0,
                          weight: Any = ()) -> Any:
    """F.multi_margin_loss with weight= as the numbers of a tensor of the input's dtype."""
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    return F.multi_margin_loss(input, target, p=p, margin=margin, reduction=reduction,
                               weight=_weight_tensor(input, weight))


def multilabel_soft_margin_weighted(input: Any, target: Any,  # noqa: A002 - torch's name
                                    reduction: str = "mean", weight: Any = ()) -> Any:
    """F.multilabel_soft_margin_loss with weight= as the numbers of a tensor of the input's
    dtype."""
    import torch.nn.functional as F  # noqa: N812 - torch's own short name

    return F.multilabel_soft_margin_loss(input, target, reduction=reduction,
                                         weight=_weight_tensor(input, weight))


IMPLS = {"multi_margin_weighted": multi_margin_weighted,
         "multilabel_soft_margin_weighted": multilabel_soft_margin_weighted}


def spec_fields() -> list[dict[str, Any]]:
    """The OpSpec keyword arguments of each loss: torch's F.<name> or its impl here."""
    out = []
    for fields in LOSS_FIELDS:
        made = {k: v for k, v in fields.items() if k != "impl_name"}
        made.update(torch_name=fields["name"], category="losses",
                    target=f"nn.functional.{fields['name']}")
        if "impl_name" in fields:
            made["impl"] = IMPLS[fields["impl_name"]]
        out.append(made)
    return out


def loss_shape(op: str, shapes: list[tuple[int, ...]], params: Mapping[str, Any],
               broadcast: Callable[[list[tuple[int, ...]]], tuple[int, ...] | None]) -> Any:
    """The output shape of one of these losses on inputs of these shapes (`broadcast`:
    torch's rule on tuples), None where torch refuses them (it says so at run time, in its
    words), ASK where the rules here do not tell (the class-index targets: int64)."""
    reduced = params.get("reduction", "mean") != "none"
    if op in INDEX_TARGETS or () in shapes:  # a 0-d shape may be a plain number here
        return ASK
    told = _unreduced(op, shapes, broadcast)
    return told if told is None or told is ASK or not reduced else ()


def _unreduced(op: str, shapes: list[tuple[int, ...]],
               broadcast: Callable[[list[tuple[int, ...]]], tuple[int, ...] | None]) -> Any:
    first = shapes[0]
    if op in ("soft_margin_loss", "hinge_embedding_loss"):  # elementwise, broadcast
        return broadcast(shapes)
    if op == "gaussian_nll_loss":  # var: the input's shape, one fewer dim, or a 1 in one
        var = shapes[2]
        if var != first and var == first[:-1]:
            var = (*var, 1)
        elif var != first and (len(var) != len(first) or sum(
                v for n, v in zip(first, var, strict=True) if n != v) != 1):
            return None  # torch: var is of incorrect size
        return broadcast([first, shapes[1], var])
    if op == "triplet_margin_loss":  # the distance of each row: the last dim summed away
        if len({len(s) for s in shapes}) != 1:
            return None
        joint = broadcast(shapes)
        return None if joint is None else joint[:-1]
    if op == "multilabel_soft_margin_loss":  # the mean over the input's last dim
        joint = broadcast(shapes)
        if not first or joint is None:
            return None  # torch sums over dim input.dim() - 1 of the broadcast loss
        last = len(first) - 1
        return joint[:last] + joint[last + 1:]
    if op == "cosine_embedding_loss":  # rows of 2-d inputs with a 1-d target, or vectors
        target = shapes[2]
        wanted = {1: 2, 0: 1}.get(len(target))
        if wanted is None or len(first) != wanted or len(shapes[1]) != wanted:
            return None
        joint = broadcast(shapes[:2])
        return None if joint is None else broadcast([joint[:-1], target])
    return ASK


# op → port → (formula, words), placeholders as in engine/explain.py: {g} the gradient at
# the output, {a} {b} {c} the first three inputs, {n} the count a mean divides by (the rows
# for a loss of ROW_LOSSES). C is the number of classes.
_NO_GRADIENT = ("nothing", "class indices get no gradient")
_PICKED_BY = ("nothing", "torch picks each term by the target's value: no gradient reaches it")
_TRIPLET_ACTIVE = "[d⁺ − d⁻ + margin > 0]"
RULES: dict[str, dict[str, tuple[str, str]]] = {
    "triplet_margin_loss": {
        "anchor": (f"{{g}} · {_TRIPLET_ACTIVE} · (({{a}} − {{b}}) / d⁺ − ({{a}} − {{c}}) / d⁻)"
                   " / {n}", "only triplets whose negative is not a margin farther than the "
                   "positive pull: the anchor toward the positive, away from the negative "
                   "(d⁺ = ‖anchor − positive‖, d⁻ = ‖anchor − negative‖)"),
        "positive": (f"−{{g}} · {_TRIPLET_ACTIVE} · ({{a}} − {{b}}) / d⁺ / {{n}}",
                     "pulled toward the anchor while the triplet is inside the margin"),
        "negative": (f"{{g}} · {_TRIPLET_ACTIVE} · ({{a}} − {{c}}) / d⁻ / {{n}}",
                     "pushed away from the anchor while the triplet is inside the margin")},
    "gaussian_nll_loss": {
        "input": ("{g} · ({a} − {b}) / {c} / {n}", "the error over the variance (var "
                  "clamped at eps)"),
        "target": ("−{g} · ({a} − {b}) / {c} / {n}", "the same, negated"),
        "var": ("{g} · ½ · (1 / {c} − ({a} − {b})² / {c}²) / {n}", "d/dvar of ½ (log var + "
                "error² / var): a variance below the squared error is pushed up, one above it "
                "down (summed where var broadcasts; below eps torch clamps var under no_grad, "
                "so the gradient still flows, at eps)")},
    "multilabel_margin_loss": {
        "input": ("{g} · Σ_(j target, i not, {a}[i] > {a}[j] − 1) (e_i − e_j) / C / {n}",
                  "each target class j not 1 above a non-target class i is pulled up and "
                  "i pushed down, 1/C for each such pair"),
        "target": _NO_GRADIENT},
    "multi_margin_loss": {
        "input": ("{g} · Σ_(i ≠ y, margin − {a}[y] + {a}[i] > 0) (e_i − e_y) / C / {n}",
                  "each wrong class i within margin of the target class y's score is pushed "
                  "down and y pulled up, 1/C for each"),
        "target": _NO_GRADIENT},
    "soft_margin_loss": {
        "input": ("−{g} · {b} · σ(−{b} · {a}) / {n}", "d/dx of log(1 + e^(−y·x)): the more "
                  "wrongly signed x is, the harder it is pulled toward y's sign"),
        "target": ("nothing", "torch does not differentiate soft_margin_loss in its target")},
    "cosine_embedding_loss": {
        "input1": ("{g} · ([{c} = −1 and cos > margin] − [{c} = 1]) · ({b} / (‖{a}‖‖{b}‖) − "
                   "cos · {a} / ‖{a}‖²) / {n}", "pairs marked 1 are turned toward each other, "
                   "pairs marked −1 apart while their cosine is above margin (cos = "
                   "cos∠(input1, input2) of each row)"),
        "input2": ("{g} · ([{c} = −1 and cos > margin] − [{c} = 1]) · ({a} / (‖{a}‖‖{b}‖) − "
                   "cos · {b} / ‖{b}‖²) / {n}", "the same, seen from input2"),
        "target": _PICKED_BY},
    "hinge_embedding_loss": {
        "input": ("{g} · ([{b} ≠ −1] − [{b} ≠ 1 and {a} ≤ margin]) / {n}", "x itself counts "
                  "where the target is 1, margin − x (while not below 0) where it is −1"),
        "target": _PICKED_BY},
    "multilabel_soft_margin_loss": {
        "input": ("{g} · (σ({a}) − {b}) / C / {n}", "each class's sigmoid minus its target, "
                  "averaged over the C classes"),
        "target": ("−{g} · {a} / C / {n}", "d/dt of −(t·log σ(x) + (1 − t)·log σ(−x))")},
}
_TRIPLET_NORM = ("{g} · [d⁺ − d⁻ + margin > 0] · (∇d⁺ − ∇d⁻) / {n}", "only triplets inside "
                 "the margin pull, through each distance's slope ∇d = sign(u)·|u|^(p−1) / "
                 "d^(p−1), u = anchor − other")


def loss_rule(op: str, params: Mapping[str, Any], port: str) -> tuple[str, str] | None:
    """The backward rule of one input of these losses, following the node's options."""
    rule = RULES.get(op, {}).get(port)
    if rule is None:
        return None
    formula, words = rule
    if op == "triplet_margin_loss" and (params.get("p", 2.0) != 2.0 or params.get("swap")):
        if port == "anchor" or params.get("p", 2.0) != 2.0:
            formula, words = _TRIPLET_NORM
        if params.get("swap"):
            words += "; with swap, d⁻ is the smaller of ‖anchor − negative‖ and ‖positive − " \
                     "negative‖"
    if op == "multi_margin_loss" and port == "input" and params.get("p", 1) == 2:
        formula = formula.replace("(e_i − e_y)", "2 · (margin − {a}[y] + {a}[i]) · (e_i − e_y)")
    if params.get("weight") and port in ("input", "target"):
        scale = "w[y]" if op == "multi_margin_loss" else "w"
        formula = formula.replace(" / C", f" · {scale} / C")
        words += f", times the class weight {scale}"
    return formula, words
