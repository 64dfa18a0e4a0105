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
from engine.snippets.values import Module, Pending, Py, Ref, Value

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
        """out, h_n (an LSTM: out, (h_n, c_n)), as torch returns them. As torch does on the
        CPU, each layer projects its whole input sequence at once (time first) and steps
        through the projection, so sums over time are taken in torch's order."""
        opts = module.options
        shape = tuple(self.concrete(x, node).shape)
        if len(shape) not in (2, 3):
            raise error_at(node, f"nn.{module.kind} takes a 2-d or 3-d input, not "
                                 f"{len(shape)}-d")
        batched = len(shape) == 3
        if not batched:  # torch adds a batch of one and takes it away at the end
            x = self.unsqueezed(x, 1, node)
        elif opts["batch_first"]:
            x = self.op_node("transpose", [x], {"dim0": 0, "dim1": 1}, node)
        steps = shape[0 if not batched or not opts["batch_first"] else 1]
        layers = opts["num_layers"]
        h0, c0 = self.starting_states(base, start, layers, batched, node)
        sequence = x
        last_h: list[Value] = []
        last_c: list[Value] = []
        for layer in range(layers):
            h: Value | None = h0[layer] if h0 else None
            c: Value | None = c0[layer] if c0 else None
            projected = self.affine(module, "ih", f"l{layer}", sequence, node)
            outputs: list[Value] = []
            for t in range(steps):
                h, c = self.step(module, base, f"l{layer}", self.at(projected, 0, t, node),
                                 h, c, node)
                outputs.append(h)
            sequence = self.stacked(outputs, 0, node)
            assert h is not None
            last_h.append(h)
            if c is not None:
                last_c.append(c)
        out = sequence
        if not batched:
            out = self.squeezed(out, 1, node)
        elif opts["batch_first"]:
            out = self.op_node("transpose", [out], {"dim0": 0, "dim1": 1}, node)

        def final(last: list[Value]) -> Value:  # (layers, batch, hidden), as torch returns
            stacked = self.stacked(last, 0, node)
            return stacked if batched else self.squeezed(stacked, 1, node)

        if base == "LSTM":
            return Py((out, Py((final(last_h), final(last_c)))))
        return Py((out, final(last_h)))

    def cell_step(self, module: Module, base: str, x: Value, start: Value | None,
                  node: ast.Call) -> Value:
        """One step of nn.RNNCell / GRUCell (h') or nn.LSTMCell ((h', c'))."""
        h = c = None
        if start is not None:
            if base == "LSTM":
                h, c = self.pair(start, node)
            else:
                h = start
        gi = self.affine(module, "ih", "", x, node)
        h, c = self.step(module, base, "", gi, h, c, node)
        return Py((h, c)) if base == "LSTM" else h

    def starting_states(self, base: str, start: Value | None, layers: int, batched: bool,
                        node: ast.Call) -> tuple[list[Value], list[Value]]:
        if start is None or isinstance(start, Py) and start.value is None:  # lstm(x, None)
            return [], []
        states: tuple[Value, ...] = self.pair(start, node) if base == "LSTM" else (start,)
        if not batched:
            states = tuple(self.unsqueezed(s, 1, node) for s in states)
        per_layer = [[self.at(s, 0, k, node) for k in range(layers)] for s in states]
        return per_layer[0], per_layer[1] if base == "LSTM" else []

    def pair(self, value: Value, node: ast.Call) -> tuple[Value, Value]:
        items = value.value if isinstance(value, Py) else None
        if not isinstance(items, tuple | list) or len(items) != 2:
            raise error_at(node, "an LSTM's starting state is the pair (h0, c0)")
        return items[0], items[1]

    # ---- one step, torch's formulas ------------------------------------------------------
    def step(self, module: Module, base: str, suffix: str, gi: Value, h: Value | None,
             c: Value | None, node: ast.Call) -> tuple[Value, Value | None]:
        """h' (and c' of an LSTM) from the input's projection gi = W_ih x_t + b_ih and the
        state, in the order of torch's CPU cells (aten RNN.cpp), so the numbers agree to the
        last bit. A missing state is zeros, as in torch, where W_hh then gets a .grad of
        zeros; a missing LSTM cell state's term f·0 is left out."""
        hidden = module.options["hidden_size"]
        if h is None:
            rows = self.concrete(gi, node).shape[:-1]
            h = zeros = self.from_tensor(torch.zeros(*rows, hidden), node)
            zeros.name = self.unique("h0")  # the starting state torch makes
        gh = self.affine(module, "hh", suffix, h, node)
        if base == "RNN":
            total = self.add(gh, gi, node)
            act = "tanh" if module.options["nonlinearity"] == "tanh" else "relu"
            return self.op_node(act, [total], {}, node), None
        if base == "GRU":
            # r and z are squashed on column slices of one sum, as torch's in-place chunks
            gates = self.add(gh, gi, node)
            r = self.sig(self.part(gates, 0, hidden, node), node)
            z = self.sig(self.part(gates, 1, hidden, node), node)
            n = self.op_node("tanh", [self.add(self.part(gi, 2, hidden, node), self.mul(
                self.part(gh, 2, hidden, node), r, node), node)], {}, node)
            return self.add(self.mul(self.binop(ast.Sub(), h, n, node), z, node), n,
                            node), None  # h' = (h − n) z + n
        gates = self.add(gh, gi, node)
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

    def squeezed(self, v: Value, dim: int, node: ast.Call) -> Value:
        shape = list(self.concrete(v, node).shape)
        del shape[dim]
        return self.op_node("reshape", [v], {"shape": shape}, node)

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
