"""torch.optim.lr_scheduler schedulers (StepLR, LambdaLR, ExponentialLR...): torch's own
scheduler on the real optimizer the snippet's optimizer stands for (optimizer_steps.py), so
`scheduler.step()` changes the learning rate the next `optimizer.step()` uses exactly as in
the script. A lambda or def the scheduler calls (LambdaLR's lr_lambda) is the snippet's own,
read by the importer each time torch calls it; `get_last_lr()` and `get_lr()` give torch's
numbers."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.optimizers import Optimizer
from engine.snippets.plain_steps import PlainSteps
from engine.snippets.safety import ImportError_, TorchRaised, error_at, raised_at
from engine.snippets.values import Function, Number, Py, Value

_PATH = "torch.optim.lr_scheduler."
_READ_METHODS = ("step", "get_last_lr", "get_lr")


@dataclass
class Scheduler:
    kind: str
    real: Any  # torch's scheduler, on the optimizer's real torch optimizer


class SchedulerReader(PlainSteps):
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and path.startswith(_PATH) and _scheduler(path):
            return self.scheduler(path.removeprefix(_PATH), node)
        return super().call(node)

    def scheduler(self, kind: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.pop("optimizer", None)
        if not (isinstance(given, Py) and isinstance(given.value, Optimizer)):
            raise error_at(node, f"{kind} is read with one of the snippet's optimizers first")
        optimizer: Optimizer = given.value
        self.real_tensors(optimizer, node)  # the optimizer its steps will use, made now
        options = [self.for_torch(a, node) for a in args[1:]]
        named = {k: self.for_torch(v, node) for k, v in kwargs.items()}
        try:
            real = getattr(torch.optim.lr_scheduler, kind)(optimizer.real, *options, **named)
        except (ImportError_, TorchRaised):
            raise  # the script's own lambda refused or raised, in its own words
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(Scheduler(kind, real))

    def for_torch(self, value: Value, where: ast.Call) -> Any:
        """A plain value, or the snippet's own function as one torch can call: LambdaLR's
        lr_lambda gets the epoch and must give a number."""
        if isinstance(value, Py) and isinstance(value.value, Scheduler):
            return value.value.real  # SequentialLR(optimizer, schedulers=[...]): torch's own
        if isinstance(value, Py) and isinstance(value.value, list | tuple) and any(
                isinstance(v, Py) and isinstance(v.value, Scheduler) for v in value.value):
            return [self.for_torch(v, where) for v in value.value]
        if isinstance(value, Py) and isinstance(value.value, Function):
            fn = value.value
            return lambda *given: self.plain(self.inline(
                fn, [Number(g) for g in given], {}, where), where)
        return self.plain(value, where)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Scheduler):
            return self.scheduler_method(receiver.value, attr, node)
        return super().method(receiver, attr, node)

    def scheduler_method(self, scheduler: Scheduler, attr: str, node: ast.Call) -> Value:
        if attr not in _READ_METHODS:
            raise error_at(node, f"{ast.unparse(node)}: a scheduler is read with "
                                 f"{', '.join(f'.{m}()' for m in _READ_METHODS)}")
        args, kwargs = self.arguments(node)
        try:
            answer = getattr(scheduler.real, attr)(
                *(self.plain(a, node) for a in args),
                **{k: self.plain(v, node) for k, v in kwargs.items()})
        except (ImportError_, TorchRaised):
            raise
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(None) if answer is None else self.wrap(answer, node)


def _scheduler(path: str) -> bool:
    found = getattr(torch.optim.lr_scheduler, path.removeprefix(_PATH), None)
    return isinstance(found, type) and issubclass(found, torch.optim.lr_scheduler.LRScheduler)


__all__ = ["Scheduler", "SchedulerReader"]
