"""`torch.autograd.gradcheck(f, inputs)` and `gradgradcheck`, asked of torch itself.

f (a def, a lambda, an nn module or a torch function) is read on copies of the inputs as
torch.func's f is (func_reading.py); torch's gradcheck is then handed a plain Python callable
that recomputes those nodes of the graph with torch's own ops (engine/pure_forward.py), with
the inputs' numbers, dtypes and requires_grad. So the answer is torch's: True, False with
raise_exception=False, or torch's GradcheckError (or any other error) at the line, where the
plain script stops. Nothing is executed from the snippet's text."""

from __future__ import annotations

import ast
import warnings
from typing import Any

import torch

from engine.pure_forward import ForwardError, PureForward
from engine.snippets.forward_ad import ForwardADReader
from engine.snippets.func_names import CHECKS
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Pending, Py, Ref, Value

_TENSOR_OPTIONS = ("grad_outputs",)


class GradcheckReader(ForwardADReader):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        if path not in CHECKS:
            return super().torch_call(path, node)
        name = path.rsplit(".", 1)[1]
        args, kwargs = self.arguments(node)
        given = dict(zip(("func", "inputs", "grad_outputs"), args, strict=False))
        if len(args) > (3 if name == "gradgradcheck" else 2) or set(given) & set(kwargs):
            raise error_at(node, f"{path} is read as {name}(f, inputs, option=...)")
        given.update(kwargs)
        if "func" not in given or "inputs" not in given:
            raise error_at(node, f"{path} needs f and its inputs")
        options: dict[str, Any] = {}
        for key, value in given.items():
            if key in ("func", "inputs"):
                continue
            if key in _TENSOR_OPTIONS:
                options[key] = self.check_tensors(value, node)
            else:
                options[key] = self.plain(value, node)
        inputs = given["inputs"]
        items: list[Value] = self.tuple_of(inputs, node, "gradcheck's inputs") \
            if isinstance(inputs, Py) else [inputs]
        positions = [i for i, v in enumerate(items) if isinstance(v, Pending | Ref)]
        for p in positions:
            self.node_of(items[p], node)
        made = len(self.program)
        copies, returned = self.on_copies(given["func"], items, {}, positions, node)
        if len(self.program) != made:
            raise error_at(node, f"{name}'s f makes a call of its own (a backward or grad): "
                                 "Gradflow reads f as a plain computation")
        outs = list(returned.value) if isinstance(returned, Py) and isinstance(
            returned.value, tuple) else [returned]
        if not outs or not all(isinstance(v, Pending | Ref) for v in outs):
            raise error_at(node, f"{name}'s f must return a tensor or a tuple of tensors")
        fwd = PureForward(self.doc.clone(), copies, [self.node_of(v, node) for v in outs])

        def f(*inputs: Any) -> Any:
            got = fwd(*(inputs[p] for p in positions))
            return got if len(outs) > 1 or isinstance(returned, Py) else got[0]

        numbers = [self.check_tensor(v, node) if i in positions else self.concrete(v, node)
                   for i, v in enumerate(items)]
        # gradgradcheck draws its grad_outputs from torch's generator: the snippet's numbers
        # after it are the ones the plain script draws
        outside = torch.get_rng_state()
        torch.set_rng_state(self.generator.get_state())
        try:
            with warnings.catch_warnings():  # torch's advice on float32 is for the console
                warnings.simplefilter("ignore")
                answer = getattr(torch.autograd, name)(f, tuple(numbers), **options)
        except ForwardError as exc:
            raise raised_at(node, exc.__cause__ or exc) from None
        except Exception as exc:  # noqa: BLE001 - torch's own words, GradcheckError included
            raise raised_at(node, exc) from None
        finally:
            self.generator.set_state(torch.get_rng_state())
            torch.set_rng_state(outside)
        return Number(bool(answer))

    def check_tensor(self, value: Value, node: ast.AST) -> torch.Tensor:
        """The input as torch gets it from the plain script: its numbers, its dtype, a
        fresh leaf requiring grad as the snippet's tensor does."""
        given = self.concrete(value, node).detach()
        numbers = given.clone()
        strides = value.overlapping if isinstance(value, Pending) and \
            value.overlapping is not None else given.stride()
        if any(st == 0 and size > 1 for st, size in zip(strides, given.shape, strict=True)):
            # an expanded tensor shares memory between elements: torch's check says so
            numbers = numbers.as_strided(numbers.shape, strides)
        return numbers.requires_grad_() if self.needs_grad(value) else numbers

    def check_tensors(self, value: Value, node: ast.AST) -> Any:
        if isinstance(value, Py) and isinstance(value.value, tuple | list):
            return tuple(None if isinstance(v, Py) and v.value is None else
                         self.check_tensor(v, node) for v in value.value)
        return None if isinstance(value, Py) and value.value is None else \
            self.check_tensor(value, node)


__all__ = ["GradcheckReader"]
