"""The registry's layer ops: convolutions (plain and transposed), pools, batch norm and
einsum of one or three tensors (nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d, nn.BatchNorm2d,
... read in engine/snippets/layers.py).
Metadata only, as in engine/ops.py: the torch calls are in engine/op_impls_layers.py or
resolved under torch on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.op_impls_layers import (
    batch_normed,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    einsum_of_one,
    einsum_of_three,
)
from engine.op_params import Param

if TYPE_CHECKING:
    from engine.ops import OpSpec


def _ints(name: str, default: list[int], words: str) -> Param:
    return Param(name, "ints", default, help=words)


def _conv(name: str, n: int) -> OpSpec:
    from engine.ops import OpSpec

    return OpSpec(
        name, name, ("input", "weight", "bias"), f"conv{n}d", f"a {n}-d convolution "
        f"(nn.Conv{n}d): each output channel is its kernel slid over the input, summed over "
        "the input channels of its group, plus its bias", "arithmetic",
        (_ints("stride", [1] * n, "the step between positions, per dim"),
         _ints("padding", [0] * n, "zeros added on both sides, per dim"),
         _ints("dilation", [1] * n, "the spacing of the kernel's taps, per dim"),
         Param("groups", "int", 1, help="input and output channels split into this many "
               "groups, each convolved apart"),
         Param("padding_same", "bool", False, help="padding='same': the output keeps the "
               "input's size (padding is then unused)")),
        impl=conv1d if n == 1 else conv2d)


def _conv_transpose(n: int) -> OpSpec:
    from engine.ops import OpSpec

    # convT: the short name GAN and autoencoder code calls it by, which fits the card's badge
    return OpSpec(
        f"conv_transpose{n}d", f"conv_transpose{n}d", ("input", "weight", "bias"),
        f"convT{n}d", f"a {n}-d transposed convolution (nn.ConvTranspose{n}d): each input "
        "place adds its value times the kernel into the output around it (stride apart), "
        "summed over the input channels of its group, plus its bias; the backward of a "
        "convolution, which enlarges", "arithmetic",
        (_ints("stride", [1] * n, "how far apart the input places spread, per dim"),
         _ints("padding", [0] * n, "cut from both sides of the output, per dim (the "
               "padding of the convolution it reverses)"),
         _ints("output_padding", [0] * n, "added to one side of the output, per dim (to "
               "undo a strided convolution's rounding down)"),
         Param("groups", "int", 1, help="input and output channels split into this many "
               "groups, each convolved apart"),
         _ints("dilation", [1] * n, "the spacing of the kernel's taps, per dim")),
        impl=conv_transpose1d if n == 1 else conv_transpose2d, node_name=f"convT{n}d")


def _max_pool(n: int) -> OpSpec:
    from engine.ops import OpSpec

    return OpSpec(
        f"max_pool{n}d", f"max_pool{n}d", ("input",), f"maxpool{n}d", "the largest element "
        f"of each window (nn.MaxPool{n}d); only it gets the window's gradient", "reductions",
        (_ints("kernel_size", [2] * n, "the window's size"),
         _ints("stride", [2] * n, "the step between windows"),
         _ints("padding", [0] * n, "-inf added on both sides"),
         _ints("dilation", [1] * n, "the spacing of the window's taps"),
         Param("ceil_mode", "bool", False, help="a last partial window counts")),
        target=f"nn.functional.max_pool{n}d")


def _avg_pool(n: int) -> OpSpec:
    from engine.ops import OpSpec

    return OpSpec(
        f"avg_pool{n}d", f"avg_pool{n}d", ("input",), f"avgpool{n}d", "the mean of each "
        f"window (nn.AvgPool{n}d); each element gets its windows' gradient over their size",
        "reductions",
        (_ints("kernel_size", [2] * n, "the window's size"),
         _ints("stride", [2] * n, "the step between windows"),
         _ints("padding", [0] * n, "zeros added on both sides"),
         Param("ceil_mode", "bool", False, help="a last partial window counts"),
         Param("count_include_pad", "bool", True, help="the padding's zeros count in the "
               "mean")),
        target=f"nn.functional.avg_pool{n}d")


def layer_specs() -> list[OpSpec]:
    """The specs, made when engine/ops.py has defined OpSpec (it registers them last)."""
    from engine.ops import OpSpec

    return [
        _conv("conv1d", 1),
        _conv("conv2d", 2),
        _conv_transpose(1),
        _conv_transpose(2),
        _max_pool(1),
        _max_pool(2),
        _avg_pool(1),
        _avg_pool(2),
        OpSpec("adaptive_avg_pool2d", "adaptive_avg_pool2d", ("input",), "AdaptAvg",
               "the mean of each of output_size windows that tile the last two dims "
               "(nn.AdaptiveAvgPool2d)", "reductions",
               (_ints("output_size", [1, 1], "the output's height and width"),),
               target="nn.functional.adaptive_avg_pool2d"),
        OpSpec("adaptive_max_pool2d", "adaptive_max_pool2d", ("input",), "AdaptMax",
               "the largest element of each of output_size windows that tile the last two "
               "dims (nn.AdaptiveMaxPool2d)", "reductions",
               (_ints("output_size", [1, 1], "the output's height and width"),),
               target="nn.functional.adaptive_max_pool2d"),
        OpSpec("batch_norm", "batch_norm", ("input", "weight", "bias"), "BatchNorm", "each "
               "channel normalized to mean 0, variance 1 over the batch (and positions), times "
               "weight plus bias (nn.BatchNorm1d/2d); in evaluation by the running statistics",
               "reductions",
               (Param("training", "bool", True, help="the batch's own statistics (else the "
                      "running ones)"),
                Param("running_mean", "numbers", [], help="the running mean per channel, used "
                      "in evaluation"),
                Param("running_var", "numbers", [], help="the running variance per channel, "
                      "used in evaluation"),
                Param("eps", "float", 1e-5, help="added to the variance")), impl=batch_normed),
        OpSpec("einsum_one", "einsum", ("input",), "einsum", "torch.einsum of one tensor: the "
               "equation names its indices; those missing after -> are summed (ii->i: the "
               "diagonal, ij->j: column sums)", "arithmetic",
               (Param("equation", "text", "ii->i", help="e.g. ii->i, ij->ji, ij->"),),
               impl=einsum_of_one),
        OpSpec("einsum_three", "einsum", ("input", "other", "third"), "einsum", "torch.einsum "
               "of three tensors: the equation names each one's indices; those missing after -> "
               "are summed", "arithmetic",
               (Param("equation", "text", "ij,jk,kl->il", help="e.g. ij,jk,kl->il (a chain of "
                      "matrix products), i,ij,j-> (a bilinear form)"),), impl=einsum_of_three),
    ]
