"""Mixed precision as a script written for a GPU reads on the CPU where Gradflow computes:
a GradScaler and an autocast block that are off change no number, and that is how torch
leaves them on a machine without CUDA (a "cuda" GradScaler or autocast warns and disables
itself; so does one given enabled=False).

A disabled GradScaler does what torch's does: `scaler.scale(loss)` is loss itself,
`scaler.unscale_(opt)` and `scaler.update()` do nothing, `scaler.step(opt)` is
`opt.step()`. A disabled autocast block is its body. One that stays on (a GradScaler or
autocast for the CPU) is refused with why: an enabled scaler multiplies the loss and skips
steps with inf or NaN grads, CPU autocast computes in bfloat16; neither is what Gradflow
shows.
"""

from __future__ import annotations

import ast
import inspect
import warnings
from dataclasses import dataclass
from typing import Any

import torch

from engine.snippets.linalg_values import LinalgValues
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Number, Py, Value

# torch.<path> of each GradScaler class, and the device its own class is for
SCALERS = {"amp.GradScaler": None, "GradScaler": None, "cuda.amp.GradScaler": "cuda",
           "cpu.amp.GradScaler": "cpu"}
AUTOCASTS = {"autocast": None, "amp.autocast": None, "cuda.amp.autocast": "cuda",
             "cpu.amp.autocast": "cpu"}
_SCALER_METHODS = ("scale", "unscale_", "step", "update", "get_scale", "is_enabled")
_ON_A_GPU = ("write enabled=False: mixed precision on a GPU is outside what Gradflow reads, "
             "as it computes on the CPU")


@dataclass
class DisabledScaler:
    """A GradScaler torch made disabled: its methods hand things through unchanged."""

    path: str


def _resolved(short: str) -> Any:
    found: Any = torch
    for part in short.split("."):
        found = getattr(found, part)
    return found


class MixedPrecision(LinalgValues):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in SCALERS:
            return self.grad_scaler(short, node)
        if short in AUTOCASTS:
            raise error_at(node, f"{short_text(node)} is read as a with-block: "
                                 f"with {short_text(node)}: ...")
        return super().torch_call(path, node)

    def grad_scaler(self, short: str, node: ast.Call) -> Value:
        """Torch's own GradScaler, made with the script's arguments as on a CPU-only machine:
        for "cuda" torch disables it (with a warning); else it is made to see if it is on."""
        options = self.torch_arguments(short, node)
        device = SCALERS[short] or options.get("device", "cuda")
        if device != "cuda" and options.get("enabled", True):
            if self.made_quietly(short, options, node).is_enabled():
                raise error_at(node, f"{short_text(node)} is enabled: it multiplies the loss "
                                     "by a scale, divides the grads back and skips a step "
                                     "whose grads hold inf or NaN, which Gradflow does not "
                                     "show; " + _ON_A_GPU)
        return Py(DisabledScaler(f"torch.{short}"))

    def torch_arguments(self, short: str, node: ast.Call) -> dict[str, Any]:
        """The call's arguments by name, as Python binds them to the torch class (its
        TypeError for an unknown one)."""
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        named = {k: self.plain(v, node) for k, v in kwargs.items()}
        try:
            return dict(inspect.signature(_resolved(short)).bind(*plain, **named).arguments)
        except TypeError as exc:
            found = exc
        try:  # Python's own words, raised before the class's body runs
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _resolved(short)(*plain, **named)
        except TypeError as python:
            found = python
        raise raised_at(node, found) from None

    # ---- with torch.autocast(...) -----------------------------------------------------
    def with_block(self, stmt: ast.With) -> None:
        context = stmt.items[0].context_expr if len(stmt.items) == 1 else None
        path = self.module_path(context.func) if isinstance(context, ast.Call) else None
        short = path.removeprefix("torch.") if path is not None else None
        if short not in AUTOCASTS or not isinstance(context, ast.Call):
            super().with_block(stmt)
            return
        if stmt.items[0].optional_vars is not None:
            raise error_at(stmt, f"{short_text(context)} is read as `with "
                                 f"{short_text(context)}:` (without as)")
        if self.autocast_on(short, context):
            raise error_at(context, f"{short_text(context)} is on: inside it torch computes "
                                    "matmuls, linear layers and convolutions in a lower "
                                    "precision (bfloat16 on the CPU), dtypes Gradflow does not "
                                    "follow; " + _ON_A_GPU)
        self.run_block(stmt.body)

    def autocast_on(self, short: str, node: ast.Call) -> bool:
        """Whether torch's autocast, made with the script's arguments, stays on. For "cuda"
        torch turns it off on a machine without CUDA, as Gradflow's CPU is; it is made off
        so torch still checks the arguments."""
        options = self.torch_arguments(short, node)
        device = AUTOCASTS[short] or options.get("device_type")
        if device == "cuda":
            options["enabled"] = False
        return bool(self.made_quietly(short, options, node)._enabled)

    def made_quietly(self, short: str, options: dict[str, Any], node: ast.Call) -> Any:
        """torch's own scaler or autocast made with these arguments, its warnings (CUDA is
        not available) kept off the console; its errors raised in its words."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _resolved(short)(**options)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None

    # ---- scaler.scale(loss), scaler.step(opt) ----------------------------------------
    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, DisabledScaler):
            return self.scaler_method(attr, node)
        return super().method(receiver, attr, node)

    def scaler_method(self, attr: str, node: ast.Call) -> Value:
        if attr not in _SCALER_METHODS:
            raise error_at(node, f"{short_text(node)}: a GradScaler is read with "
                                 f"{', '.join(f'.{m}()' for m in _SCALER_METHODS)}")
        if attr == "step":  # torch's disabled step: optimizer.step(*args, **kwargs)
            given = node.args[0] if node.args else next(
                (kw.value for kw in node.keywords if kw.arg == "optimizer"), None)
            if given is None:
                raise raised_at(node, TypeError("GradScaler.step() missing 1 required "
                                                "positional argument: 'optimizer'"))
            step = ast.copy_location(ast.Call(
                func=ast.copy_location(ast.Attribute(value=given, attr="step",
                                                     ctx=ast.Load()), node),
                args=node.args[1:], keywords=[k for k in node.keywords
                                              if k.arg != "optimizer"]), node)
            return self.expr(step)
        args, kwargs = self.arguments(node)
        if attr == "scale":
            outputs = args[0] if args else kwargs.get("outputs")
            if outputs is None or len(args) + len(kwargs) != 1:
                raise raised_at(node, TypeError("GradScaler.scale() takes one argument: "
                                                "outputs"))
            return outputs  # disabled: the outputs themselves
        if attr == "get_scale":
            return Number(1.0)
        if attr == "is_enabled":
            return Number(False)
        return Py(None)  # unscale_, update: nothing when disabled


__all__ = ["DisabledScaler", "MixedPrecision"]
