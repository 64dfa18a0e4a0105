"""numpy arrays in a snippet, read as plain values next to its tensors (numpy_values.py has
the functions read and why).

An array or numpy scalar is a `Py` holding the real numpy object: names bound to it share
it, so `jac[i, j] = ...` and `a += 1` change it for every name as numpy does. Where an array
meets a tensor the script's own semantics decide: the operation is first done on the real
objects (the tensor requiring grad as it does in the script), so numpy's and torch's errors
and result types are theirs; a result that is a tensor then enters the graph with the array
as the tensor torch makes of it (a numpy scalar as a Python number, as torch reads one).
An array that shares memory with a tensor (torch.from_numpy, t.numpy()) changed in place
changes the tensor too, as a write through `.data` does (memory_writes.py, which refuses
what it cannot read, saying why).
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from engine.limits import LOOP_ITERATIONS
from engine.ops import get_op
from engine.snippets import numpy_values as npv
from engine.snippets.progress_bars import ProgressBars
from engine.snippets.safety import FILE_READERS, error_at, raised_at, refuse_outside, short_text
from engine.snippets.tables import TORCH_DTYPES, CreationError, dtype_name
from engine.snippets.values import Number, Pending, Py, Ref, Value

_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul}
_IN_PLACE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod,
    ast.Pow: operator.ipow, ast.MatMult: operator.imatmul}

# torch's functions that make a tensor from an array (from_numpy and as_tensor share memory)
_MADE_FROM_DATA: dict[str, Callable[..., Any]] = {
    "from_numpy": torch.from_numpy, "as_tensor": torch.as_tensor, "asarray": torch.asarray}


def numpy_value(value: Value) -> bool:
    return isinstance(value, Py) and isinstance(value.value, np.ndarray | np.generic)


class NumpyReader(ProgressBars):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.np_random = np.random.RandomState(0)  # seeded per reading (seed_numpy)
        # arrays sharing memory with a tensor, by the array owning that memory: how they came
        # to, the tensor, and the name holding it (w of w.detach().numpy()), if one does
        self.shared_arrays: dict[int, tuple[np.ndarray, str, Value, ast.expr | None]] = {}

    def seed_numpy(self, seed: int) -> None:
        """Fresh numbers for a script that never seeds numpy, the same on every reading."""
        self.np_random.seed(seed % 2**32)

    # ---- values -------------------------------------------------------------------------
    def wrap(self, obj: Any, where: ast.AST) -> Value:
        if isinstance(obj, np.ndarray):
            self.check_count(obj.size, where)  # an array counts as a tensor of its size
            return Py(obj)
        if isinstance(obj, np.generic):
            return Py(obj)
        return super().wrap(obj, where)

    def np_operand(self, value: Value, where: ast.AST) -> Any:
        """The object the script would hand numpy: a tensor as a real tensor that requires
        grad when the script's does (numpy then meets torch's own refusal)."""
        if isinstance(value, Pending | Ref):
            t = self.concrete(value, where).detach().clone()
            if self.needs_grad(value) and t.is_floating_point():
                t.requires_grad_(True)
            return t
        if isinstance(value, Py) and isinstance(value.value, list | tuple):
            items = [self.np_operand(v, where) if isinstance(v, Number | Pending | Ref | Py)
                     else v for v in value.value]
            return items if isinstance(value.value, list) else tuple(items)
        return self.concrete(value, where)

    def as_tensor_value(self, value: Value, where: ast.AST) -> Value:
        """An array as the tensor torch makes of it in an operator (its dtype kept), a numpy
        scalar as the Python number torch reads it as; any other value as it is."""
        if isinstance(value, Py) and isinstance(value.value, np.ndarray):
            try:
                return self.from_tensor(torch.as_tensor(value.value).clone(), where)
            except TypeError as exc:  # an array of objects or strings: torch's own words
                raise raised_at(where, exc) from None
        if isinstance(value, Py) and isinstance(value.value, np.generic):
            return Number(value.value.item())
        return value

    def numpy_result(self, compute: Callable[[], Any], where: ast.AST) -> Value:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # the script's warnings are its own output
                result = compute()
        except Exception as exc:  # noqa: BLE001 - numpy's (or torch's) own words
            raise raised_at(where, exc) from None
        if isinstance(result, torch.Tensor):
            return self.from_tensor(result.detach(), where)
        return self.wrap(result, where)

    def share(self, array: np.ndarray, how: str, tensor: Value,
              holder: ast.expr | None = None) -> None:
        owner = _owner(array)
        self.shared_arrays[id(owner)] = (owner, how, tensor, holder)  # kept: its id stays

    @contextmanager
    def shared_write(self, array: Any, where: ast.AST) -> Iterator[None]:
        """Around a change of the array in place: the tensor sharing its memory, if any,
        takes the array's new numbers after it."""
        found = self.shared_arrays.get(id(_owner(array))) if isinstance(array, np.ndarray) \
            else None
        yield
        if found is not None:
            owner, how, tensor, holder = found
            self.tensor_follows_array(tensor, holder, torch.from_numpy(owner.copy()), how,
                                      where)

    def tensor_follows_array(self, tensor: Value, holder: ast.expr | None,
                             numbers: torch.Tensor, how: str, where: ast.AST) -> None:
        raise error_at(where, f"{short_text(where)} changes an array in place that shares "
                              f"its memory with a tensor ({how}): the tensor would change "
                              "with it behind the graph Gradflow reads; copy the array first "
                              "(a.copy()) or make the tensor with torch.tensor(a)")

    # ---- np.<name>(...) -------------------------------------------------------------------
    def call(self, node: ast.Call) -> Value:
        path = self.module_path(node.func)
        if path is not None and (path == "numpy" or path.startswith("numpy.")):
            return self.numpy_call(path.removeprefix("numpy."), node)
        return super().call(node)

    def numpy_call(self, name: str, node: ast.Call) -> Value:
        if f"numpy.{name}" in FILE_READERS:  # np.loadtxt(...): a file, said as such
            refuse_outside(f"numpy.{name}", node)
        state: Any = None
        short = name.removeprefix("random.")
        if name == "set_printoptions":
            self.arguments(node)
            return Py(None)  # how numpy prints; the computation is the same
        if name == "random.default_rng" or name == "random.RandomState":
            args, kwargs = self.arguments(node)
            made = np.random.default_rng if short == "default_rng" else np.random.RandomState
            seed = [self.np_operand(a, node) for a in args]
            return self.numpy_result(lambda: made(*seed, **{
                k: self.np_operand(v, node) for k, v in kwargs.items()}), node)
        if name.startswith("random."):
            fn, state = npv.RANDOM.get(short), self.np_random
        elif name.startswith("linalg."):
            fn = npv.LINALG.get(name.removeprefix("linalg."))
        else:
            fn = npv.FUNCTIONS.get(name) or npv.DTYPES.get(name)  # np.float32(x) casts
        if fn is None:
            self.missing_from_numpy(name, node)
            raise error_at(node, npv.unsupported(f"np.{name}"))
        return self.numpy_apply(fn, short if state is not None else name, node, state)

    def numpy_apply(self, fn: Callable[..., Any], name: str, node: ast.Call,
                    receiver: Any = None, written: Any = None) -> Value:
        """fn(receiver, *args): `written`, the array it changes in place (a.fill(0)), or the
        out= array, or the one shuffled."""
        args, kwargs = self.arguments(node)
        if name == "shuffle" and len(args) == 1 and not kwargs and \
                isinstance(args[0], Py) and isinstance(args[0].value, list):
            # the script's own list, shuffled in place: numpy swaps a list's items by the
            # same draws whatever they hold, so its order is the one of a list of indices
            held = args[0].value
            order = list(range(len(held)))
            head = [receiver] if receiver is not None else []
            self.numpy_result(lambda: fn(*head, order), node)
            held[:] = [held[i] for i in order]
            return Py(None)
        plain = [self.np_operand(a, node) for a in args]
        plain_kw = {k: self.np_operand(v, node) for k, v in kwargs.items()}
        self.check_fits(npv.planned_elements(name, plain, plain_kw), node)
        if "out" in plain_kw:
            written = plain_kw["out"]
        if name == "shuffle" and plain:
            written = plain[0]
        head = [receiver] if receiver is not None else []
        with self.shared_write(written, node):
            return self.numpy_result(lambda: fn(*head, *plain, **plain_kw), node)

    def module_attribute(self, path: str, node: ast.AST) -> Value:
        if path == "numpy" or path.startswith("numpy."):
            name = path.removeprefix("numpy.")
            if name in npv.CONSTANTS:
                found = npv.CONSTANTS[name]
                return Py(None) if found is None else Number(found)
            if name in npv.DTYPES:
                return Py(npv.DTYPES[name])
            if name in ("c_", "r_"):  # np.c_[a, b]: columns (rows) joined, by indexing
                return Py(getattr(np, name))
            self.missing_from_numpy(name, node)
            raise error_at(node, npv.unsupported(f"np.{name}"))
        return super().module_attribute(path, node)

    def missing_from_numpy(self, name: str, node: ast.AST) -> None:
        """np.float (numpy 1.24 removed it), np.no_such: numpy's own AttributeError, as the
        script raises it (a name numpy has is not raised for, only refused)."""
        owner: Any = np
        for part in name.split("."):
            if not hasattr(owner, part):
                try:
                    getattr(owner, part)
                except AttributeError as exc:
                    raise raised_at(node, exc) from None
            owner = getattr(owner, part)

    def has_effects(self, call: ast.Call) -> bool:
        """print(np.random.choice(3)) draws as the script does."""
        path = self.module_path(call.func)
        if path is not None and path.startswith("numpy.random."):
            return True
        return super().has_effects(call)

    # ---- arrays' methods, attributes, operators --------------------------------------------
    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if numpy_value(receiver):
            assert isinstance(receiver, Py)
            fn = npv.METHODS.get(attr)
            if fn is None or (isinstance(receiver.value, np.generic) and attr in
                              npv.IN_PLACE_METHODS):
                raise error_at(node, f"{short_text(node)}: .{attr}() of a numpy array is not "
                                     "among the methods Gradflow reads "
                                     f"(.{'(), .'.join(sorted(npv.METHODS))}())")
            if isinstance(receiver.value, np.generic):  # np.float64(2.0).round()
                return self.numpy_apply(_of_scalar(fn), attr, node, receiver.value)
            return self.numpy_apply(fn, attr, node, receiver.value, written=receiver.value if
                                    attr in npv.IN_PLACE_METHODS else None)
        if isinstance(receiver, Py) and isinstance(receiver.value, np.random.Generator):
            return self.draw(npv.GENERATOR_METHODS, receiver.value, attr, node)
        if isinstance(receiver, Py) and isinstance(receiver.value, np.random.RandomState):
            return self.draw(npv.RANDOM, receiver.value, attr, node)
        return super().method(receiver, attr, node)

    def draw(self, table: dict[str, Callable[..., Any]], state: Any, attr: str,
             node: ast.Call) -> Value:
        fn = table.get(attr)
        if fn is None:
            raise error_at(node, f".{attr}() of a numpy random generator is not read; "
                                 f"these are: .{'(), .'.join(sorted(table))}()")
        return self.numpy_apply(fn, attr, node, state)

    def plain_attribute(self, value: Py, attr: str, node: ast.Attribute) -> Value | None:
        if isinstance(value.value, np.ndarray | np.generic):
            read = npv.ATTRIBUTES.get(attr)
            if read is None:
                raise error_at(node, f"{short_text(node)}: .{attr} of a numpy array is not "
                                     f"read; these are: .{', .'.join(sorted(npv.ATTRIBUTES))}")
            return self.numpy_result(lambda: read(value.value), node)
        return super().plain_attribute(value, attr, node)

    def transpose_value(self, value: Value, where: ast.AST, strict: bool) -> Value:
        if isinstance(value, Py) and isinstance(value.value, np.ndarray):
            array = value.value
            return self.numpy_result(lambda: array.T if strict else array.mT, where)
        return super().transpose_value(value, where, strict)

    def inverted(self, value: Value, node: ast.UnaryOp) -> Value:
        """~mask of a numpy array or scalar: numpy's own invert (of a float, numpy's error)."""
        if numpy_value(value):
            assert isinstance(value, Py)
            array = value.value
            return self.numpy_result(lambda: ~array, node)
        return super().inverted(value, node)

    def python_binop(self, op_node: ast.operator, left: Value, right: Value,
                     where: ast.AST) -> Value:
        if not (numpy_value(left) or numpy_value(right)):
            return super().python_binop(op_node, left, right, where)
        fn = _OPERATORS.get(type(op_node))
        if fn is None:
            raise error_at(where, "this operator is not supported; use + - * / ** @")
        a, b = self.np_operand(left, where), self.np_operand(right, where)
        shapes = [x for x in (a, b) if not isinstance(x, torch.Tensor)]
        self.check_fits(npv.planned_elements("@" if fn is operator.matmul else "op",
                                             shapes, {}), where)
        found = self.numpy_result(lambda: fn(a, b), where)  # the script's own answer
        if isinstance(found, Pending) and (isinstance(left, Pending | Ref) or isinstance(
                right, Pending | Ref)):
            # a tensor: the graph's op, the array as the tensor torch made of it
            return self.binop(op_node, self.as_tensor_value(left, where),
                              self.as_tensor_value(right, where), where)
        return found

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        if not any(numpy_value(v) for v in inputs):
            return super().op_node(op, inputs, params, where)
        if op == "neg" and len(inputs) == 1:  # -a
            array = self.concrete(inputs[0], where)
            return self.numpy_result(lambda: -array, where)
        spec = get_op(op)  # torch handed an array: its own refusal, or the tensor it makes
        operands = [self.np_operand(v, where) for v in inputs]
        self.numpy_result(lambda: spec.call(*operands, **params), where)
        return super().op_node(op, [self.as_tensor_value(v, where) for v in inputs], params,
                               where)

    # ---- changing an array -----------------------------------------------------------------
    def plain_item_assign(self, base: Py, target: ast.Subscript, value: Value,
                          stmt: ast.AST) -> bool:
        if not isinstance(base.value, np.ndarray):
            return super().plain_item_assign(base, target, value, stmt)
        array = base.value
        key = self.index_key(target.slice)
        given = self.np_operand(value, stmt)
        with self.shared_write(array, stmt):
            self.numpy_result(lambda: array.__setitem__(key, given), stmt)
        return True

    def aug_assign(self, stmt: ast.AugAssign) -> None:
        current = self.env.get(stmt.target.id) if isinstance(stmt.target, ast.Name) else None
        if current is None or not numpy_value(current) or not isinstance(stmt.target, ast.Name):
            super().aug_assign(stmt)
            return
        assert isinstance(current, Py)
        right = self.expr(stmt.value)
        if isinstance(right, Pending | Ref):  # a += t: what numpy and torch make of it
            self.bind(stmt.target.id, self.binop(stmt.op, current, right, stmt), stmt)
            return
        fn = _IN_PLACE.get(type(stmt.op))
        if fn is None:
            raise error_at(stmt, "this operator is not supported; use + - * / ** @")
        given = self.np_operand(right, stmt)
        with self.shared_write(current.value, stmt):
            self.bind(stmt.target.id, self.numpy_result(lambda: fn(current.value, given),
                                                        stmt), stmt)

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        if not numpy_value(value):
            return super().items(value, where)
        assert isinstance(value, Py)
        array = value.value
        if isinstance(array, np.ndarray) and array.ndim and \
                LOOP_ITERATIONS.exceeded(len(array)):
            raise error_at(where, f"this array is {LOOP_ITERATIONS.message()} "
                                  f"({len(array):,} rows)")
        try:
            rows = list(iter(array))  # views, as numpy's own loop gives them
        except TypeError as exc:
            raise raised_at(where, exc) from None
        return [self.wrap(row, where) for row in rows]

    # ---- tensors from arrays, arrays from tensors -------------------------------------------
    def tensor_data(self, fn: str, data: Any, kwargs: dict[str, Any]) -> tuple[Any, str]:
        """torch.tensor(a, dtype=...), torch.Tensor(a): torch's copy of the array's numbers."""
        if not _holds_numpy(data):
            return super().tensor_data(fn, data, kwargs)
        if set(kwargs) - {"dtype"} or fn == "Tensor" and kwargs:
            raise CreationError(f"torch.{fn}(array) is read with dtype= and requires_grad=")
        dtype = TORCH_DTYPES[kwargs["dtype"]] if "dtype" in kwargs else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's "list of arrays is slow"
            made = torch.Tensor(data) if fn == "Tensor" else torch.tensor(data, dtype=dtype)
        return made.tolist(), dtype_name(made.dtype)

    def torch_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short not in ("from_numpy", "as_tensor", "asarray"):
            return super().torch_call(path, node)
        args, kwargs = self.arguments(node)
        data = self.np_operand(args[0], node) if args else None
        options: dict[str, Any] = {}
        for key, given in kwargs.items():
            if key == "dtype" and isinstance(given, Py) and isinstance(given.value, torch.dtype):
                options["dtype"] = given.value
            elif key == "device":
                self.cpu_only(given, node)
            else:
                options[key] = self.np_operand(given, node)
        fn = _MADE_FROM_DATA[short]
        made = self.numpy_result(lambda: fn(*([data] if args else []), *[
            self.np_operand(a, node) for a in args[1:]], **options), node)
        if isinstance(data, np.ndarray) and isinstance(made, Pending):
            probe = fn(data, **options)  # the same call again: does torch share the memory?
            if isinstance(probe, torch.Tensor) and np.may_share_memory(probe.numpy(), data):
                self.share(data, f"{short_text(node)} shares it", made)
        return made

    def tensor_method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if attr != "numpy" or node.args or node.keywords or self.grad_enabled and (
                self.needs_grad(receiver) or self.kept_with_grad(receiver)):
            return super().tensor_method(receiver, attr, node)  # torch's refusal (not under
            # no_grad, where torch allows it)
        try:  # torch's own refusal of a dtype numpy has not (bfloat16)
            array = self.concrete(receiver, node).numpy().copy()
        except TypeError as exc:
            raise raised_at(node, exc) from None
        self.share(array, f"{short_text(node)} shares the tensor's memory", receiver,
                   _holder(node.func.value) if isinstance(node.func, ast.Attribute) else None)
        return self.wrap(array, node)


def _holder(receiver: ast.expr) -> ast.expr | None:
    """w of `w.detach().numpy()`, `w.data.numpy()`, `model.fc.weight.detach().cpu().numpy()`:
    the name (or attribute path) whose tensor's memory the array shares."""
    while True:
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and \
                receiver.func.attr in ("detach", "cpu") and not receiver.args and \
                not receiver.keywords:
            receiver = receiver.func.value
        elif isinstance(receiver, ast.Attribute) and receiver.attr == "data":
            receiver = receiver.value
        else:
            break
    path = receiver
    while isinstance(path, ast.Attribute):
        path = path.value
    return receiver if isinstance(path, ast.Name) else None


def _owner(array: np.ndarray) -> np.ndarray:
    """The array whose memory a view (a[1], a.T, a.reshape(...)) uses."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _of_scalar(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An ndarray method called on a numpy scalar, as numpy scalars have them."""
    def call(scalar: Any, *args: Any, **kwargs: Any) -> Any:
        result = fn(np.asarray(scalar), *args, **kwargs)
        return result[()] if isinstance(result, np.ndarray) and result.ndim == 0 else result
    return call


def _holds_numpy(data: Any) -> bool:
    if isinstance(data, np.ndarray | np.generic):
        return True
    return isinstance(data, list | tuple) and any(_holds_numpy(d) for d in data)


__all__ = ["NumpyReader", "numpy_value"]
