"""The set-up lines a learner's script opens with, which change no number on the CPU where
Gradflow computes: seeding CUDA (`torch.cuda.manual_seed_all`), asking for an accelerator
(`torch.accelerator.is_available()`, `torch.backends.mps.is_available()`: none here, as on a
CPU-only machine), `torch.set_default_device('cpu')`, determinism and thread-count switches.
`torch.set_default_dtype` to anything but float32 changes every tensor made after it and is
refused with how to write it instead.
"""

from __future__ import annotations

import ast

import torch

from engine.snippets.pyexpr import PythonReader
from engine.snippets.safety import error_at, short_text
from engine.snippets.values import Number, Py, Value

# torch.<path>: what it gives on a machine without CUDA or another accelerator
NO_ACCELERATOR: dict[str, Value] = {
    "cuda.device_count": Number(0), "backends.mps.is_available": Number(False),
    "backends.mps.is_built": Number(False), "accelerator.is_available": Number(False),
    "accelerator.device_count": Number(0), "accelerator.current_accelerator": Py(None),
    "backends.cudnn.is_available": Number(False),
}
# calls that change nothing Gradflow computes (the reader still reads their arguments)
NOTHING_TO_DO = frozenset({
    "cuda.manual_seed", "cuda.manual_seed_all", "cuda.empty_cache", "random.manual_seed",
    "use_deterministic_algorithms", "set_num_threads", "set_num_interop_threads",
    "set_float32_matmul_precision", "set_flush_denormal",
})


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
        if short == "get_default_dtype" and not node.args and not node.keywords:
            return Py(torch.float32)
        if short == "set_default_device":
            args, kwargs = self.arguments(node)
            self.cpu_only(args[0] if args else kwargs.get("device", Py(None)), node)
            return Py(None)
        if short == "set_default_dtype":
            args, _ = self.arguments(node)
            if args and isinstance(args[0], Py) and args[0].value is torch.float32:
                return Py(None)
            raise error_at(node, f"{short_text(node)} changes the dtype of every tensor made "
                                 "after it, which Gradflow does not read; give the dtype on "
                                 "each tensor instead, e.g. torch.tensor([1.0], "
                                 "dtype=torch.float64)")
        return super().torch_call(path, node)
