"""torch calls computed on concrete values, and the ones that become graph ops only when a
tensor with grad takes part: torch.max/min (elementwise of two tensors, or of the whole
tensor), unsqueeze/squeeze (a reshape), torch.cat/stack (binary cat ops), and casts
(x.double(), x.to(torch.float64), x.type(...)). What carries no
gradient is computed here, as torch computes it, and comes back as a tensor of numbers.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import torch

from engine.snippets.concrete import ConcreteReader
from engine.snippets.safety import error_at, raised_at
from engine.snippets.tables import DTYPES_TEXT, PYTHON_DTYPES, TORCH_DTYPES, dtype_name
from engine.snippets.values import Number, Pending, Picks, Py, Ref, Value

RANDOM_FUNCTIONS = frozenset({"normal", "randperm", "bernoulli", "multinomial", "poisson"})
TYPED_TENSORS = {"FloatTensor": torch.float32, "DoubleTensor": torch.float64,
                 "HalfTensor": torch.float16, "BFloat16Tensor": torch.bfloat16,
                 "LongTensor": torch.int64, "IntTensor": torch.int32, "ShortTensor": torch.int16,
                 "CharTensor": torch.int8, "ByteTensor": torch.uint8, "BoolTensor": torch.bool}
# x.half(), x.int(), x.byte()...: the tensor methods that convert to one dtype
CASTS = {"float": torch.float32, "double": torch.float64, "half": torch.float16,
         "bfloat16": torch.bfloat16, "long": torch.int64, "int": torch.int32,
         "short": torch.int16, "char": torch.int8, "byte": torch.uint8, "bool": torch.bool}
# torch.hstack and its family: tensors of fewer dims first made 1-, 2- or 3-d, then joined
STACKING = ("hstack", "vstack", "row_stack", "column_stack", "dstack")
JOINING = ("cat", "stack", "concat", "concatenate", *STACKING)
_STACKING_DIMS = {"vstack": 0, "row_stack": 0, "column_stack": 1, "dstack": 2}


def _stacking_shape(short: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape torch gives a tensor before joining it (torch.atleast_1d/2d/3d; a 0- or
    1-d tensor as a column for column_stack)."""
    if short == "column_stack":
        return (math.prod(shape), 1) if len(shape) <= 1 else shape
    if short == "hstack":
        return shape or (1,)
    if short == "dstack":
        return (1, 1, 1) if not shape else (1, *shape, 1) if len(shape) == 1 else \
            (*shape, 1) if len(shape) == 2 else shape
    return (1, 1) if not shape else (1, *shape) if len(shape) == 1 else shape


class ValueCalls(ConcreteReader):
    def torch_path_call(self, path: str, node: ast.Call) -> Value:
        short = path.removeprefix("torch.")
        if short in ("testing.assert_close", "testing.assert_allclose"):
            return self.assert_close(short, node)
        return super().torch_path_call(path, node)

    def assert_close(self, short: str, node: ast.Call) -> Value:
        """torch.testing.assert_close(a, b): torch compares the numbers, and its
        AssertionError (with what differs) stops the script where it does."""
        args, kwargs = self.arguments(node)
        if len(args) < 2 or not all(isinstance(a, Pending | Ref | Number) for a in args[:2]):
            raise error_at(node, f"torch.{short} is read with the two tensors it compares")
        plain = [self.concrete(a, node) for a in args]
        options = {k: self.concrete(v, node) for k, v in kwargs.items()}
        try:
            getattr(torch.testing, short.removeprefix("testing."))(
                *(p.detach() if isinstance(p, torch.Tensor) else p for p in plain), **options)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return Py(None)

    def spread_call(self, node: ast.Call) -> Value:
        """`torch.randn(2, 3, **factory_kwargs)`: the dict's items as the keywords they stand
        for, each read from a name of its own while the call is read."""
        keywords: list[ast.keyword] = []
        spread: list[str] = []
        for kw in node.keywords:
            if kw.arg is not None:
                keywords.append(kw)
                continue
            for key, value in self.spread_dict(kw.value, kw).items():
                spread.append(f"**{key}")  # no name of the script's can be this
                self.env[spread[-1]] = value
                keywords.append(ast.copy_location(ast.keyword(
                    arg=key, value=ast.copy_location(ast.Name(id=spread[-1], ctx=ast.Load()),
                                                     kw.value)), kw))
        try:
            return self.call(ast.copy_location(ast.Call(func=node.func, args=node.args,
                                                        keywords=keywords), node))
        finally:
            for name in spread:
                self.env.pop(name, None)

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        """The call's arguments in Python's order; `*layers` unpacks what `for` visits
        (nn.Sequential(*layers)), `**options` a dict of str keys."""
        args: list[Value] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.items(self.expr(a.value), a))
            else:
                args.append(self.expr(a))
        kwargs: dict[str, Value] = {}
        for kw in node.keywords:
            if kw.arg is not None:
                kwargs[kw.arg] = self.expr(kw.value)
                continue
            kwargs.update(self.spread_dict(kw.value, node))
        return args, kwargs

    def spread_dict(self, node: ast.expr, where: ast.AST) -> dict[str, Value]:
        """The dict of a `**kwargs` argument, its keys strings as Python requires."""
        value = self.expr(node)
        if not isinstance(value, Py) or not isinstance(value.value, dict):
            held = self.concrete(value, where)  # Python names the type of what it got
            raise raised_at(where, TypeError(f"argument after ** must be a mapping, not "
                                             f"{type(held).__name__}"))
        if not all(isinstance(k, str) for k in value.value):
            raise raised_at(where, TypeError("keywords must be strings"))
        return value.value

    def items(self, value: Value, where: ast.AST) -> list[Value]:
        raise NotImplementedError  # pybuiltins.py: what `for v in value` visits

    def where(self, node: ast.Call) -> Value:
        """torch.where(cond, a, b) with grad in a or b: the where op (a number in a or b as
        a 0-d tensor of the other's dtype, which is what torch computes with)."""
        args, kwargs = self.arguments(node)
        if len(args) != 3 or kwargs:
            return self.value_call(torch.where, "torch.where", node, evaluated=(args, kwargs))
        cond, first, second = args
        if not self.grad_enabled or not (self.needs_grad(first) or self.needs_grad(second)):
            return self.value_call(torch.where, "torch.where", node, evaluated=(args, kwargs))
        try:  # torch's own checks (a condition of booleans, shapes that broadcast)
            torch.where(*(self.concrete(a, node) for a in args))
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        dtype = self.concrete(first if isinstance(first, Pending | Ref) else second, node).dtype
        tensors = [self.from_tensor(torch.tensor(a.value, dtype=dtype), node)
                   if isinstance(a, Number) else a for a in (first, second)]
        return self.op_node("where", [cond, *tensors], {}, node)

    def joined(self, short: str, node: ast.Call) -> Value:
        """torch.cat([a, b, c], dim) with grad: cat(cat(a, b), c), each step an op of the
        graph (torch.stack: each first unsqueezed at dim; torch.hstack and its family: each
        first reshaped as torch makes it 1-, 2- or 3-d); without grad, computed."""
        args, kwargs = self.arguments(node)
        along = short not in STACKING  # cat and stack take a dim, hstack and family do not
        if len(args) > 1 + along or set(kwargs) - ({"dim", "axis", "tensors"} if along else
                                                    {"tensors"}):
            raise error_at(node, f"torch.{short} is read with a list of tensors"
                                 f"{' and dim=' if along else ''}")
        listed = args[0] if args else kwargs.get("tensors")
        parts = self.items(listed, node) if listed is not None else []
        dim_value = args[1] if len(args) > 1 else kwargs.get("dim", kwargs.get("axis", Number(0)))
        if not any(self.needs_grad(p) for p in parts) or not self.grad_enabled:
            return self.value_call(getattr(torch, short), f"torch.{short}", node,
                                   evaluated=(args, kwargs))
        if not along:
            assert listed is not None  # a tensor in it needs grad
            return self.cat_chain(*self.stacking(short, listed, parts, node), parts, node)
        dim = self.plain(dim_value, node)
        try:  # torch's own checks (shapes, dim range) on the numbers
            getattr(torch, short)([self.concrete(p, node) for p in parts], dim)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        given = parts
        if short == "stack":
            parts = [self.reshaped("unsqueeze", p, [Number(dim)], {}, node) for p in parts]
        if dim < 0:
            dim += len(self.concrete(parts[0], node).shape)
        return self.cat_chain(parts, dim, given, node)

    def stacking(self, short: str, listed: Value, parts: list[Value], node: ast.Call
                 ) -> tuple[list[Value], int]:
        """torch.hstack((x, y)) and its family as torch computes them: each tensor made
        1-d (hstack), 2-d (vstack, row_stack; column_stack makes a 1-d one a column) or
        3-d (dstack), then joined along the dim torch joins them on."""
        try:  # torch's own checks (a tuple of tensors, sizes that fit) on the numbers
            getattr(torch, short)(self.concrete(listed, node))
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        shapes = [tuple(self.concrete(p, node).shape) for p in parts]
        wanted = [_stacking_shape(short, shape) for shape in shapes]
        dim = _STACKING_DIMS.get(short, 0 if len(wanted[0]) == 1 else 1)
        return [p if shape == want else self.op_node("reshape", [p], {"shape": list(want)}, node)
                for p, shape, want in zip(parts, shapes, wanted, strict=True)], dim

    def cat_chain(self, parts: list[Value], dim: int, given: list[Value], node: ast.AST
                  ) -> Value:
        """The parts joined by binary cat ops; one tensor given alone is torch's copy of it
        (a new tensor, as torch.cat([x]) is not x)."""
        if len(parts) == 1 and parts[0] is given[0]:
            return self.op_node("clone", parts, {}, node)
        value = parts[0]
        for part in parts[1:]:
            value = self.op_node("cat", [value, part], {"dim": dim}, node)
        return value

    def meshgrid(self, node: ast.Call) -> Value:
        """torch.meshgrid(x, t, indexing="ij") of tensors with grad: each one reshaped to
        lie along its own dim of the grid and expanded to the grid, as torch's views are
        (the gradient of a grid summed back along the other dims); without grad, computed."""
        args, kwargs = self.arguments(node)
        parts = self.items(args[0], node) if len(args) == 1 and isinstance(args[0], Py) \
            else args
        if not self.grad_enabled or not any(self.needs_grad(p) for p in parts):
            return self.value_call(torch.meshgrid, "torch.meshgrid", node,
                                   evaluated=(args, kwargs))
        try:  # torch's own checks (0-d or 1-d tensors of one dtype) and the grids' shape
            grids = torch.meshgrid(*(self.concrete(p, node) for p in parts),
                                   **{k: self.plain(v, node) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        xy = "indexing" in kwargs and self.plain(kwargs["indexing"], node) == "xy"
        made: list[Value] = []
        for i, (part, grid) in enumerate(zip(parts, grids, strict=True)):
            along = [1] * grid.dim()  # xy: the first two dims of the grid swapped
            along[{0: 1, 1: 0}.get(i, i) if xy else i] = -1  # the dim the part runs on
            lined = self.op_node("reshape", [part], {"shape": along}, node)
            made.append(self.op_node("expand", [lined], {"size": list(grid.shape)}, node))
        return Py(tuple(made))

    def reshaped(self, fn: str, receiver: Value, args: list[Value], kwargs: dict[str, Value],
                 node: ast.AST) -> Value:
        """x.unsqueeze(0), x.squeeze(1) of a tensor with grad: the reshape to the shape torch
        gives (the same view, the same backward: the gradient reshaped back)."""
        t = self.concrete(receiver, node)
        try:
            shaped = getattr(t, fn)(*[self.plain(a, node) for a in args],
                                    **{k: self.plain(v, node) for k, v in kwargs.items()})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.op_node("reshape", [receiver], {"shape": list(shaped.shape)}, node)

    def max_or_min(self, short: str, receiver: Value | None, node: ast.Call, what: str
                   ) -> Value:
        """torch.max(a, b) / a.max(b) of two tensors is the elementwise maximum, an op of
        the graph; torch.max(a, 1) gives (values, indices), read as values."""
        args, kwargs = self.arguments(node)
        if "input" in kwargs and receiver is None and not args:  # torch.max(input=x, ...)
            args = [kwargs.pop("input")]
        if "other" in kwargs and len(args) + (receiver is not None) == 1:  # other=y
            args = [*args, kwargs.pop("other")]
        every = ([receiver] if receiver is not None else []) + args
        if len(every) == 2 and not kwargs and all(isinstance(v, Pending | Ref) for v in every):
            return self.op_node("maximum" if short == "max" else "minimum", every, {}, node)
        along = self.dim_asked(every, kwargs, node)
        if along is not None and isinstance(every[0], Pending | Ref) and \
                self.needs_grad(every[0]) and self.grad_enabled:  # x.max(dim=1): (values, indices)
            return self.max_along(short, every[0], along[0], along[1], node)
        if len(every) == 1 and not kwargs and isinstance(every[0], Pending | Ref) and \
                self.needs_grad(every[0]) and self.grad_enabled:
            return self.op_node("a" + short, every, {}, node)  # x.max(): the whole tensor's
        fn = getattr(self.concrete(receiver, node), short) if receiver is not None else \
            getattr(torch, short)
        return self.value_call(fn, what, node, receiver=receiver, evaluated=(args, kwargs))

    def dim_asked(self, every: list[Value], kwargs: dict[str, Value], node: ast.Call
                  ) -> tuple[int, bool] | None:
        """(dim, keepdim) of torch.max(x, 1) / x.max(dim=1, keepdim=True), else None."""
        dims = [v for v in (*every[1:], kwargs.get("dim")) if v is not None]
        if len(dims) != 1 or not isinstance(dims[0], Number) or len(every) > 2:
            return None
        keep = self.plain(kwargs["keepdim"], node) if "keepdim" in kwargs else False
        dim = dims[0].value
        if not isinstance(dim, int) or isinstance(dim, bool) or not isinstance(keep, bool):
            return None
        return dim, keep

    def max_along(self, short: str, receiver: Value, dim: int, keepdim: bool,
                  node: ast.Call) -> Value:
        raise NotImplementedError  # selecting.py

    def value_call(self, fn: Any, what: str, node: ast.Call, receiver: Value | None = None,
                   evaluated: tuple[list[Value], dict[str, Value]] | None = None) -> Value:
        args, kwargs = evaluated if evaluated is not None else self.arguments(node)
        every = ([receiver] if receiver is not None else []) + args + list(kwargs.values())
        with_grad = False
        for value in every:
            for item in value.value if isinstance(value, Py) and isinstance(
                    value.value, list | tuple) else [value]:
                with_grad = with_grad or (self.grad_enabled and self.needs_grad(item))
        plain = [self.concrete(a, node) for a in args]
        plain_kw = {k: self.concrete(v, node) for k, v in kwargs.items()}
        for size in [*plain, plain_kw.get("size")]:
            if isinstance(size, tuple | list) and size and all(
                    isinstance(n, int) and not isinstance(n, bool) for n in size):
                self.check_count(math.prod(size), node)  # before torch allocates it
        if what == "torch.randperm" and plain and isinstance(plain[0], int):
            self.check_count(plain[0], node)
        if what.endswith("one_hot") and plain and isinstance(plain[0], torch.Tensor):
            classes = plain[1] if len(plain) > 1 else plain_kw.get("num_classes", -1)
            if isinstance(classes, int) and classes > 0:  # else torch counts them itself
                self.check_fits(plain[0].numel() * classes, node)
        if what.removeprefix("torch.") in RANDOM_FUNCTIONS:
            plain_kw["generator"] = self.generator
        try:
            result = fn(*plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words, at run time
            raise raised_at(node, exc) from None
        picks = isinstance(result, tuple) and hasattr(result, "indices") and len(result) == 2
        if isinstance(result, tuple) and hasattr(result, "values"):
            result = tuple(result)  # torch.max(t, dim) → (values, indices)
        out = self.wrap(result, node)
        if picks and isinstance(out, Py) and isinstance(out.value, tuple):
            out = Py(Picks(*out.value))  # .values and .indices, as torch's return types have
        if isinstance(out, Pending) and plain_kw.get("requires_grad") is True:
            out.requires_grad = True  # torch.normal(0, 1, size=(2, 1), requires_grad=True)
            self.leaves_pending.append(out)
        if with_grad and not what.endswith("_like"):  # empty_like(x): new memory, no graph
            # fine in a condition (while y.norm() < 1000); in the graph it would lose the
            # gradient torch gives it, so it may not enter the graph
            for item in out.value if isinstance(out, Py) and isinstance(
                    out.value, list | tuple) else [out]:
                if isinstance(item, Pending):
                    item.no_graph = (f"{what} of a tensor that requires grad is not in "
                                     "Gradflow's op list; its value may be read (in a "
                                     "condition, with .item()) but not computed with")
        return out

    def cast(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        given = node.args[0] if node.args else next(
            (kw.value for kw in node.keywords if kw.arg == "dtype"), None)
        python_type = given.id if isinstance(given, ast.Name) and given.id in PYTHON_DTYPES \
            and given.id not in self.env and len(node.args) + len(node.keywords) == 1 else None
        if attr in CASTS:
            args, kwargs = self.arguments(node)
            dtype = CASTS[attr]
        elif python_type is not None and attr == "type":  # torch refuses x.type(float)
            builtin = {"float": float, "int": int, "bool": bool}[python_type]
            try:
                torch.zeros(1).type(builtin)  # type: ignore[call-overload]
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
            dtype = TORCH_DTYPES[PYTHON_DTYPES[python_type]]  # (should torch take it)
        elif python_type is not None:  # x.to(float): float64, as torch reads Python's float
            dtype = TORCH_DTYPES[PYTHON_DTYPES[python_type]]
        elif attr == "type" and given is not None and (self.module_path(given) or "").startswith(
                "torch.") and str(self.module_path(given)).removeprefix("torch.") in TYPED_TENSORS:
            # x.type(torch.FloatTensor): the tensor class itself, as torch takes it
            dtype = TYPED_TENSORS[str(self.module_path(given)).removeprefix("torch.")]
        else:
            args, kwargs = self.arguments(node)
            target = args[0] if args else kwargs.get("dtype", kwargs.get("device"))
            found = self.concrete(target, node) if target is not None else None
            if attr == "to" and (isinstance(found, torch.device) or isinstance(found, str) and
                                 found.removeprefix("torch.") not in TYPED_TENSORS):
                self.cpu_only(Py(found), node)  # x.to(device): the CPU, x itself
                return receiver
            if isinstance(found, torch.Tensor):
                dtype = found.dtype
            elif isinstance(found, str):
                kind = found.removeprefix("torch.")
                if kind not in TYPED_TENSORS:
                    raise error_at(node, f".type({found!r}) is not supported; use "
                                         ".type(torch.float64) or .double()")
                dtype = TYPED_TENSORS[kind]
            elif isinstance(found, torch.dtype):
                dtype = found
            elif isinstance(found, type) and found.__name__ in TYPED_TENSORS:
                dtype = TYPED_TENSORS[found.__name__]  # dtype = torch.FloatTensor; x.type(dtype)
            else:
                raise error_at(node, f".{attr}(...) is read only with a dtype, e.g. "
                                     f".{attr}(torch.float64)")
        if dtype not in TORCH_DTYPES.values():
            raise error_at(node, f"the dtype {str(dtype).removeprefix('torch.')} is not "
                                 f"supported; use {DTYPES_TEXT}")
        current = self.concrete(receiver, node)
        if current.dtype == dtype:
            return receiver  # torch returns the tensor itself
        if self.needs_grad(receiver) and self.grad_enabled:
            return self.op_node("to", [receiver], {"dtype": dtype_name(dtype)}, node)
        return self.from_tensor(current.to(dtype), node)

    def made_like(self, attr: str, receiver: Value, node: ast.Call) -> Value:
        """`y.new_tensor([1, 2])`, `y.new_zeros(3)`, `y.new(2, 3)`: a new tensor with y's
        dtype and none of its history, as torch makes it; requires_grad=True makes it a
        leaf."""
        args, kwargs = self.arguments(node)
        wants = kwargs.pop("requires_grad", None)
        plain = [self.plain(a, node) for a in args]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items()}
        t = self.concrete(receiver, node).detach()
        try:  # its size first, on the meta device: nothing is allocated past the limits
            sized = getattr(t.to("meta"), attr)(*plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        self.check_size(sized, node)
        made = getattr(t, attr)(*plain, **plain_kw)
        if attr == "new" and all(isinstance(a, int | torch.Size) for a in plain):
            made = made.zero_()  # `w.new(2, 3)`: memory, its numbers unset: zeros as any
        leaf = wants is not None and self.plain(wants, node) is True
        return self.from_tensor(made, node, requires_grad=True if leaf else None)
