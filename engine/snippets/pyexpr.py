"""The plain-Python side of a snippet's expressions: comparisons, and/or, conditional
expressions, lists and tuples, subscripts, and calls sent on by what is called (a function of
the snippet, a builtin, a torch path, a method by its receiver), with the tensor methods that
read values (`.item()`, `.norm()`) rather than build the graph (builtins and `math`:
pybuiltins.py; attributes such as `.shape`, `.data` and `.grad`: attributes.py). Each is
evaluated by the importer on concrete values with a fixed table of allowed functions; nothing
is handed to Python's eval.
"""

from __future__ import annotations

import ast
import operator
from collections import ChainMap
from typing import Any

import torch

from engine.limits import VALUE_ELEMENTS
from engine.snippets.attributes import PLAIN_METHODS, AfterBackward
from engine.snippets.command_line import CommandLine
from engine.snippets.grad_fn_values import GradFn
from engine.snippets.layer_setup import LayerMethod
from engine.snippets.named_tuples import is_record_class
from engine.snippets.plain_methods import NOT_CALLABLE
from engine.snippets.safety import (
    OPERATOR_METHODS,
    error_at,
    raised_at,
    refuse_outside,
    short_text,
)
from engine.snippets.tables import METHODS
from engine.snippets.values import (
    BoundTensorMethod,
    Function,
    Module,
    Number,
    Pending,
    PrettyPrinter,
    Py,
    Ref,
    TorchFunction,
    Value,
    numbers_in,
)

# the name a bound method's tensor has while its call is read (no snippet's name has spaces)
_BOUND = "the bound tensor"
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_PY_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
              ast.Mod: operator.mod, ast.Pow: operator.pow,
              # no derivative: masks (`(x > -4) & (x < 4)`), integer bits, Python's sets
              ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
              ast.LShift: operator.lshift, ast.RShift: operator.rshift}


class PythonReader(CommandLine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env["__name__"] = Py("__main__")

    # ---- expressions beyond tensors ---------------------------------------------------
    def other_expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            return Py(node.value)  # a string, None, ...
        if isinstance(node, ast.List | ast.Tuple):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise error_at(node, "* unpacking is not supported; write the items out")
            items = [self.expr(e) for e in node.elts]
            return Py(items if isinstance(node, ast.List) else tuple(items))
        if isinstance(node, ast.Set):  # {1, 2}: of plain values, as Python hashes them
            try:
                return Py({self.plain(self.expr(e), e) for e in node.elts})
            except TypeError as exc:
                raise raised_at(node, exc) from None
        if isinstance(node, ast.Dict):  # {'w': w, 'b': b}: keys are plain values
            if any(k is None for k in node.keys):
                raise error_at(node, "** in a dict is not supported; write the items out")
            try:
                return Py({self.dict_key(self.expr(k), k): self.expr(v)  # type: ignore[arg-type]
                           for k, v in zip(node.keys, node.values, strict=True)})
            except TypeError as exc:  # an unhashable key, in Python's words
                raise raised_at(node, exc) from None
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            value = self.expr(node.values[0])
            for operand in node.values[1:]:
                truth = self.truth(value, node)
                if truth == isinstance(node.op, ast.Or):
                    return value
                value = self.expr(operand)
            return value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Number(not self.truth(self.expr(node.operand), node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return self.inverted(self.expr(node.operand), node)
        if isinstance(node, ast.IfExp):
            chosen = node.body if self.truth(self.expr(node.test), node) else node.orelse
            return self.expr(chosen)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Lambda):  # it sees the names where it is written (a closure)
            return Py(Function(node, [self.expr(d) for d in node.args.defaults], scope=self.env,
                               kw_defaults=[None if d is None else self.expr(d)
                                            for d in node.args.kw_defaults]))
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        return super().other_expr(node)

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> Value:
        raise error_at(node, "list comprehensions are not supported here")  # statements.py

    def compare(self, node: ast.Compare) -> Value:
        left = self.concrete(self.expr(node.left), node)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.concrete(self.expr(right_node), node)
            try:
                step = _COMPARE[type(op)](left, right)
            except Exception as exc:  # noqa: BLE001 - torch's or Python's own words
                raise raised_at(node, exc) from None
            if len(node.ops) == 1:
                return self.wrap(step, node)
            if not self.truth(self.wrap(step, node), node):
                return Number(False)
            result, left = step, right
        return self.wrap(result, node)

    def python_binop(self, op_node: ast.operator, left: Value, right: Value,
                     where: ast.AST) -> Value:
        if isinstance(op_node, ast.Mod) and self.needs_grad(left) and \
                isinstance(left, Pending | Ref) and isinstance(right, Pending | Ref | Number):
            return self.op_node("remainder", [left, right], {}, where)  # Tensor.__mod__
        if self.needs_grad(left) or self.needs_grad(right):
            raise error_at(where, f"{short_text(where)}: this operator is not in Gradflow's op "
                                  "list for tensors that require grad; use + - * / ** @")
        fn = _PY_BINOPS.get(type(op_node))
        if fn is None:
            raise error_at(where, "this operator is not supported; use + - * / ** @")
        a, b = self.concrete(left, where), self.concrete(right, where)
        if isinstance(a, list | tuple | str) or isinstance(b, list | tuple | str):
            count = _written_out(a, b)
            if count > VALUE_ELEMENTS.value:
                raise error_at(where, f"this list or text would be "
                                      f"{VALUE_ELEMENTS.message(f'{count:,}')}")
            if isinstance(a, str) and isinstance(op_node, ast.Mod):
                try:  # "Class %d (y=%d)" % (yi, yi): the items' own numbers
                    return Py(a % b)
                except (TypeError, ValueError) as exc:
                    raise raised_at(where, exc) from None
            if isinstance(left, Py) and isinstance(right, Py):
                try:
                    return Py(fn(left.value, right.value))
                except TypeError as exc:
                    raise raised_at(where, exc) from None
        try:
            return self.wrap(fn(a, b), where)
        except Exception as exc:  # noqa: BLE001 - torch's or Python's own words
            raise raised_at(where, exc) from None

    def inverted(self, value: Value, node: ast.UnaryOp) -> Value:
        """`~mask` of a mask (or ~n of an integer): torch's own bitwise not, on numbers that
        carry no gradient (torch has no gradient for it either)."""
        if isinstance(value, Number) and isinstance(value.value, int):
            return Number(~value.value)
        if isinstance(value, Pending | Ref) and not self.needs_grad(value):
            try:
                return self.from_tensor(~self.concrete(value, node), node)
            except Exception as exc:  # noqa: BLE001 - torch's own words (~ of a float)
                raise raised_at(node, exc) from None
        raise error_at(node, f"{short_text(node)}: ~ is read on a boolean mask or an integer")

    # ---- calls ------------------------------------------------------------------------
    def call(self, node: ast.Call) -> Value:
        node = self.unpacked_numbers(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in OPERATOR_METHODS and \
                len(node.args) == 1 and not node.keywords:  # x.__pow__(2) is x ** 2
            op, reflected = OPERATOR_METHODS[func.attr]
            left, right = (node.args[0], func.value) if reflected else (func.value, node.args[0])
            return self.expr(ast.copy_location(ast.BinOp(left, op, right), node))
        if isinstance(func, ast.Name) and func.id not in self.modules:
            if func.id in self.env:
                return self.call_value(self.env[func.id], node)
            return self.builtin(func.id, node)
        path = self.module_path(func)
        if path is not None:
            if path.startswith("random."):
                return self.random_call(path.removeprefix("random."), node)
            if path == "pdb.set_trace" and not node.args and not node.keywords:
                return Py(None)  # a debugger stop: the reading goes on, as a script run
            if path in ("pprint.pprint", "pprint.pp", "traceback.print_exc",
                        "traceback.print_exception", "traceback.print_stack"):
                self.arguments(node)
                return Py(None)  # output of the script, as print's is
            if path == "pprint.PrettyPrinter":  # its .pprint(...) prints
                return Py(PrettyPrinter())
            if path in ("warnings.filterwarnings", "warnings.simplefilter",
                        "warnings.resetwarnings", "warnings.warn"):
                return Py(None)  # what torch warns goes to stderr only; no number changes
            if path in ("sys.path.append", "sys.path.insert") and all(
                    isinstance(a, ast.Constant) for a in node.args) and not node.keywords:
                # where the script's own modules are looked for: Gradflow imports none
                return Py(None)
            if path.startswith("pdb.") or path.startswith("warnings.") or \
                    path.startswith("gc."):
                raise error_at(node, f"{path} is not supported; pdb.set_trace() and a line "
                                     "of its own gc.collect() are read as lines that do "
                                     "nothing, warnings' filters as filters")
            if path == "argparse.ArgumentParser":  # the script's options: their defaults
                return self.argument_parser(node)
            if path == "collections.namedtuple":
                return self.named_tuple_class(node)
            if path == "types.SimpleNamespace":
                return self.namespace(node)
            refuse_outside(path, node)
            if path.startswith("math."):
                return self.math_call(path.removeprefix("math."), node)
            if path.startswith("time."):
                return self.time_call(path.removeprefix("time."), node)
            if path.startswith("datetime."):
                return self.datetime_call(path, node)
            if path == "collections.OrderedDict":  # a dict keeps its order too (Python 3.7)
                return self.builtin("dict", node)
            if path.startswith("itertools."):
                return self.itertools_call(path.removeprefix("itertools."), node)
            if path.startswith("torch.nn.") and path.count(".") == 2:
                return self.module(path.removeprefix("torch.nn."), node)
            if path.startswith("torch.Tensor.") and path.removeprefix("torch.Tensor.") in (
                    *METHODS, *PLAIN_METHODS):
                return self.call_value(Py(TorchFunction(path)), node)  # x.clamp(lo, hi)
            return self.torch_call(path, node)
        if not isinstance(func, ast.Attribute):
            return self.call_value(self.expr(func), node)  # nn.MSELoss()(a, b)
        filled = self.filled_later(func.value) if func.attr in _FILLS else None
        receiver = filled if filled is not None else self.expr(func.value)
        return self.method(receiver, func.attr, node)

    def unpacked_numbers(self, node: ast.Call) -> ast.Call:
        """`x.view(*y.shape)`, `torch.zeros(*size)`: a starred sequence of plain numbers is
        written out as those numbers, as Python unpacks it; any other `*` is left to the
        call that reads it (itertools.product) or refused there."""
        if not any(isinstance(a, ast.Starred) for a in node.args):
            return node
        args: list[ast.expr] = []
        for a in node.args:
            if not isinstance(a, ast.Starred):
                args.append(a)
                continue
            if any(isinstance(n, ast.Call) and not _size_call(n) for n in ast.walk(a.value)):
                return node  # read once, where the call reads it (a call may draw numbers)
            items = self.items(self.expr(a.value), a)
            if not all(isinstance(v, Number) and v.node_id is None for v in items):
                return node
            args.extend(ast.copy_location(ast.Constant(v.value), a) for v in items
                        if isinstance(v, Number))
        return ast.copy_location(ast.Call(func=node.func, args=args, keywords=node.keywords),
                                 node)

    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, Function):
            return self.call_function(target.value, node)
        if isinstance(target, Py) and isinstance(target.value, Module):
            return self.call_module(target.value, node)
        layer = target.value if isinstance(target, Py) else None
        if isinstance(layer, type) and issubclass(layer, torch.nn.Module):
            name = layer.__name__
            if getattr(torch.nn, name, None) is layer:
                return self.module(name, node)  # norm_layer = nn.Identity; norm_layer(8)
        if isinstance(target, Py) and isinstance(target.value, BoundTensorMethod):
            return self.bound_method_call(target.value, node)
        if isinstance(target, Py) and is_record_class(target.value):
            return self.record(target.value, node)  # Transition(state, action)
        if isinstance(target, Py) and isinstance(target.value, LayerMethod):
            return self.module_method(target.value.module, target.value.attr, node)
        if isinstance(target, Py) and isinstance(target.value, TorchFunction):
            path = target.value.path
            if not path.startswith("torch.Tensor."):
                return self.torch_call(path, node)
            if not node.args:
                raise raised_at(node, TypeError(f"{path.removeprefix('torch.')}() needs a "
                                                "tensor as its first argument"))
            attr = path.rsplit(".", 1)[1]
            method = ast.copy_location(ast.Call(  # torch.Tensor.exp(x) is x.exp()
                func=ast.copy_location(ast.Attribute(value=node.args[0], attr=attr,
                                                     ctx=ast.Load()), node),
                args=node.args[1:], keywords=node.keywords), node)
            return self.method(self.expr(node.args[0]), attr, method)
        if isinstance(target, Py) and isinstance(target.value, GradFn):
            raise error_at(node, f"{short_text(node)} calls a backward node by hand: that runs "
                                 "autograd's own machinery, outside the computation Gradflow "
                                 "reads (it draws the backward nodes and runs them itself); "
                                 "call y.backward() or torch.autograd.grad instead")
        raise raised_at(node, TypeError(f"'{_type_name(target)}' object is not callable"))

    def bound_method_call(self, bound: BoundTensorMethod, node: ast.Call) -> Value:
        """`y = x.detach; y()`: the call x.detach() written out, x named apart."""
        receiver = ast.copy_location(ast.Name(id=_BOUND, ctx=ast.Load()), node)
        method = ast.copy_location(ast.Call(
            func=ast.copy_location(ast.Attribute(value=receiver, attr=bound.attr,
                                                 ctx=ast.Load()), node),
            args=node.args, keywords=node.keywords), node)
        saved = self.env
        self.env = ChainMap({_BOUND: bound.receiver}, saved)
        try:
            return self.method(bound.receiver, bound.attr, method)
        finally:
            self.env = saved

    def call_function(self, fn: Function, node: ast.Call) -> Value:
        raise error_at(node, "calling functions is not supported here")  # functions.py

    def method(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        if isinstance(receiver, Py) and isinstance(receiver.value, Module):
            return self.module_method(receiver.value, attr, node)
        if isinstance(receiver, Py):
            return self.list_method(receiver, attr, node)
        if isinstance(receiver, Number):
            return self.number_method(receiver, attr, node)
        if attr in NOT_CALLABLE:  # x.requires_grad(): the attribute's value is called
            raise raised_at(node, TypeError(f"'{NOT_CALLABLE[attr]}' object is not callable"))
        if attr in METHODS or attr in ("t", "requires_grad_"):
            return self.registry_method(receiver, attr, node)
        return self.tensor_method(receiver, attr, node)


# methods that overwrite every number of their tensor: torch.FloatTensor(2, 3).zero_()
_FILLS = ("zero_", "fill_", "uniform_", "normal_")




def _type_name(value: Value) -> str:
    if isinstance(value, Number):
        return type(value.value).__name__
    if isinstance(value, Py) and isinstance(value.value, BoundTensorMethod):
        return "builtin_function_or_method"
    if isinstance(value, Py):
        return type(value.value).__name__
    return "Tensor"


def _written_out(a: Any, b: Any) -> int:
    """The numbers (or characters) `a op b` holds when one side is a list or text: a repeat
    (`[[0] * 10**4] * 10**4` is 10**8, its row shared) or a concatenation."""
    def size(part: Any) -> int:
        return len(part) if isinstance(part, str) else numbers_in(part)

    for times, part in ((b, a), (a, b)):
        if isinstance(times, int) and not isinstance(times, bool):
            return times * size(part)
    return size(a) + size(b)


__all__ = ["AfterBackward", "PythonReader"]  # AfterBackward: where the readers import it


def _size_call(node: ast.Call) -> bool:
    """`x.size()`: a call that only reads a shape (`torch.zeros(*x.size())`)."""
    return isinstance(node.func, ast.Attribute) and node.func.attr == "size" and \
        not node.args and not node.keywords
