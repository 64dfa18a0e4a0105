"""Tensors made from numbers: `torch.tensor([...])`, `torch.zeros(2, 3)`, `torch.rand(3)` and
the other creation calls are evaluated with real torch into tensors of numbers (`creation`),
with their dtype=, device= (the CPU only) and generator= arguments read here; torch's refusal of a
requires_grad flag is asked of torch itself (`probe_requires_grad`) so its words are its own.
CreationReader is the base of TorchCallReader (torchcalls.py), which reads the op calls.
"""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.snippets.expressions import ExprReader, numbers_meta
from engine.snippets.safety import ImportError_, error_at, raised_at, short_text
from engine.snippets.tables import (
    DTYPE_NAMES,
    DTYPES_TEXT,
    PYTHON_DTYPES,
    TORCH_DTYPES,
    CreationError,
    create,
    dtype_name,
    read_literal,
    tensor_literal,
)
from engine.snippets.values import Number, Pending, Py, Value


class CreationReader(ExprReader):
    def note_uninitialised(self, node: ast.AST) -> None:
        """"About this graph" says once that memory made without numbers shows zeros."""
        note = (f"torch.Tensor(sizes) at line {getattr(node, 'lineno', 1)} makes uninitialised "
                "memory: torch shows whatever it held, Gradflow shows zeros.")
        if "makes uninitialised memory" not in self.doc.description:
            self.doc.description = f"{self.doc.description} {note}".strip()

    def own_generator(self, value: Value, node: ast.AST) -> torch.Generator:
        """The snippet's own `g = torch.Generator().manual_seed(n)` given as generator=g."""
        if isinstance(value, Py) and isinstance(value.value, torch.Generator):
            return value.value
        raise error_at(node, "generator= takes a torch.Generator() made in the snippet")

    # ---- tensors made from numbers ----------------------------------------------------
    def creation(self, fn: str, node: ast.Call) -> Value:
        kwargs: dict[str, Any] = {}
        requires_grad: bool | None = None
        # torch.tensor(data=7.) is torch.tensor(7.)
        args = [*node.args, *(kw.value for kw in node.keywords
                               if kw.arg == "data" and fn == "tensor")]
        if fn == "Tensor" and args and not any(
                isinstance(n, ast.Call) for a in args for n in ast.walk(a)) and all(
                _is_int(self.literal(a)) for a in args):  # (read twice: no call in them)
            fn = "empty"  # torch.Tensor(3, 5): memory of that shape, its numbers unset
            self.note_uninitialised(node)
        generator = self.generator
        for kw in node.keywords:
            if kw.arg == "data" and fn == "tensor":
                continue
            if kw.arg == "generator" and fn in ("rand", "randn", "rand_like", "randn_like"):
                generator = self.own_generator(self.expr(kw.value), kw)
                continue
            if kw.arg == "requires_grad":
                flag = self.literal(kw.value)
                if not isinstance(flag, bool):
                    raise error_at(kw, "requires_grad must be True or False")
                requires_grad = flag
            elif kw.arg == "dtype":
                if not self.is_none(kw.value):  # dtype=None: the default, as torch reads it
                    kwargs["dtype"] = self.dtype(kw.value)
            elif kw.arg == "device":
                self.cpu_only(self.expr(kw.value), kw)
            elif kw.arg is not None:
                kwargs[kw.arg] = self.literal(kw.value)
            else:
                raise error_at(kw, "** arguments are not supported")
        try:
            if fn in ("tensor", "Tensor"):
                if len(args) != 1:
                    raise CreationError(f"write the numbers out, e.g. torch.{fn}([1.0, 2.0])")
                value, dtype = self.tensor_data(
                    fn, self.tensor_argument(args[0]) if fn == "tensor" else
                    self.literal(args[0]), kwargs)
            else:
                like = None
                if fn.endswith("_like"):
                    if not node.args:
                        raise CreationError(f"torch.{fn} needs a tensor")
                    like_value = self.expr(node.args[0])
                    if isinstance(like_value, Number):
                        raise CreationError(f"torch.{fn} needs a tensor, not a number")
                    # numbers not yet in the graph (a tensor of a finished training step
                    # too): only their shape and dtype are read
                    like = numbers_meta(like_value) if isinstance(like_value, Pending) \
                        and like_value.node_id is None \
                        else self.meta.get(self.node_of(like_value, node))
                    if not isinstance(like, torch.Tensor):
                        raise CreationError(f"the shape of {short_text(node.args[0])} is unknown "
                                            "(computing it fails)")
                    args = []
                else:
                    args = [self.literal(a) for a in node.args]
                t = create(fn, args, kwargs, like, generator)
                value, dtype = t.tolist(), dtype_name(t.dtype)
        except (CreationError, RuntimeError, TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, ImportError_):
                raise
            if isinstance(exc, RuntimeError):  # torch's own refusal (torch.randn of an int
                raise raised_at(node, exc) from None  # dtype, 300 as uint8), as it raises
            raise error_at(node, f"torch.{fn}: {exc}") from None
        if requires_grad:
            probe_requires_grad(node, dtype, True, "creation", leaf=True)
        pending = Pending(value, dtype, requires_grad, origin=node, inference=self.inference)
        if requires_grad is not None:
            self.leaves_pending.append(pending)
        return pending

    def tensor_data(self, fn: str, data: Any, kwargs: dict[str, Any]) -> tuple[Any, str]:
        """The numbers and dtype of torch.tensor(data) (numpy_reader.py reads arrays); a
        range gives its numbers, as torch reads any sequence (`torch.tensor(range(1, 4))`)."""
        return tensor_literal(fn, list(data) if isinstance(data, range) else data, kwargs)

    def device_of(self, node: ast.Call) -> torch.device:
        """torch.device('cpu'): made by torch (it only parses the name)."""
        if len(node.args) != 1 or node.keywords:
            raise error_at(node, "torch.device is read with one name, e.g. torch.device('cpu')")
        name = self.literal_value(self.expr(node.args[0]), node)
        try:
            return torch.device(name)
        except (RuntimeError, TypeError) as exc:
            raise raised_at(node, exc) from None

    def cpu_only(self, device: Value, where: ast.AST) -> None:
        """device= of a new tensor: the CPU, where Gradflow computes (None: torch's default
        device, the CPU, as a module's `factory_kwargs = {'device': device, ...}` passes)."""
        found = device.value if isinstance(device, Py) else None
        kind = found.type if isinstance(found, torch.device) else found
        if kind not in ("cpu", None) or not isinstance(device, Py):
            raise error_at(where, f"device={found!s} is not read: Gradflow computes on the CPU; "
                                  "write device='cpu' (or torch.device('cpu'))")

    def is_none(self, node: ast.expr) -> bool:
        """`None`, or a name holding None (a function's `dtype=None` passed on)."""
        if not isinstance(node, ast.Name | ast.Constant):
            return False
        value = self.expr(node)
        return isinstance(value, Py) and value.value is None

    def literal_value(self, value: Value, where: ast.AST) -> Any:
        if isinstance(value, Py | Number):
            return value.value
        raise error_at(where, "write a name or a number here")

    def literal(self, node: ast.expr) -> Any:
        """A plain Python value (number, bool, None, string, nested lists) of an argument."""
        return read_literal(node)

    def tensor_argument(self, node: ast.expr) -> Any:
        """torch.tensor's data (concrete.py: with tensors inside it)."""
        return self.literal(node)

    def dtype(self, node: ast.expr) -> str:
        path = self.module_path(node)
        short = path.removeprefix("torch.") if path else None
        if path is None and isinstance(node, ast.Name) and node.id in self.env:
            found = self.env[node.id]  # dtype = torch.float; torch.ones(2, dtype=dtype)
            if isinstance(found, Py) and isinstance(found.value, torch.dtype):
                short = str(found.value).removeprefix("torch.")
        if path is None and isinstance(node, ast.Attribute) and node.attr == "dtype":
            found = self.expr(node)  # torch.tensor([...], dtype=logits.dtype)
            if isinstance(found, Py) and isinstance(found.value, torch.dtype):
                short = str(found.value).removeprefix("torch.")
        if (path is None and isinstance(node, ast.Name) and node.id in PYTHON_DTYPES
                and node.id not in self.env):  # dtype=float is torch.float64, as torch reads it
            short = PYTHON_DTYPES[node.id]
        if short not in DTYPE_NAMES:
            raise error_at(node, f"dtype {short_text(node)} is not supported; use one of "
                                 f"{DTYPES_TEXT} (torch.float32...)")
        return DTYPE_NAMES[short]


def probe_requires_grad(where: ast.AST, dtype: str, flag: bool, how: str, leaf: bool) -> None:
    """Ask torch itself, on an empty tensor of the same kind, whether it accepts the flag:
    its refusal (an int tensor, a non-leaf) is raised with its own words at this line."""
    probe = torch.empty(0, dtype=TORCH_DTYPES[dtype])
    if not leaf:
        probe = probe.float().requires_grad_() * 1
    try:
        if how == "creation":
            torch.tensor([], dtype=probe.dtype, requires_grad=flag)
        elif how == "method":
            probe.requires_grad_(flag)
        else:
            probe.requires_grad = flag
    except Exception as exc:  # noqa: BLE001 - torch's refusal, verbatim
        raise raised_at(where, exc) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
