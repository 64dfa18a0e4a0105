"""nn.RNN, nn.LSTM and nn.GRU (and their one-step cells), unrolled over time into the
registry's ops: each step is the layer's own formula (torch's documentation) on linear,
tanh, sigmoid, relu, products and sums, so the canvas shows backpropagation through time
and torch's autograd differentiates every step. Parameters are drawn by torch itself under
the snippet's seed (modules.py `layer`), under torch's names (weight_ih_l0, bias_hh_l0...).
Bidirectional layers, dropout between layers and LSTM projections are refused."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.layer_setup import LayerSetup
from engine.snippets.safety import error_at
from engine.snippets.values import Module, Number, Pending, Py, Ref, Value

RECURRENT = ("RNN", "LSTM", "GRU")
CELLS = ("RNNCell", "LSTMCell", "GRUCell")
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


class _NotRead(Exception):  # noqa: N818 - a form of the layer that is not read
    pass


class RecurrentLayers(LayerSetup):
    def kept_options(self, layer: torch.nn.Module) -> dict[str, Any]:
        if isinstance(layer, torch.nn.RNNBase | torch.nn.RNNCellBase):
            layers = int(getattr(layer, "num_layers", 1))
            if getattr(layer, "bidirectional", False) or getattr(layer, "proj_size", 0) or (
                    getattr(layer, "dropout", 0) and layers > 1):
                raise _NotRead("bidirectional=, dropout= and proj_size= are not read")
            return {"hidden_size": layer.hidden_size, "num_layers": layers,
                    "batch_first": getattr(layer, "batch_first", False),
                    "nonlinearity": getattr(layer, "nonlinearity", "tanh"), "bias": layer.bias}
        return super().kept_options(layer)

    def layer(self, kind: str, node: ast.Call, args: list[Value],
              kwargs: dict[str, Value]) -> Value:
        try:
            return super().layer(kind, node, args, kwargs)
        except _NotRead as exc:  # kept_options: a form not read
            raise error_at(node, f"nn.{kind}: {exc}") from None

    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        base = module.kind.removesuffix("Cell")
        if module.cls is not None or base not in GATES:
            return super().module_on(module, args, kwargs, node)
        if kwargs or not 1 <= len(args) <= 2:
            raise error_at(node, f"nn.{module.kind} is called with the input and, if you "
                                 "like, the starting hidden state")
        x, start = args[0], args[1] if len(args) == 2 else None
        if not isinstance(x, Pending | Ref):
            raise error_at(node, f"nn.{module.kind} needs a tensor input")
        if module.kind in CELLS:
            return self.cell_step(module, base, x, start, node)
        return self.unrolled(module, base, x, start, node)

    # ---- the layers ----------------------------------------------------------------------
    def unrolled(self, module: Module, base: str, x: Value, start: Value | None,
                 node: ast.Call) -> Value:
        """out, h_n (an LSTM: out, (h_n, c_n)), as torch returns them."""
        opts = module.options
        shape = tuple(self.concrete(x, node).shape)
        batched = len(shape) == 3
        if len(shape) not in (2, 3):
            raise error_at(node, f"nn.{module.kind} takes a 2-d or 3-d input, not "
                                 f"{len(shape)}-d")
        time_dim = 1 if batched and opts["batch_first"] else 0
        steps = shape[time_dim]
        layers = opts["num_layers"]
        h0, c0 = self.starting_states(base, start, layers, node)
        outputs: list[Value] = [self.at(x, time_dim, t, node) for t in range(steps)]
        last_h: list[Value] = []
        last_c: list[Value] = []
        for layer in range(layers):
            h: Value | None = h0[layer] if h0 else None
            c: Value | None = c0[layer] if c0 else None
            for t in range(steps):
                h, c = self.step(module, base, f"l{layer}", outputs[t], h, c, node)
                outputs[t] = h
            assert h is not None
            last_h.append(h)
            if c is not None:
                last_c.append(c)
        out = self.stacked(outputs, time_dim, node)
        h_n = self.stacked(last_h, 0, node)
        if base == "LSTM":
            return Py((out, Py((h_n, self.stacked(last_c, 0, node)))))
        return Py((out, h_n))

    def cell_step(self, module: Module, base: str, x: Value, start: Value | None,
                  node: ast.Call) -> Value:
        """One step of nn.RNNCell / GRUCell (h') or nn.LSTMCell ((h', c'))."""
        h = c = None
        if start is not None:
            if base == "LSTM":
                h, c = self.pair(start, node)
            else:
                h = start
        h, c = self.step(module, base, "", x, h, c, node)
        return Py((h, c)) if base == "LSTM" else h

    def starting_states(self, base: str, start: Value | None, layers: int,
                        node: ast.Call) -> tuple[list[Value], list[Value]]:
        if start is None or isinstance(start, Py) and start.value is None:  # lstm(x, None)
            return [], []
        if base == "LSTM":
            h0, c0 = self.pair(start, node)
            return ([self.at(h0, 0, k, node) for k in range(layers)],
                    [self.at(c0, 0, k, node) for k in range(layers)])
        return [self.at(start, 0, k, node) for k in range(layers)], []

    def pair(self, value: Value, node: ast.Call) -> tuple[Value, Value]:
        items = value.value if isinstance(value, Py) else None
        if not isinstance(items, tuple | list) or len(items) != 2:
            raise error_at(node, "an LSTM's starting state is the pair (h0, c0)")
        return items[0], items[1]

    # ---- one step, torch's formulas ------------------------------------------------------
    def step(self, module: Module, base: str, suffix: str, x: Value, h: Value | None,
             c: Value | None, node: ast.Call) -> tuple[Value, Value | None]:
        """h' (and c' of an LSTM) from the input x_t and the state; a missing state is 0,
        so its terms are left out (torch adds W·0 = 0)."""
        gi = self.affine(module, "ih", suffix, x, node)
        gh = self.affine(module, "hh", suffix, h, node) if h is not None else \
            self.hidden_bias(module, suffix, node)
        hidden = module.options["hidden_size"]
        if base == "RNN":
            total = self.add(gi, gh, node)
            act = "tanh" if module.options["nonlinearity"] == "tanh" else "relu"
            return self.op_node(act, [total], {}, node), None
        if base == "GRU":
            r = self.sig(self.add(self.part(gi, 0, hidden, node),
                                  self.part(gh, 0, hidden, node), node), node)
            z = self.sig(self.add(self.part(gi, 1, hidden, node),
                                  self.part(gh, 1, hidden, node), node), node)
            n = self.op_node("tanh", [self.add(self.part(gi, 2, hidden, node), self.mul(
                r, self.part(gh, 2, hidden, node), node), node)], {}, node)
            if h is None:  # h' = (1 − z) n + z · 0
                return self.mul(self.binop(ast.Sub(), Number(1), z, node), n, node), None
            return self.add(n, self.mul(z, self.binop(ast.Sub(), h, n, node), node), node), None
        gates = self.add(gi, gh, node)
        i, f, g, o = (self.part(gates, k, hidden, node) for k in range(4))
        new_c = self.mul(self.sig(i, node), self.op_node("tanh", [g], {}, node), node)
        if c is not None:
            new_c = self.add(self.mul(self.sig(f, node), c, node), new_c, node)
        return self.mul(self.sig(o, node), self.op_node("tanh", [new_c], {}, node), node), new_c

    def affine(self, module: Module, which: str, suffix: str, v: Value,
               node: ast.Call) -> Value:
        name = f"weight_{which}{'_' + suffix if suffix else ''}"
        weight = module.params[name]
        bias = module.params.get(name.replace("weight", "bias"))
        if bias is None:
            return self.op_node("matmul", [v, self.transpose_value(weight, node, False)], {},
                                node)
        return self.op_node("linear", [v, weight, bias], {}, node)

    def hidden_bias(self, module: Module, suffix: str, node: ast.Call) -> Value:
        """W_hh · 0 + b_hh: the hidden bias alone (zeros without one)."""
        bias = module.params.get(f"bias_hh{'_' + suffix if suffix else ''}")
        if bias is not None:
            return bias
        size = GATES[module.kind.removesuffix("Cell")] * module.options["hidden_size"]
        return self.from_tensor(torch.zeros(size), node)

    def part(self, v: Value, k: int, hidden: int, node: ast.Call) -> Value:
        """The k-th gate's slice of the last dimension."""
        ndim = self.concrete(v, node).dim()
        key = (slice(None),) * (ndim - 1) + (slice(k * hidden, (k + 1) * hidden),)
        return self.index_value(v, key, node)

    def at(self, v: Value, dim: int, t: int, node: ast.Call) -> Value:
        return self.index_value(v, (slice(None),) * dim + (t,), node)

    def stacked(self, items: list[Value], dim: int, node: ast.Call) -> Value:
        parts = [self.unsqueezed(v, dim, node) for v in items]
        out = parts[0]
        for more in parts[1:]:
            out = self.op_node("cat", [out, more], {"dim": dim}, node)
        return out

    def unsqueezed(self, v: Value, dim: int, node: ast.Call) -> Value:
        shape = list(self.concrete(v, node).shape)
        shape.insert(dim, 1)
        return self.op_node("reshape", [v], {"shape": shape}, node)

    def add(self, a: Value, b: Value, node: ast.Call) -> Value:
        return self.binop(ast.Add(), a, b, node)

    def mul(self, a: Value, b: Value, node: ast.Call) -> Value:
        return self.binop(ast.Mult(), a, b, node)

    def sig(self, v: Value, node: ast.Call) -> Value:
        return self.op_node("sigmoid", [v], {}, node)


__all__ = ["CELLS", "RECURRENT", "RecurrentLayers"]
