"""nn modules in a snippet: `nn.Linear`, `nn.LayerNorm`, `nn.Sequential`, the activations (ReLU,
Tanh, Sigmoid, Softmax...), Flatten, Identity, Dropout, CosineSimilarity and the loss
modules. Parameters are made by torch itself, from the snippet's random generator, so
`torch.manual_seed(0); fc = nn.Linear(3, 2)` holds exactly the numbers torch would; they
become leaves named `fc_weight`, `fc_bias` (`model_0_weight` inside a Sequential).
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import torch

from engine.ops import get_op
from engine.snippets import module_dicts, param_containers
from engine.snippets.loss_weights import TENSOR_OPTIONS, legacy_reduction, weights_as_numbers
from engine.snippets.module_kinds import (
    ACTIVATION_OPTIONS,
    ACTIVATIONS,
    LAYER_OPTIONS,
    LOSS_OPTIONS,
    LOSS_POSITIONAL,
    LOSSES,
    MODULES,
    PAIRED,
    SHAPING,
    THREE_INPUTS,
    child_names,
    inplace_by_position,
)
from engine.snippets.module_methods import ModuleMethods
from engine.snippets.param_containers import PARAM_CONTAINERS
from engine.snippets.safety import error_at, raised_at
from engine.snippets.torchcalls import IN_PLACE_UNARY
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

_NOT_IN_NAMES = re.compile(r"\W")  # what a leaf's name cannot hold


class ModuleReader(ModuleMethods):
    def module(self, kind: str, node: ast.Call) -> Value:
        if kind == "Parameter":
            return self.parameter(node)
        if kind in PARAM_CONTAINERS:  # nn.ParameterList([...]), nn.ParameterDict({...})
            return self.parameter_container(kind, node)
        if kind not in MODULES:
            raise error_at(node, f"nn.{kind} is not supported; the modules read are "
                                 f"{', '.join(MODULES)}, and a class of the snippet's own "
                                 "deriving from nn.Module")
        args, kwargs = self.arguments(node)
        if kind == "Sequential" and len(args) == 1 and isinstance(args[0], Py) and \
                isinstance(args[0].value, dict):  # nn.Sequential(OrderedDict([("fc", ...)]))
            named = args[0].value
            if not all(isinstance(c, Py) and isinstance(c.value, Module)
                       for c in named.values()):
                raise error_at(node, "nn.Sequential takes modules, e.g. nn.Linear(2, 3)")
            return Py(Module("Sequential", children=[c.value for c in named.values()],
                             names=[str(k) for k in named]))
        if kind == "Sequential":
            children = [a.value for a in args if isinstance(a, Py)]
            if len(children) != len(args) or not all(isinstance(c, Module) for c in children):
                raise error_at(node, "nn.Sequential takes modules, e.g. nn.Linear(2, 3)")
            return Py(Module("Sequential", children=children))
        if kind == "ModuleDict":  # nn.ModuleDict({"a": fc1, "b": fc2})
            return Py(module_dicts.make(args, kwargs, node))
        if kind == "ModuleList":  # nn.ModuleList([fc1, fc2]) or nn.ModuleList()
            given = args[0].value if len(args) == 1 and isinstance(args[0], Py) else []
            members = [m.value if isinstance(m, Py) else m for m in given] \
                if isinstance(given, list | tuple) else None
            if len(args) > 1 or kwargs or members is None or (args and not isinstance(
                    args[0], Py)) or not all(isinstance(m, Module) for m in members):
                raise error_at(node, "nn.ModuleList takes a list of modules, e.g. "
                                     "nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])")
            return Py(Module("ModuleList", children=list(members)))
        if kind in ACTIVATIONS:
            args, kwargs = inplace_by_position(kind, args, kwargs)  # nn.ReLU(True)
            names = ACTIVATION_OPTIONS.get(kind, ())
            options = {n: self.plain(v, node) for n, v in zip(names, args, strict=False)}
            options.update({k: self.plain(v, node) for k, v in kwargs.items() if k != "inplace"})
            in_place = self.plain(kwargs["inplace"], node) if "inplace" in kwargs else False
            if len(args) > len(names) or set(options) - set(names):
                raise error_at(node, f"nn.{kind} is read with {', '.join(names) or 'no'} "
                                     "options")
            if kind == "Hardtanh":  # torch checks its bounds as it makes the module
                try:
                    torch.nn.Hardtanh(**options)
                except (AssertionError, ValueError, TypeError) as exc:
                    raise raised_at(node, exc) from None
            return Py(Module(kind, op=ACTIVATIONS[kind], options=options,
                             in_place=in_place is True and ACTIVATIONS[kind] in IN_PLACE_UNARY))
        if kind in PAIRED:
            op, names = PAIRED[kind]
            options = {n: self.plain(v, node) for n, v in zip(names, args, strict=False)}
            options.update({k: self.plain(v, node) for k, v in kwargs.items()})
            if len(args) > len(names) or set(options) - set(names):
                raise error_at(node, f"nn.{kind} is read with {' and '.join(names)}")
            return Py(Module(kind, op=op, options=options))
        if kind in SHAPING:
            names = SHAPING[kind]
            options = {n: self.plain(v, node) for n, v in zip(names, args, strict=False)}
            options.update({k: self.plain(v, node) for k, v in kwargs.items()})
            if kind != "Identity" and (len(args) > 2 or set(options) - set(names)):
                raise error_at(node, f"nn.{kind} is read with {' and '.join(names)}")
            return Py(Module(kind, options=options))  # nn.Identity takes any, uses none
        if kind in LOSSES:
            extra = LOSS_OPTIONS.get(kind, ())
            kwargs = legacy_reduction(kwargs, lambda v: self.plain(v, node))
            given = dict(zip(LOSS_POSITIONAL.get(kind, ()), args, strict=False))
            if len(args) > len(given) or set(given) & set(kwargs) or \
                    set(kwargs) - {"reduction", *extra}:
                raise error_at(node, f"nn.{kind} is read with reduction="
                                     f"{''.join(f' and {e}=' for e in extra) or ' only'}")
            tensor_option = TENSOR_OPTIONS.get(LOSSES[kind])
            options = {k: v if k == tensor_option else self.plain(v, node)
                       for k, v in (given | kwargs).items()}  # the tensor: as the loss is used
            try:  # torch checks some options as it makes the module (MultiMarginLoss' p)
                getattr(torch.nn, kind)(**{k: v for k, v in options.items()
                                           if k != tensor_option})
            except (ValueError, TypeError) as exc:
                raise raised_at(node, exc) from None
            return Py(Module(kind, op=LOSSES[kind], options={"reduction": "mean", **options}))
        return self.layer(kind, node, args, kwargs)

    def loss_options(self, op: str, inputs: list[Value], params: dict[str, Any],
                     node: ast.AST) -> dict[str, Any]:
        """A loss's options with its weight tensor (weight=, pos_weight=) as its numbers;
        one that requires grad is refused: its gradient would be lost."""
        name = TENSOR_OPTIONS.get(op)
        given = params.get(name) if name else None
        if name is None or not isinstance(given, Pending | Ref | Number | Py):
            return params
        if self.needs_grad(given):
            raise error_at(node, f"a {name}= tensor that requires grad is not read: its "
                                 "gradient would be lost (give it .detach())")
        plain = {**params, name: self.concrete(given, node)}
        return weights_as_numbers(op, [self.concrete(v, node) for v in inputs], plain, node)

    def layer(self, kind: str, node: ast.Call, args: list[Value],
              kwargs: dict[str, Value]) -> Value:
        """nn.Linear(3, 2) or nn.Embedding(10, 3), its parameters drawn by torch itself."""
        if "device" in kwargs:  # nn.Linear(3, 2, device=device): the CPU, as everything here
            kwargs = dict(kwargs)
            self.cpu_only(kwargs.pop("device"), node)
        plain = [self.plain(a, node) for a in args]
        options = {k: self.plain(v, node) for k, v in kwargs.items()}
        if "dtype" in kwargs:
            options["dtype"] = self.concrete(kwargs["dtype"], node)
        if set(options) - set(LAYER_OPTIONS[kind]) or len(plain) > len(LAYER_OPTIONS[kind]):
            raise error_at(node, f"nn.{kind} is read with {', '.join(LAYER_OPTIONS[kind])}")
        try:  # its parameters' sizes, told on the meta device: nothing allocated yet
            shell = getattr(torch.nn, kind)(*plain, **options, device="meta")
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        for p in shell.parameters():
            self.check_fits(p.numel(), node)
        # torch draws the parameters from its default generator: lend it ours, then take
        # back the advanced state, leaving the process's own generator untouched
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.generator.get_state())
            try:
                layer = getattr(torch.nn, kind)(*plain, **options)
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
            self.generator.set_state(torch.get_rng_state())
        params = {name: self.from_tensor(p.detach(), node, requires_grad=True)
                  for name, p in layer.named_parameters()}
        self.leaves_pending.extend(params.values())
        return Py(Module(kind, params=params, options=self.kept_options(layer),
                         made_with=(plain, options)))

    def kept_options(self, layer: torch.nn.Module) -> dict[str, Any]:
        """What the module computes with besides its parameters, as torch made it."""
        if isinstance(layer, torch.nn.LayerNorm):
            return {"normalized_shape": list(layer.normalized_shape), "eps": layer.eps}
        if isinstance(layer, torch.nn.Embedding):  # torch's row, a negative one counted back
            return {"padding_idx": layer.padding_idx,
                    "scale_grad_by_freq": layer.scale_grad_by_freq}
        return {}

    def name_parameters(self, module: Module, prefix: str) -> None:
        """Leaves of a module bound to `prefix`: prefix_weight, prefix_0_bias, prefix_fc1_weight
        (and a model's tensor attributes that are leaves: prefix_w)..."""
        tensors = [(k, v) for k, v in module.attrs.items()
                   if isinstance(v, Pending) and v.requires_grad is not None]
        for key, param in [*module.params.items(), *tensors]:
            if param.name is None:
                param.name = f"{prefix}_{key}"
                if param.node_id is not None:  # a node already (a hook made in __init__)
                    self.claim(param.node_id, param.name)
                self.node_of(param, ast.Pass())
        for name, child in zip(child_names(module), module.children, strict=True):
            # torch takes any name but a dotted one (`add_module(f"block {i}", ...)`); a
            # leaf's name is an identifier
            self.name_parameters(child, f"{prefix}_{_NOT_IN_NAMES.sub('_', name)}")

    def call_module(self, module: Module, node: ast.Call) -> Value:
        return self.invoke(module, *self.arguments(node), node)

    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        """The module applied to these values (`model(x)`, or torch's jacobian calling it)."""
        if kwargs and (module.kind in LOSSES or module.kind in PAIRED):
            args = _by_position(module.kind, args, kwargs, node)  # loss(input=p, target=y)
        elif kwargs:
            raise error_at(node, "call a module with its inputs only")
        if module.kind in LOSSES or module.kind in PAIRED:
            if module.kind in THREE_INPUTS and len(args) != 3:
                raise error_at(node, f"nn.{module.kind} takes "
                                     f"{', '.join(get_op(module.op).inputs)}")
            if len(args) != 2 and module.kind not in THREE_INPUTS:
                raise error_at(node, f"nn.{module.kind} takes the input and the target"
                               if module.kind in LOSSES else f"nn.{module.kind} takes two "
                               "tensors")
            params = self.loss_options(module.op, args, dict(module.options), node)
            return self.op_node(module.op, args, params, node)
        if module.kind in PARAM_CONTAINERS:
            param_containers.called(module, node)
        if module.kind in ("ModuleList", "ModuleDict"):  # torch's own words: no forward
            raise raised_at(node, NotImplementedError(
                f'Module [{module.kind}] is missing the required "forward" function'))
        if len(args) != 1:
            raise error_at(node, f"nn.{module.kind} takes one input")
        value = args[0]
        if module.kind == "Sequential":
            for child in module.children:  # each called as torch calls it: with its hooks
                value = self.invoke(child, [value], {}, node)
            return value
        return self.apply(module, value, node)

    def apply(self, module: Module, value: Value, node: ast.Call) -> Value:
        if isinstance(value, Number | Py):
            raise error_at(node, "a module needs a tensor input")
        if module.kind in ACTIVATIONS and module.in_place:
            return self.unary_in_place(value, module.op, dict(module.options), node)
        if module.kind in ACTIVATIONS and module.op in ("softmax", "log_softmax") and \
                module.options.get("dim") is None:  # torch's implicit dim (it warns)
            ndim = self.concrete(value, node).dim()
            return self.op_node(module.op, [value], {"dim": 0 if ndim in (0, 1, 3) else 1}, node)
        if module.kind in ACTIVATIONS:
            return self.op_node(module.op, [value], dict(module.options), node)
        if module.kind == "Identity":
            return value
        if module.kind == "Flatten":
            return self.flattened(value, module.options, node)
        if module.kind == "Dropout":
            return self.dropped(value, module.options.get("p", 0.5), module.training, node)
        if module.kind == "Embedding":
            return self.embedded(value, module.params["weight"],
                                 module.options.get("padding_idx"), node,
                                 bool(module.options.get("scale_grad_by_freq", False)))
        if module.kind == "LayerNorm":  # its weight and bias are leaves: ln_weight, ln_bias
            return self.layer_normed(value, module.options["normalized_shape"],
                                     module.params.get("weight"), module.params.get("bias"),
                                     module.options["eps"], node)
        if module.kind == "Linear":
            weight, bias = module.params["weight"], module.params.get("bias")
            if bias is None:
                return self.op_node("matmul", [value, self.transpose_value(weight, node, False)],
                                    {}, node)
            return self.op_node("linear", [value, weight, bias], {}, node)
        # a Sequential (or another container) inside a Sequential: on the value it is given,
        # not on the outer call's own arguments
        return self.module_on(module, [value], {}, node)

    def embedded(self, indices: Value, weight: Value, padding_idx: Any,
                 node: ast.Call, by_freq: bool = False) -> Value:
        """The rows of the weight the indices pick (nn.Embedding, F.embedding). torch gives
        the padding_idx row no gradient: the rows are picked from where(that row, its
        detached numbers, weight), which holds the same numbers with the row's gradient cut.
        scale_grad_by_freq divides each row's gradient by how often the indices pick it: each
        pick is rows + (rows - rows.detach()) * (1 / count) - the same numbers, the gradient
        of a pick scaled by one over its row's count."""
        index, table = self.concrete(indices, node), self.concrete(weight, node)
        try:
            torch.nn.functional.embedding(index, table, padding_idx=padding_idx)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if padding_idx is not None and self.needs_grad(weight) and self.grad_enabled:
            row = torch.zeros(table.shape[0], *[1] * (table.dim() - 1), dtype=torch.bool)
            row[padding_idx] = True  # torch has checked it is a row of the weight
            frozen = self.op_node("detach", [weight], {}, node)
            weight = self.op_node("where", [self.from_tensor(row, node), frozen, weight], {},
                                  node)
        picked = self.index_value(weight, (index,), node)
        if not (by_freq and self.needs_grad(weight) and self.grad_enabled):
            return picked
        counts = torch.bincount(index.flatten(), minlength=table.shape[0])[index]
        share = (1.0 / counts.to(table.dtype)).unsqueeze(-1)
        frozen = self.op_node("detach", [picked], {}, node)
        moving = self.op_node("sub", [picked, frozen], {}, node)
        scaled = self.op_node("mul", [moving, self.from_tensor(share, node)], {}, node)
        return self.op_node("add", [frozen, scaled], {}, node)

    def flattened(self, value: Value, options: dict[str, Any], node: ast.Call) -> Value:
        """nn.Flatten(start_dim=1, end_dim=-1): a reshape to the shape torch gives."""
        t = self.concrete(value, node)
        try:
            shape = torch.nn.Flatten(**options)(t).shape
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.op_node("reshape", [value], {"shape": list(shape)}, node)

    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in ("nn.functional.normalize", "linalg.norm"):
            return self.normed(short, node)
        if short == "nn.functional.one_hot":  # integer classes: never carries a gradient
            return self.value_call(torch.nn.functional.one_hot, path, node)
        if short == "nn.functional.embedding":  # F.embedding(input, weight, padding_idx=)
            args, kwargs = self.arguments(node)
            named = dict(zip(("input", "weight", "padding_idx"), args, strict=False)) | kwargs
            if {"input", "weight"} - set(named) or set(named) - {
                    "input", "weight", "padding_idx", "scale_grad_by_freq"}:
                raise error_at(node, "F.embedding is read with the input, the weight, "
                                     "padding_idx= and scale_grad_by_freq=")
            return self.embedded(named["input"], named["weight"],
                                 self.plain(named.get("padding_idx", Py(None)), node), node,
                                 bool(self.plain(named.get("scale_grad_by_freq", Number(False)),
                                                 node)))
        if short in ("nn.functional.dropout", "dropout"):
            args, kwargs = self.arguments(node)  # F.dropout(x, p=0.5, training=True)
            named = dict(zip(("input", "p", "training"), args, strict=False)) | kwargs
            if "input" not in named or set(named) - {"input", "p", "training", "inplace"}:
                raise error_at(node, "F.dropout is read with the input, p= and training=")
            return self.dropped(named["input"], self.plain(named.get("p", Number(0.5)), node),
                                self.plain(named.get("training", Number(True)), node), node)
        return super().torch_call(path, node)

    def normed(self, short: str, node: ast.Call) -> Value:
        """F.normalize(x, p, dim, eps) as torch writes it (x / x.norm(p, dim,
        keepdim=True).clamp_min(eps)), and torch.linalg.norm(x, ord, dim) of a vector norm
        as the norm op; torch checks the arguments first and its words are quoted."""
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args[1:]]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items()}
        fn = torch.nn.functional.normalize if short.endswith("normalize") else torch.linalg.norm
        if not args:
            raise error_at(node, f"torch.{short} needs a tensor")
        try:
            fn(self.concrete(args[0], node), *plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        names = ("p", "dim", "eps") if fn is torch.nn.functional.normalize else (
            "ord", "dim", "keepdim")
        given = dict(zip(names, plain, strict=False)) | plain_kw
        if fn is torch.nn.functional.normalize:
            norm = self.op_node("norm", [args[0]], {"p": float(given.get("p", 2.0)),
                                                    "dim": given.get("dim", 1),
                                                    "keepdim": True}, node)
            floor = self.op_node("clamp", [norm], {"min": float(given.get("eps", 1e-12)),
                                                   "max": None}, node)
            return self.op_node("div", [args[0], floor], {}, node)
        order = given.get("ord")
        if set(given) - {"ord", "dim", "keepdim"} or not (
                order is None or isinstance(order, int | float) and (
                    isinstance(given.get("dim"), int) or self.concrete(args[0], node).dim() == 1)):
            if not (self.grad_enabled and self.needs_grad(args[0])):  # a matrix norm: torch's
                return self.value_call(fn, "torch.linalg.norm", node, evaluated=(args, kwargs))
            raise error_at(node, "torch.linalg.norm is read as a vector norm: ord= a number "
                                 "over one dim (or of a vector), or no ord")
        return self.op_node("norm", [args[0]], {"p": 2.0 if order is None else float(order),
                                                "dim": given.get("dim"),
                                                "keepdim": bool(given.get("keepdim", False))},
                            node)

    def dropped(self, value: Value, p: Any, training: Any, node: ast.Call) -> Value:
        """Dropout in training: the input times torch's own mask, drawn from the snippet's
        generator as torch draws it (bernoulli(1 - p) / (1 - p)); p = 0 or evaluation mode
        gives the input itself and draws nothing, as torch does."""
        if not isinstance(p, int | float) or not 0 <= p <= 1:
            raise raised_at(node, ValueError(f"dropout probability has to be between 0 and 1, "
                                             f"but got {p}"))
        if not training or p == 0:
            return value
        t = self.concrete(value, node)
        noise = torch.zeros_like(t) if p == 1 else \
            torch.empty_like(t).bernoulli_(1 - p, generator=self.generator).div_(1 - p)
        return self.op_node("mul", [value, self.from_tensor(noise, node)], {}, node)

__all__ = ["MODULES", "ModuleReader", "Pending"]


def _by_position(kind: str, args: list[Value], kwargs: dict[str, Value],
                 node: ast.Call) -> list[Value]:
    """The tensors of `criterion(input=p, target=y)` in the order of torch's forward, bound
    as Python binds them (its TypeError for a name forward has not)."""
    forward = getattr(torch.nn, kind).forward
    try:
        bound = inspect.signature(forward).bind(None, *args, **kwargs)
    except TypeError:
        stand_in = torch.zeros(1)
        try:  # the module itself, on stand-ins, for Python's words about the call
            forward(None, *[stand_in] * len(args), **dict.fromkeys(kwargs, stand_in))
        except TypeError as exc:
            raise raised_at(node, exc) from None
        raise
    return [v for name, v in bound.arguments.items() if name != "self"]
