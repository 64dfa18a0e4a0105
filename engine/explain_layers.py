"""The local backward rules of the layer ops (engine/ops_layers.py), in the form of
engine/explain.py's RULES: op → port → (formula, words). {g} the gradient arriving at the
node's output, {a} / {b} / {c} its inputs, {out} its output."""

from __future__ import annotations

_CONV = {
    "input": ("{g} convolved back with {b} (conv_transpose)", "each input place gets the "
              "gradient of every output position its kernel window covered, times the "
              "kernel weight that met it"),
    "weight": ("{g} correlated with {a}, summed over the batch", "each kernel weight gets "
               "Σ over positions of grad_out · the input it met there"),
    "bias": ("{g} summed over the batch and positions", "a channel's bias is added at every "
             "position of that channel"),
}


def _conv_transpose(n: int) -> dict[str, tuple[str, str]]:
    """A transposed convolution's backward is the plain convolution, with the same kernel."""
    return {
        "input": (f"{{g}} convolved with {{b}} (conv{n}d, same stride, padding, dilation)",
                  "each input place gets the gradient of every output position it was "
                  "spread to, times the kernel weight that carried it there"),
        "weight": ("{g} correlated with {a}, summed over the batch", "each kernel weight "
                   "gets Σ over input places of the input · grad_out where that weight put it"),
        "bias": _CONV["bias"],
    }


_MAX_POOL = {"input": ("{g} at each window's largest element of {a}, 0 elsewhere (added "
                       "where windows overlap)", "only the maximum of a window counts")}
_AVG_POOL = {"input": ("{g} / window size, spread over each window of {a} (added where "
                       "windows overlap)", "every element of a window counts 1/size")}

LAYER_RULES: dict[str, dict[str, tuple[str, str]]] = {
    "conv1d": _CONV,
    "conv2d": _CONV,
    "conv_transpose1d": _conv_transpose(1),
    "conv_transpose2d": _conv_transpose(2),
    "max_pool1d": _MAX_POOL,
    "max_pool2d": _MAX_POOL,
    "avg_pool1d": _AVG_POOL,
    "avg_pool2d": _AVG_POOL,
    "adaptive_avg_pool2d": _AVG_POOL,
    "adaptive_max_pool2d": _MAX_POOL,
    "batch_norm": {
        "input": ("training: ({g}·{b} − mean({g}·{b}) − x̂ · mean({g}·{b}·x̂)) / σ, means and "
                  "σ over the batch and positions of each channel; evaluation: {g} · {b} / "
                  "√(running_var + eps)", "in training, moving or scaling a channel over the "
                  "batch does not change its output; in evaluation each place is scaled alone"),
        "weight": ("{g} · x̂ summed over the batch and positions", "each channel's weight "
                   "scales its x̂ everywhere"),
        "bias": ("{g} summed over the batch and positions", "a channel's bias is added at "
                 "every place of that channel")},
    "einsum_one": {"input": ("{g} put back at the indices of {a} (0 at those the equation "
                             "drops)", "each element gets the gradient of the outputs it was "
                             "summed into")},
    "einsum_three": {
        "input": ("einsum of {g}, {b} and {c}, back to the indices of {a}", "each operand gets "
                  "the gradient contracted with the other two"),
        "other": ("einsum of {a}, {g} and {c}, back to the indices of {b}", "each operand gets "
                  "the gradient contracted with the other two"),
        "third": ("einsum of {a}, {b} and {g}, back to the indices of {c}", "each operand gets "
                  "the gradient contracted with the other two")},
}
