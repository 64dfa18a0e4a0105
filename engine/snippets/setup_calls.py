"""The set-up lines a learner's script opens with, which change no number on the CPU where
Gradflow computes: seeding CUDA (`torch.cuda.manual_seed_all`), asking for an accelerator
(`torch.accelerator.is_available()`, `torch.backends.mps.is_available()`: none here, as on a
CPU-only machine), `torch.set_default_device('cpu')`, determinism and thread-count switches.
`torch.set_default_dtype` to anything but float32 changes every tensor made after it and is
refused with how to write it instead. `torch.finfo(torch.float32).max` and `torch.iinfo(...)`
give a dtype's own numbers (an early stop starts from best = torch.finfo().max), as torch does.
"""

from __future__ import annotations

import ast

import torch

from engine.snippets.pyexpr import PythonReader
from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.values import Number, Py, Value

# torch.<path>: what it gives on a machine without CUDA or another accelerator
NO_ACCELERATOR: dict[str, Value] = {
    "cuda.device_count": Number(0), "backends.mps.is_available": Number(False),
    "backends.mps.is_built": Number(False), "accelerator.is_available": Number(False),
    "accelerator.device_count": Number(0), "accelerator.current_accelerator": Py(None),
    "backends.cudnn.is_available": Number(False),
}
# functions torch 2 removed but keeps as stubs that raise, saying what replaced them
REMOVED = frozenset({"lstsq", "symeig", "eig", "solve", "matrix_rank"})
# calls that change nothing Gradflow computes (the reader still reads their arguments)
NOTHING_TO_DO = frozenset({
    "cuda.manual_seed", "cuda.manual_seed_all", "cuda.empty_cache", "random.manual_seed",
    "use_deterministic_algorithms", "set_num_threads", "set_num_interop_threads",
    "set_float32_matmul_precision", "set_flush_denormal",
})

# torch.finfo(dtype), torch.iinfo(dtype): the objects torch makes, and what is read of them
TYPE_INFO = {"finfo": torch.finfo, "iinfo": torch.iinfo}
TYPE_INFO_ATTRIBUTES = frozenset({"bits", "eps", "max", "min", "tiny", "smallest_normal",
                                  "resolution", "dtype"})


class SetupCalls(PythonReader):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in NO_ACCELERATOR and not node.args and not node.keywords:
            return NO_ACCELERATOR[short]
        if short in NOTHING_TO_DO:
            if short == "random.manual_seed":
                return super().torch_call("torch.manual_seed", node)
            self.arguments(node)
            return Py(None)
        if short in REMOVED:  # torch.lstsq of torch 1: its stub raises, as in the script
            args, kwargs = self.arguments(node)
            try:
                getattr(torch, short)(*(self.concrete(a, node) for a in args),
                                      **{k: self.concrete(v, node) for k, v in kwargs.items()})
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        if short == "get_default_dtype" and not node.args and not node.keywords:
            return Py(torch.float32)
        if short == "set_default_device":
            args, kwargs = self.arguments(node)
            self.cpu_only(args[0] if args else kwargs.get("device", Py(None)), node)
            return Py(None)
        if short == "set_default_tensor_type":  # deprecated; torch.FloatTensor is the default
            args, _ = self.arguments(node)
            given = args[0].value if args and isinstance(args[0], Py) else None
            if given in ("torch.FloatTensor", "FloatTensor") or \
                    getattr(given, "__name__", None) == "FloatTensor" or \
                    getattr(given, "value", None) is torch.float32:
                return Py(None)
        if short == "set_default_dtype" or short == "set_default_tensor_type":
            args, _ = self.arguments(node)
            if short == "set_default_dtype" and args and isinstance(args[0], Py) and \
                    args[0].value is torch.float32:
                return Py(None)
            raise error_at(node, f"{short_text(node)} changes the dtype of every tensor made "
                                 "after it, which Gradflow does not read; give the dtype on "
                                 "each tensor instead, e.g. torch.tensor([1.0], "
                                 "dtype=torch.float64)")
        if short in TYPE_INFO:
            args, kwargs = self.arguments(node)
            given = [self.concrete(a, node) for a in args]
            options = {k: self.concrete(v, node) for k, v in kwargs.items()}
            try:  # torch's own: finfo() of the default dtype, its TypeError for an int dtype
                return Py(TYPE_INFO[short](*given, **options))
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        return super().torch_call(path, node)

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        """torch.finfo(torch.float32).eps: the number torch gives; a torch.device's .type
        and .index (`device.type == "cuda"` picks the CPU branch, as cuda.is_available())."""
        if isinstance(value.value, torch.device):
            if attr not in ("type", "index"):
                raise raised_at(node, AttributeError(
                    f"'torch.device' object has no attribute '{attr}'"))
            return self.wrap(getattr(value.value, attr), node)
        if isinstance(value.value, torch.finfo | torch.iinfo):
            info = value.value
            if attr not in TYPE_INFO_ATTRIBUTES or not hasattr(info, attr):
                raise raised_at(node, AttributeError(
                    f"'{type(info).__module__}.{type(info).__name__}' object has no "
                    f"attribute '{attr}'"))
            return self.wrap(getattr(info, attr), node)
        return super().plain_attribute(value, attr, node)
