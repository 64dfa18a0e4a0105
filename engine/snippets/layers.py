"""Convolution, pooling and batch-norm layers in a snippet: nn.Conv1d/Conv2d,
nn.ConvTranspose1d/2d (GAN generators, decoders), nn.MaxPool1d/2d,
nn.AvgPool1d/2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.BatchNorm1d/2d and their F.*
functions.

A layer's parameters are drawn by torch itself from the snippet's generator (modules.py
`layer`), so they hold the numbers torch would; they become leaves named as nn.Linear's are
(`conv1_weight`, `model_conv1_bias`). A layer made with bias=False computes with a zero bias
constant: the same numbers and gradients as none. Batch norm's running statistics are held
by the module as torch holds them: each forward in training updates them (computed by a
torch module of the same settings, so the numbers are torch's own) and evaluation uses
them, as numbers on the node. The initialisers (nn.init.*) and a container's .append are in
engine/snippets/layer_setup.py."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.module_kinds import FEATURE_DROPOUTS
from engine.snippets.modules import ModuleReader
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

CONVOLUTIONS = {"Conv1d": "conv1d", "Conv2d": "conv2d", "ConvTranspose1d": "conv_transpose1d",
                "ConvTranspose2d": "conv_transpose2d"}
POOLS = {"MaxPool1d": "max_pool1d", "MaxPool2d": "max_pool2d", "AvgPool1d": "avg_pool1d",
         "AvgPool2d": "avg_pool2d", "AdaptiveAvgPool2d": "adaptive_avg_pool2d",
         "AdaptiveMaxPool2d": "adaptive_max_pool2d"}
NORMS = ("BatchNorm1d", "BatchNorm2d")
# the arguments each pool is read with, in torch's order (F.* and the module alike)
_POOL_ARGS = {
    "max_pool1d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                   "return_indices"),
    "max_pool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                   "return_indices"),
    "avg_pool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "avg_pool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                   "divisor_override"),
    "adaptive_avg_pool2d": ("output_size",),
    "adaptive_max_pool2d": ("output_size", "return_indices")}
# the layer functions torch itself also has (torch.max_pool2d is F.max_pool2d)
_TORCH_LEVEL = ("torch.max_pool1d", "torch.max_pool2d", "torch.avg_pool1d", "torch.conv1d",
                "torch.conv2d", "torch.conv_transpose1d", "torch.conv_transpose2d")
_CONV_ARGS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
# a transposed convolution's, in torch's order (groups before dilation), with its defaults
_TRANSPOSED_ARGS = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups",
                    "dilation")
_TRANSPOSED_DEFAULTS = {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1,
                        "dilation": 1}
_BN_ARGS = ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum",
            "eps")
_STATS = ("running_mean", "running_var", "num_batches_tracked")
# a layer's settings a snippet may read (self.conv1.out_channels), kept under this key
_SHOWN = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding",
          "dilation", "groups", "in_features", "out_features", "num_features", "eps", "momentum",
          "num_embeddings", "embedding_dim", "normalized_shape", "output_size", "ceil_mode")
_SHOWN_KEY = "shown"


def _dims(op: str) -> int:
    return 1 if op.endswith("1d") else 2


def _per_dim(value: Any, n: int) -> list[int]:
    """An int or a tuple of ints as torch spreads it over n dims."""
    return [value] * n if isinstance(value, int) else list(value)


class LayerModules(ModuleReader):
    def module(self, kind: str, node: ast.Call) -> Value:
        if kind in POOLS:
            return self.pool_module(kind, node)
        if kind in CONVOLUTIONS:
            made = self.layer(kind, node, *self.arguments(node))
            assert isinstance(made, Py) and isinstance(made.value, Module)
            if made.value.options["padding_mode"] != "zeros":
                raise error_at(node, f"nn.{kind} is read with padding_mode='zeros' only")
            return made
        return super().module(kind, node)

    def kept_options(self, layer: torch.nn.Module) -> dict[str, Any]:
        """What the module computes with besides its parameters, as torch made it, and the
        settings a snippet reads off it (conv.out_channels, fc.in_features)."""
        shown = {name: getattr(layer, name) for name in _SHOWN if hasattr(layer, name)}
        return {**self.layer_options(layer), _SHOWN_KEY: shown}

    def layer_options(self, layer: torch.nn.Module) -> dict[str, Any]:
        if isinstance(layer, torch.nn.Conv1d | torch.nn.Conv2d):
            return {"stride": list(layer.stride), "padding": layer.padding,
                    "dilation": list(layer.dilation), "groups": layer.groups,
                    "padding_mode": layer.padding_mode}
        if isinstance(layer, torch.nn.ConvTranspose1d | torch.nn.ConvTranspose2d):
            return {"stride": list(layer.stride), "padding": list(layer.padding),
                    "output_padding": list(layer.output_padding), "groups": layer.groups,
                    "dilation": list(layer.dilation), "padding_mode": layer.padding_mode}
        if isinstance(layer, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            stats = {name: getattr(layer, name) for name in _STATS}
            return {"num_features": layer.num_features, "eps": layer.eps,
                    "momentum": layer.momentum, "dtype": next(
                        (t.dtype for t in (layer.weight, layer.running_mean) if t is not None),
                        torch.get_default_dtype()),
                    **{k: None if v is None else v.clone() for k, v in stats.items()}}
        return super().kept_options(layer)

    def pool_module(self, kind: str, node: ast.Call) -> Value:
        """nn.MaxPool2d(2), nn.AvgPool2d(3, stride=1), nn.AdaptiveAvgPool2d((1, 1)): torch
        makes it (its checks, its stride = kernel_size default), its settings are kept."""
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        options = {k: self.plain(v, node) for k, v in kwargs.items()}
        try:
            made = getattr(torch.nn, kind)(*plain, **options)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        op = POOLS[kind]
        kept = {name: getattr(made, name) for name in _POOL_ARGS[op]}
        shown = {name: getattr(made, name) for name in _SHOWN if hasattr(made, name)}
        return Py(Module(kind, op=op, options={**kept, _SHOWN_KEY: shown}))

    def apply(self, module: Module, value: Value, node: ast.Call) -> Value:
        if module.cls is None and module.kind in CONVOLUTIONS:
            return self.convolved(CONVOLUTIONS[module.kind], value, module.params["weight"],
                                  module.params.get("bias"), module.options, node)
        if module.cls is None and module.kind in POOLS:
            return self.pooled(module.op, value, {k: v for k, v in module.options.items()
                                                  if k != _SHOWN_KEY}, node)
        if module.cls is None and module.kind in NORMS:
            return self.batch_normed_module(module, value, node)
        if module.cls is None and module.kind in FEATURE_DROPOUTS:
            return self.channels_dropped(module, value, node)
        return super().apply(module, value, node)

    def channels_dropped(self, module: Module, value: Value, node: ast.Call) -> Value:
        """nn.Dropout2d (1d, 3d) in training: whole channels are zeroed, the rest scaled by
        1 / (1 - p), with torch's own mask of one number per channel (bernoulli(1 - p) of
        shape (N, C, 1, 1), or (C, 1, 1) unbatched; Dropout2d takes a 3-d input as (N, C, L),
        as torch does, and any other input of 2 or more dims along its first two), drawn from
        the snippet's generator as torch draws it; in evaluation
        mode, or with p = 0, the input itself."""
        p = module.options.get("p", 0.5)
        if not isinstance(p, int | float) or not 0 <= p <= 1:
            raise raised_at(node, ValueError(f"dropout probability has to be between 0 and 1, "
                                             f"but got {p}"))
        if not module.training or p == 0:
            return value
        t = self.concrete(value, node)
        batched = FEATURE_DROPOUTS[module.kind]
        if module.kind == "Dropout2d" and t.dim() >= 2:
            pass  # torch warns for other than 3 or 4 dims and drops along the first two
        elif t.dim() not in (batched - 1, batched):
            raise error_at(node, f"nn.{module.kind} is read on inputs of {batched - 1} or "
                                 f"{batched} dims (got {t.dim()})")
        lead = t.shape[:2] if t.dim() == batched or module.kind == "Dropout2d" else t.shape[:1]
        shape = (*lead, *[1] * (t.dim() - len(lead)))
        noise = torch.zeros(shape, dtype=t.dtype) if p == 1 else torch.empty(
            shape, dtype=t.dtype).bernoulli_(1 - p, generator=self.generator).div_(1 - p)
        return self.op_node("mul", [value, self.from_tensor(noise, node)], {}, node)

    def module_attribute_of(self, module: Module, attr: str, node: ast.AST) -> Value:
        if module.cls is None and module.kind in NORMS and attr in _STATS:
            stat = module.options[attr]
            return Py(None) if stat is None else self.from_tensor(stat.clone(), node)
        if module.cls is None and attr in module.names:  # seq.add_module('fc', ...); seq.fc
            return Py(module.children[module.names.index(attr)])
        shown = module.options.get(_SHOWN_KEY, {}) if module.cls is None else {}
        if attr in shown:  # conv.out_channels, fc.in_features, pool.kernel_size
            value = shown[attr]
            return self.wrap(list(value) if isinstance(value, list) else value, node)
        return super().module_attribute_of(module, attr, node)

    # ---- convolutions --------------------------------------------------------------------
    def convolved(self, op: str, value: Value, weight: Value, bias: Value | None,
                  options: dict[str, Any], node: ast.Call) -> Value:
        """The conv op; torch checks the call first (a result over the limits is refused
        before any memory is taken), a bias not given is a zero constant."""
        n = _dims(op)
        if isinstance(value, Number | Py) or isinstance(weight, Number | Py):
            raise error_at(node, f"F.{op} needs tensors for its input and weight")
        x, w = self.concrete(value, node), self.concrete(weight, node)
        b = None if bias is None or isinstance(bias, Py) and bias.value is None else bias
        if b is not None and isinstance(b, Number | Py):
            raise error_at(node, f"F.{op} takes a tensor bias or None")
        b_t = None if b is None else self.concrete(b, node)
        if op.startswith("conv_transpose"):
            return self.transposed(op, value, weight, b, (x, w, b_t), options, node)
        stride, padding = options.get("stride", 1), options.get("padding", 0)
        dilation, groups = options.get("dilation", 1), options.get("groups", 1)
        fn = getattr(torch.nn.functional, op)
        self.torch_checks(lambda as_: fn(as_(x), as_(w), as_(b_t), stride, padding, dilation,
                                         groups), node)
        if b is None:  # torch took the weight: its first dim is the output channels
            b = self.from_tensor(torch.zeros(w.shape[0], dtype=w.dtype), node)
        same = padding == "same"
        params = {"stride": _per_dim(stride, n), "dilation": _per_dim(dilation, n),
                  "padding": [0] * n if isinstance(padding, str) else _per_dim(padding, n),
                  "groups": groups, "padding_same": same}
        return self.op_node(op, [value, weight, b], self.checked(op, params, node), node)

    def transposed(self, op: str, value: Value, weight: Value, bias: Value | None,
                   tensors: tuple[torch.Tensor, torch.Tensor, torch.Tensor | None],
                   options: dict[str, Any], node: ast.Call) -> Value:
        """The conv_transpose op, checked by torch first as convolved is; its weight is
        (in_channels, out_channels / groups, *kernel), so a zero bias has out_channels."""
        n = _dims(op)
        x, w, b_t = tensors
        settings = {k: options.get(k, d) for k, d in _TRANSPOSED_DEFAULTS.items()}
        fn = getattr(torch.nn.functional, op)
        self.torch_checks(lambda as_: fn(as_(x), as_(w), as_(b_t), *settings.values()), node)
        if bias is None:
            channels = w.shape[1] * settings["groups"]
            bias = self.from_tensor(torch.zeros(channels, dtype=w.dtype), node)
        params = {k: v if k == "groups" else _per_dim(v, n) for k, v in settings.items()}
        return self.op_node(op, [value, weight, bias], self.checked(op, params, node), node)

    def functional_conv(self, op: str, node: ast.Call) -> Value:
        order = _TRANSPOSED_ARGS if op.startswith("conv_transpose") else _CONV_ARGS
        named = self.named_arguments(f"F.{op}", order, node)
        if "weight" not in named:
            raise error_at(node, f"F.{op} needs the input and the weight")
        options = {k: self.plain(v, node) for k, v in named.items() if k in order[3:]}
        return self.convolved(op, named["input"], named["weight"], named.get("bias"),
                              options, node)

    # ---- pools ---------------------------------------------------------------------------
    def pooled(self, op: str, value: Value, options: dict[str, Any], node: ast.Call) -> Value:
        """The pool op on torch's own call; with return_indices=True, (the pooled tensor,
        torch's indices as numbers: they carry no gradient); divisor_override refused."""
        if isinstance(value, Number | Py):
            raise error_at(node, f"F.{op} needs a tensor input")
        if options.pop("return_indices", False):
            pooled = self.pooled(op, value, options, node)
            indices = getattr(torch.nn.functional, op)(self.concrete(value, node), **options,
                                                       return_indices=True)[1]
            return Py((pooled, self.from_tensor(indices, node)))
        if options.pop("divisor_override", None) is not None:
            raise error_at(node, f"{op} with divisor_override= is not read; divide the "
                                 "pooled sum yourself")
        x = self.concrete(value, node)
        fn = getattr(torch.nn.functional, op)
        self.torch_checks(lambda as_: fn(as_(x), **options), node)
        n = _dims(op)
        if op.startswith("adaptive_"):  # None keeps the input's size there
            size = _per_dim(options["output_size"], 2)
            params = {"output_size": [x.shape[i - 2] if s is None else s
                                      for i, s in enumerate(size)]}
        else:
            params = {k: _per_dim(v, n) if k in ("kernel_size", "stride", "padding",
                                                 "dilation") else v
                      for k, v in options.items()}
            if options.get("stride") in (None, [], ()):  # torch's default: the kernel's size
                params["stride"] = _per_dim(options["kernel_size"], n)
        return self.op_node(op, [value], self.checked(op, params, node), node)

    def functional_pool(self, op: str, node: ast.Call) -> Value:
        named = self.named_arguments(f"F.{op}", ("input", *_POOL_ARGS[op]), node)
        needed = _POOL_ARGS[op][0]
        if needed not in named:
            raise error_at(node, f"F.{op} needs the input and {needed}")
        options = {k: self.plain(v, node) for k, v in named.items() if k != "input"}
        return self.pooled(op, named["input"], options, node)

    # ---- batch norm ----------------------------------------------------------------------
    def batch_normed_module(self, module: Module, value: Value, node: ast.Call) -> Value:
        """nn.BatchNorm1d/2d: a torch module of the same settings, holding the running
        statistics so far, runs on the input's numbers: it says torch's words for a wrong
        input and updates the statistics exactly as torch does in training."""
        options = module.options
        x = self.concrete(value, node)
        probe = getattr(torch.nn, module.kind)(
            options["num_features"], eps=options["eps"], momentum=options["momentum"],
            affine=False, track_running_stats=options["running_mean"] is not None,
            dtype=options["dtype"])
        before = {name: options[name] for name in _STATS}
        if options["running_mean"] is not None:
            for name in _STATS:
                getattr(probe, name).copy_(options[name])
        probe.train(module.training)
        try:
            with torch.no_grad():
                probe(x.detach())
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        batch_stats = module.training or before["running_mean"] is None
        if options["running_mean"] is not None:
            options.update({name: getattr(probe, name).clone() for name in _STATS})
        weight, bias = module.params.get("weight"), module.params.get("bias")
        stats: dict[str, Any] = {} if batch_stats else {
            "running_mean": before["running_mean"].tolist(),
            "running_var": before["running_var"].tolist()}
        return self.batch_norm_node(value, weight, bias, batch_stats, stats, options["eps"],
                                    node)

    def batch_norm_node(self, value: Value, weight: Value | None, bias: Value | None,
                        training: bool, stats: dict[str, Any], eps: Any,
                        node: ast.Call) -> Value:
        """The batch_norm op; a weight or bias not given is torch's identity (ones, zeros)."""
        x = self.concrete(value, node)
        channels = x.shape[1] if x.dim() > 1 else 0
        if weight is None:
            weight = self.from_tensor(torch.ones(channels, dtype=x.dtype), node)
        if bias is None:
            bias = self.from_tensor(torch.zeros(channels, dtype=x.dtype), node)
        params = self.checked("batch_norm", {"training": training, "eps": eps, **stats}, node)
        return self.op_node("batch_norm", [value, weight, bias], params, node)

    def functional_batch_norm(self, node: ast.Call) -> Value:
        """F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
        eps): torch checks the call on the numbers; in training, running statistics just
        made (not yet used) are updated as torch updates them."""
        named = self.named_arguments("F.batch_norm", _BN_ARGS, node)
        if "running_mean" not in named or "running_var" not in named:
            raise error_at(node, "F.batch_norm needs the input, running_mean and running_var")
        given: dict[str, Value] = {k: v for k, v in named.items()
                                   if not (isinstance(v, Py) and v.value is None)}
        training = bool(self.plain(given["training"], node)) if "training" in given else False
        momentum = self.plain(given["momentum"], node) if "momentum" in given else 0.1
        eps = self.plain(given["eps"], node) if "eps" in given else 1e-5
        stats = [given.get("running_mean"), given.get("running_var")]
        if any(s is not None and self.needs_grad(s) for s in stats):
            raise error_at(node, "F.batch_norm's running statistics are read without grad")
        copies: dict[str, Any] = {k: self.concrete(given[k], node).detach().clone()
                                  if k in given else None
                                  for k in ("input", "running_mean", "running_var", "weight",
                                            "bias")}
        kept: dict[str, Any] = {k: None if t is None else t.clone() for k, t in copies.items()}
        try:
            with torch.no_grad():
                torch.nn.functional.batch_norm(
                    copies["input"], copies["running_mean"], copies["running_var"],
                    copies["weight"], copies["bias"], training, momentum, eps)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        for key, stat in zip(("running_mean", "running_var"), stats, strict=True):
            if training and stat is not None:
                if not isinstance(stat, Pending) or stat.node_id is not None:
                    raise error_at(node, "F.batch_norm in training updates its running "
                                         "statistics in place: it is read on tensors just "
                                         "made, before anything else uses them")
                stat.value = copies[key].tolist()
        numbers = {} if training else {k: kept[k].tolist()
                                       for k in ("running_mean", "running_var")}
        return self.batch_norm_node(given["input"], given.get("weight"), given.get("bias"),
                                    training, numbers, eps, node)

    def flatten_call(self, value: Value, args: list[Value], kwargs: dict[str, Value],
                     node: ast.Call) -> Value:
        """torch.flatten(x, start_dim=0, end_dim=-1) and x.flatten(...): a reshape to the
        shape torch gives (a tensor without grad: its numbers, flattened)."""
        if isinstance(value, Number | Py) or len(args) > 2 or set(kwargs) - {"start_dim",
                                                                             "end_dim"}:
            raise error_at(node, "flatten is read with a tensor, start_dim and end_dim")
        options = {"start_dim": 0, **dict(zip(("start_dim", "end_dim"), args, strict=False)),
                   **kwargs}
        plain = {k: self.plain(v, node) if isinstance(v, Number | Py) else v
                 for k, v in options.items()}
        if not self.needs_grad(value):
            try:
                return self.from_tensor(self.concrete(value, node).flatten(**plain), node)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        return self.flattened(value, plain, node)

    def registry_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if attr == "flatten" and (node.args or node.keywords):  # x.flatten(1), x.flatten(2)
            return self.flatten_call(receiver, *self.arguments(node), node)
        return super().registry_method(receiver, attr, node)

    def torch_call(self, path: str, node: ast.Call) -> Value:
        if path == "torch.flatten":
            args, kwargs = self.arguments(node)
            if not args:
                raise error_at(node, "torch.flatten needs a tensor")
            return self.flatten_call(args[0], args[1:], kwargs, node)
        short = path.removeprefix("torch.nn.functional.")
        if path in _TORCH_LEVEL:  # torch.max_pool2d(x, 2): torch's own name of the same call
            short = path.removeprefix("torch.")
        if short in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"):
            return self.functional_conv(short, node)
        if short in _POOL_ARGS:
            return self.functional_pool(short, node)
        if short == "batch_norm":
            return self.functional_batch_norm(node)
        return super().torch_call(path, node)


__all__ = ["CONVOLUTIONS", "NORMS", "POOLS", "LayerModules", "Ref"]
