"""Learning-rate schedulers of a training loop: `torch.optim.lr_scheduler.StepLR(optimizer,
step_size=2, gamma=0.5)` and the others are torch's own, made on the real torch optimizer the
snippet's optimizer stands for (optimizer_steps.py), so `scheduler.step()` changes the lr the
next `optimizer.step()` uses exactly as in the script, and `get_last_lr()` is torch's answer.
A LambdaLR's function (a lambda or def of the snippet) is read by the importer at each call,
never run by Python. ReduceLROnPlateau's `step(loss)` takes the loss's number."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.optimizer_steps import OptimizerSteps
from engine.snippets.optimizers import Optimizer
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Number, Py, Value

_PREFIX = "torch.optim.lr_scheduler."
# the options that take a function of the epoch (LambdaLR, MultiplicativeLR)
_FUNCTION_OPTIONS = ("lr_lambda",)


@dataclass
class Scheduler:
    """A torch lr scheduler made on the optimizer's real torch optimizer."""

    kind: str
    real: Any


class SchedulerReader(OptimizerSteps):
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and path.startswith(_PREFIX) and _scheduler(path):
            return self.scheduler(path.removeprefix(_PREFIX), node)
        return super().call(node)

    def scheduler(self, kind: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.pop("optimizer", None)
        if not (isinstance(given, Py) and isinstance(given.value, Optimizer)):
            raise error_at(node, f"torch.optim.lr_scheduler.{kind} is read with an optimizer "
                                 "of the snippet first")
        self.real_tensors(given.value, node)  # the real optimizer the scheduler changes
        options = [self.option(a, node) for a in args[1:]]
        named = {k: self.option(v, node) for k, v in kwargs.items()}
        try:
            made = getattr(torch.optim.lr_scheduler, kind)(given.value.real, *options, **named)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(Scheduler(kind, made))

    def option(self, value: Value, node: ast.Call) -> Any:
        """A plain option, or the snippet's function of the epoch as a callable that the
        importer reads at each call (LambdaLR's lr_lambda)."""
        if isinstance(value, Py) and isinstance(value.value, Function):
            fn = value.value

            def of_epoch(epoch: int) -> Any:
                return self.plain(self.inline(fn, [Number(epoch)], {}, node), node)
            return of_epoch
        if isinstance(value, Py) and isinstance(value.value, list) and value.value and all(
                isinstance(v, Py) and isinstance(v.value, Function) for v in value.value):
            return [self.option(v, node) for v in value.value]
        return self.plain(value, node)

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Scheduler):
            return self.scheduler_method(receiver.value, attr, node)
        return super().method(receiver, attr, node)

    def scheduler_method(self, scheduler: Scheduler, attr: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if attr == "step":
            metric = [self.number_of(a, node) for a in args]
            try:
                scheduler.real.step(*metric, **{k: self.number_of(v, node)
                                                for k, v in kwargs.items()})
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
            return Py(None)
        if attr == "get_last_lr" and not args and not kwargs:
            return self.wrap(list(scheduler.real.get_last_lr()), node)
        raise error_at(node, f".{attr}() of a learning-rate scheduler is not read; its step() "
                             "and get_last_lr() are")

    def number_of(self, value: Value, node: ast.Call) -> Any:
        """A metric given to step(): a Python number, or a one-element tensor's number."""
        found = self.concrete(value, node)
        return found.item() if isinstance(found, torch.Tensor) else found



def _scheduler(path: str) -> bool:
    found = getattr(torch.optim.lr_scheduler, path.removeprefix(_PREFIX), None)
    return isinstance(found, type) and issubclass(found, torch.optim.lr_scheduler.LRScheduler)


__all__ = ["Scheduler", "SchedulerReader"]
