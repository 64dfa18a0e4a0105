"""The set-up lines a learner's script opens with, which change no number on the CPU where
Gradflow computes: seeding CUDA (`torch.cuda.manual_seed_all`), asking for an accelerator
(`torch.accelerator.is_available()`, `torch.backends.mps.is_available()`: none here, as on a
CPU-only machine), `torch.set_default_device('cpu')`, determinism and thread-count switches.
`torch.set_default_dtype(torch.float64)` switches torch's default for the rest of the reading
(engine/torch_defaults.py), so what follows is made in float64 as in the script.
`torch.finfo(torch.float32).max` and `torch.iinfo(...)` give a dtype's own numbers (an early
stop starts from best = torch.finfo().max), as torch does.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.document import Document
from engine.ops import get_op
from engine.snippets.pyexpr import PythonReader
from engine.snippets.safety import ImportError_, error_at, raised_at, short_text
from engine.snippets.values import Number, Py, Ref, Value
from engine.torch_defaults import dtype_left_to_default, switch_default_dtype, switched

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

# set_default_tensor_type's CPU types: the default dtype each gives
DEFAULT_TENSOR_TYPES = {"FloatTensor": torch.float32, "DoubleTensor": torch.float64}
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
        if short == "Size":  # torch.Size([500, 1]): a shape, the tuple of its sizes
            args, kwargs = self.arguments(node)
            try:
                return self.wrap(tuple(torch.Size(*(self.plain(a, node) for a in args),
                                                  **{k: self.plain(v, node)
                                                     for k, v in kwargs.items()})), node)
            except (TypeError, ValueError) as exc:  # torch's own words
                raise raised_at(node, exc) from None
        if short in REMOVED:  # torch.lstsq of torch 1: its stub raises, as in the script
            args, kwargs = self.arguments(node)
            try:
                getattr(torch, short)(*(self.concrete(a, node) for a in args),
                                      **{k: self.concrete(v, node) for k, v in kwargs.items()})
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        if short == "get_default_dtype" and not node.args and not node.keywords:
            return Py(torch.get_default_dtype())
        if short in ("get_num_threads", "get_num_interop_threads") and not node.args \
                and not node.keywords:  # torch.set_num_threads(min(4, get_num_threads()))
            return Number(getattr(torch, short)())
        if short == "set_default_device":
            args, kwargs = self.arguments(node)
            self.cpu_only(args[0] if args else kwargs.get("device", Py(None)), node)
            return Py(None)
        if short in ("set_default_dtype", "set_default_tensor_type"):
            self.default_dtype(short, node)
            return Py(None)
        if short in TYPE_INFO:
            args, kwargs = self.arguments(node)
            given = [self.concrete(a, node) for a in args]
            options = {k: self.concrete(v, node) for k, v in kwargs.items()}
            try:  # torch's own: finfo() of the default dtype, its TypeError for an int dtype
                return Py(TYPE_INFO[short](*given, **options))
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        return super().torch_call(path, node)

    def default_dtype(self, short: str, node: ast.Call) -> None:
        """torch.set_default_dtype(torch.float64), or the deprecated
        set_default_tensor_type(torch.DoubleTensor): torch's own default is switched for the
        rest of the reading (engine/torch_defaults.py), and "About this graph" says so."""
        args, kwargs = self.arguments(node)
        given = args[0] if args else kwargs.get("d" if short == "set_default_dtype" else "t")
        value = given.value if isinstance(given, Py) else None
        if short == "set_default_tensor_type":
            name = value if isinstance(value, str) else getattr(value, "__name__", None)
            value = DEFAULT_TENSOR_TYPES.get(str(name).removeprefix("torch."), value)
        if isinstance(value, torch.dtype) and not value.is_floating_point:
            raise raised_at(node, TypeError("only floating-point types are supported as the "
                                            "default type"))
        if value not in (torch.float32, torch.float64):
            raise error_at(node, f"{short_text(node)} is read with torch.float32 or "
                                 "torch.float64; give another dtype on each tensor instead, "
                                 "e.g. torch.tensor([1.0], dtype=torch.float16)")
        switch_default_dtype(value)
        if value is torch.float64:
            note = (f"torch.set_default_dtype(torch.float64) at line {node.lineno}: the float "
                    "tensors made after it are float64, as in the script.")
            if note not in self.doc.description:
                self.doc.description = f"{self.doc.description} {note}".strip()

    def cast_for_default(self, op: str, ids: list[str], params: dict[str, Any],
                         where: ast.AST) -> list[str]:
        """After torch.set_default_dtype(torch.float64), `torch.arange(3) / 2` is float64:
        torch promotes the integers to the default dtype. The graph casts them to it first
        (the same numbers), so the node is float64 without the default, as the document
        must be (engine/torch_defaults.py)."""
        metas = [self.meta.get(i) for i in ids]  # a tensor's on the meta device, or a number
        tensors = [m for m in metas if isinstance(m, torch.Tensor)]
        if op == "to" or not switched() or not tensors or any(m is None for m in metas) \
                or any(m.is_floating_point() or m.is_complex() for m in tensors):
            return ids
        try:
            out = get_op(op).call(*metas, **params)
        except Exception:  # noqa: BLE001 - torch says it again when the node runs
            return ids
        if not isinstance(out, torch.Tensor) or out.dtype != torch.get_default_dtype():
            return ids
        name = str(out.dtype).removeprefix("torch.")
        return [self.node_of(self.op_node("to", [Ref(i)], {"dtype": name}, where), where)
                if isinstance(m, torch.Tensor) else i for i, m in zip(ids, metas, strict=True)]

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


def check_default_kept(doc: Document) -> None:
    """After a reading that switched torch's default dtype: the document it leaves must run
    the same under torch's usual one (each node's dtype its own), or it is refused."""
    if not switched():
        return
    left = dtype_left_to_default(doc)
    if left is not None:
        raise ImportError_(f"{left}: its dtype comes from torch.set_default_dtype, which the "
                           "graph does not keep; give the dtype where it is made, e.g. "
                           "torch.arange(3, dtype=torch.float64)")
