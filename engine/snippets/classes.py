"""The snippet's own nn.Module classes.

`class Net(nn.Module)` is read when its statement is reached, as Python runs a class body:
its constants and methods are kept, nothing else happens; what cannot be read in a class is
refused only where the class is used, so a class that is never used changes nothing.

`Net(...)` reads `__init__` with `self` bound to a new model (a `Module` of kind "Net"):
`self.fc1 = nn.Linear(2, 4)` draws the layer's numbers from the snippet's generator as torch
would, in the same order; `model(x)` and `model.forward(x)` inline `forward` (and any helper
method it calls) like a def. Its parameters become leaves named as torch names them with the
model's name in front (`model_fc1_weight` for `fc1.weight`).

A model's attributes (`self.fc1 = ...`, `model.fc1`) are filed and read in
model_attributes.py; optimizers over a model's parameters are read in optimizers.py; a class
deriving from another of the snippet's, and super(), in class_inheritance.py.
"""

from __future__ import annotations

import ast
from collections import ChainMap

from engine.limits import CALL_DEPTH
from engine.snippets.class_inheritance import ClassInheritance
from engine.snippets.dataclass_records import written_out
from engine.snippets.model_attributes import REGISTERING
from engine.snippets.model_classes import ModelClass, is_class
from engine.snippets.module_methods import MODULE_CASTS
from engine.snippets.module_tree import TREE_METHODS
from engine.snippets.optimizers import OUTSIDE
from engine.snippets.safety import ImportError_, TorchRaised, error_at, raised_at
from engine.snippets.values import Function, Module, Py, Value, same_tensor, swap_held

# methods that never run here (Python calls them to print the object), so they change nothing
_SHOWING = frozenset({"__init__", "__repr__", "__str__", "extra_repr"})
# what torch's nn.Module gives a model that the importer reads (modules.py)
_MODULE_METHODS = frozenset({"parameters", "named_parameters", "zero_grad", "train", "eval",
                             "forward", "register_forward_hook", "register_forward_pre_hook",
                             "register_full_backward_hook", "register_backward_hook",
                             "register_full_backward_pre_hook", "apply", "modules",
                             "children", "state_dict", *TREE_METHODS})
# a data set class of the snippet's own (own_datasets.py): its base, and the methods torch's
# protocol calls on it besides what Python calls to show it
DATASET_BASES = ("torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset")
_DATASET_METHODS = frozenset({"__len__", "__getitem__"})


class ClassReader(ClassInheritance):
    # ---- the class statement -----------------------------------------------------------
    def one_statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.ClassDef):
            self.statements_run += 1
            self.define_class(stmt)
            return
        super().one_statement(stmt)

    def define_class(self, stmt: ast.ClassDef) -> None:
        stmt = written_out(stmt, self.module_path) or stmt  # @dataclass: its __init__
        base = self.own_base(stmt)  # class Lin(Module): its members under Lin's own
        cls = ModelClass(stmt, scope=self.env, dataset=self.dataset_class(stmt),
                         plain=_plain_bases(stmt), base=base)
        if base is not None:
            cls.plain, cls.dataset = base.plain, base.dataset
        found = self.class_refusal(stmt)
        cls.refusal = None if found is None else error_at(*found)
        if cls.refusal is None:  # the body runs now, as Python runs it: constants, methods
            saved, self.env = self.env, ChainMap(cls.constants, self.env)
            try:
                for item in stmt.body:
                    if isinstance(item, ast.FunctionDef):
                        self.define(self.plain_def(item, cls.kinds))
                    elif isinstance(item, ast.Assign | ast.AnnAssign):
                        self.statement(item)
            except TorchRaised:
                raise  # the script stops here too
            except ImportError_ as exc:
                cls.refusal = exc
            finally:
                self.env = saved
            for item in stmt.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                bound = cls.constants.pop(item.name, None)
                if isinstance(bound, Py) and isinstance(bound.value, Function):
                    bound.value.scope = cls.scope  # a method sees the module's names only
                    bound.value.owner = cls  # where its super() looks past
                    cls.methods[item.name] = bound.value
        cls.inherit()
        self.env[stmt.name] = Py(cls)

    def dataset_class(self, stmt: ast.ClassDef) -> bool:
        """`class Data(Dataset)`: a data set class of the snippet's own (own_datasets.py)."""
        return len(stmt.bases) == 1 and self.module_path(stmt.bases[0]) in DATASET_BASES

    def class_refusal(self, stmt: ast.ClassDef) -> tuple[ast.AST, str] | None:
        """Where and why this class cannot be used, or None when it is read."""
        name = stmt.name
        read = ("Gradflow reads a class deriving from nn.Module, with an __init__ that makes "
                "its layers and a forward (and helper methods)")
        if stmt.decorator_list or stmt.keywords:
            where = stmt.decorator_list[0] if stmt.decorator_list else stmt.keywords[0]
            return where, f"the class {name} has a decorator or a metaclass, {OUTSIDE}; {read}"
        bases = stmt.bases
        refused = self.inheritance_refusal(stmt)  # class_inheritance.py
        if refused is not None:
            return refused
        base = self.own_base(stmt)
        dataset = self.dataset_class(stmt) if base is None else base.dataset
        plain = _plain_bases(stmt) if base is None else base.plain
        if base is None and not dataset and not plain and (
                len(bases) != 1 or self.module_path(bases[0]) != "torch.nn.Module"):
            return stmt, (f"the class {name} derives from {ast.unparse(bases[0])}, "
                          f"{OUTSIDE}; {read} (or from torch.utils.data.Dataset, with "
                          "__len__ and __getitem__, or a plain class of methods); write this "
                          "one's computation as a def")
        for item in stmt.body:
            if isinstance(item, ast.Pass) or isinstance(item, ast.Expr) and isinstance(
                    item.value, ast.Constant):
                continue  # a docstring
            if isinstance(item, ast.Assign | ast.AnnAssign) and all(
                    isinstance(t, ast.Name) for t in (
                        item.targets if isinstance(item, ast.Assign) else [item.target])):
                continue  # a class constant
            if not isinstance(item, ast.FunctionDef):
                return item, (f"this statement in the class {name} is {OUTSIDE}; a model "
                              "class is read with its methods and constants (NAME = value)")
            refused = self.decorator_refusal(item, name)  # class_members.py
            if refused is not None:
                return refused
            if item.name.startswith("__") and item.name not in (*_SHOWING, "__call__",
                                                                 "__enter__", "__exit__") and \
                    not (dataset and item.name in _DATASET_METHODS) and \
                    not (plain and item.name in OPERATORS):
                return item, (f"{name}.{item.name} changes how Python treats the model, "
                              f"{OUTSIDE}; a model class is read with __init__, forward and "
                              "plain methods")
        return None

    def expression_statement(self, node: ast.expr) -> None:
        if not self.data_initialised(node):  # m.bias.data.fill_(0.01): layer_setup.py
            super().expression_statement(node)

    def has_effects(self, call: ast.Call) -> bool:
        """print(Net()) runs __init__ as the script does: its layers draw from the stream."""
        if isinstance(call.func, ast.Name) and is_class(self.env.get(call.func.id)):
            return True
        return super().has_effects(call)

    # ---- making a model ----------------------------------------------------------------
    def call_value(self, target: Value, node: ast.Call) -> Value:
        if isinstance(target, Py) and isinstance(target.value, ModelClass):
            return self.instantiate(target.value, node)
        return super().call_value(target, node)

    def instantiate(self, cls: ModelClass, node: ast.Call) -> Value:
        if cls.refusal is not None:
            raise cls.refusal
        args, kwargs = self.arguments(node)
        # an nn.Module is ready for layers once super().__init__() ran; any other object is
        model = Module(cls.name, cls=cls, ready=cls.plain or cls.dataset)
        self.instances.append(model)
        init = cls.methods.get("__init__")
        if init is None:
            if args or kwargs:
                raise raised_at(node, TypeError(f"{cls.name}.__init__() takes 1 positional "
                                                f"argument but {len(args) + 1} were given"))
            model.ready = True
            return Py(model)
        self.building.append(model)
        try:
            returned = self.method_call(model, init, args, kwargs, node)
        finally:
            self.building.pop()
        if not (isinstance(returned, Py) and returned.value is None):
            raise raised_at(node, TypeError("__init__() should return None"))
        return Py(model)

    def relabel(self, old: Value, new: Value, where: ast.AST) -> Value:
        """`self.w.requires_grad = True` makes a new leaf of what self.w held: the object's
        attribute names it from then on, as a name in the script does (torchcalls.py)."""
        seen: set[int] = set()
        for model in self.instances:
            for attr, held in list(model.attrs.items()):
                if same_tensor(held, old):
                    model.attrs[attr] = new
                elif isinstance(held, Py):  # self.state[id(p)]["momentum_buffer"]
                    swap_held(held, lambda h: same_tensor(h, old), new, seen)
        return super().relabel(old, new, where)

    def name_parameters(self, module: Module, prefix: str) -> None:
        """Inside a model's __init__ a local name (`for m in self.modules()`) is not where
        its layers live: their leaves are named when the model itself is bound."""
        if not self.building:
            super().name_parameters(module, prefix)

    def method_call(self, model: Module, fn: Function, args: list[Value],
                    kwargs: dict[str, Value], node: ast.Call) -> Value:
        """A method's body inlined with `self` bound to the model."""
        if CALL_DEPTH.exceeded(self.depth + 1):
            raise error_at(node, f"{fn.name} calls nest {CALL_DEPTH.message()} (recursion?)")
        return self.inline(fn, [Py(model), *args], kwargs, node)

    # ---- operators of a plain class (a micrograd-style Value) --------------------------
    def python_binop(self, op_node: ast.operator, left: Value, right: Value,
                     where: ast.AST) -> Value:
        """`a * b` with an object of the snippet's own class: a.__mul__(b), else
        b.__rmul__(a), as Python tries them."""
        name = _BINARY.get(type(op_node))
        for obj, other, method in ((left, right, f"__{name}__"), (right, left, f"__r{name}__")):
            fn = _own_operator(obj, method) if name is not None else None
            if fn is not None:
                assert isinstance(obj, Py)
                return self.method_call(obj.value, fn, [other], {}, _call_at(where, method))
        return super().python_binop(op_node, left, right, where)

    def python_negative(self, value: Py, where: ast.UnaryOp) -> Value:
        fn = _own_operator(value, "__neg__")
        if fn is None:
            return super().python_negative(value, where)
        return self.method_call(value.value, fn, [], {}, _call_at(where, "__neg__"))

    def own_class_type(self, node: ast.expr) -> type | None:
        """isinstance(other, Value) of the snippet's own class Value."""
        held = self.env.get(node.id) if isinstance(node, ast.Name) else None
        return held.value.python_type if is_class(held) else None  # type: ignore[union-attr]

    # ---- the class's own constants -----------------------------------------------------
    def attribute(self, node: ast.Attribute) -> Value:
        if self.module_path(node) is None and isinstance(node.value, ast.Name):
            owner = self.env.get(node.value.id)
            if isinstance(owner, Py) and isinstance(owner.value, ModelClass):  # Net.HIDDEN
                if node.attr in owner.value.constants:
                    return owner.value.constants[node.attr]
                raise error_at(node, f"{ast.unparse(node)}: only a class's constants are "
                                     "read from the class itself")
        return super().attribute(node)

    # ---- calling a model ---------------------------------------------------------------
    def module_on(self, module: Module, args: list[Value], kwargs: dict[str, Value],
                  node: ast.Call) -> Value:
        if module.cls is not None:
            return self.forward(module, args, kwargs, node)
        return super().module_on(module, args, kwargs, node)

    def apply(self, module: Module, value: Value, node: ast.Call) -> Value:
        if module.cls is not None:  # a model inside an nn.Sequential
            return self.forward(module, [value], {}, node)
        return super().apply(module, value, node)

    def invoke(self, module: Module, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        """`model(x)` of a class with its own __call__: Python calls that, not torch's
        (so no module hook runs, as in torch)."""
        own = module.cls.methods.get("__call__") if module.cls is not None else None
        if own is None and module.cls is not None and not module.cls.is_module:
            raise raised_at(node, TypeError(f"'{module.kind}' object is not callable"))
        if own is None:
            return super().invoke(module, args, kwargs, node)
        return self.bound_call(own, [*self.first_arguments(module, "__call__"), *args],
                               kwargs, node)

    def forward(self, model: Module, args: list[Value], kwargs: dict[str, Value],
                node: ast.Call) -> Value:
        assert model.cls is not None
        if not model.ready:
            raise error_at(node, f"{model.kind}.__init__ must call super().__init__() first")
        fn = model.cls.methods.get("forward")
        if fn is None:
            raise raised_at(node, NotImplementedError(
                f'Module [{model.kind}] is missing the required "forward" function'))
        return self.bound_call(fn, [*self.first_arguments(model, "forward"), *args], kwargs,
                               node)

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if attr in ("to", "cpu", *MODULE_CASTS) and (module.cls is None
                                                      or attr not in module.cls.methods):
            return self.on_the_cpu(module, node)
        if module.cls is None:
            return super().module_method(module, attr, node)
        if attr in module.cls.methods:
            return self.member_call(module, attr, node)
        found = self.instance_attribute(module, attr)
        if found is not None:  # self.fc1(x), self.act(h)
            return self.call_value(found, node)
        if not module.cls.is_module:  # a Dataset or a plain object has nn.Module's none
            raise raised_at(node, AttributeError(f"'{module.kind}' object has no attribute "
                                                 f"'{attr}'"))
        if attr in REGISTERING:  # register_parameter, register_buffer, add_module
            return self.register(module, node, REGISTERING[attr])
        if attr not in _MODULE_METHODS:
            raise error_at(node, f".{attr}() of the model {module.kind} is {OUTSIDE}; the "
                                 f"model is read with {', '.join(sorted(_MODULE_METHODS))}")
        return super().module_method(module, attr, node)


def _plain_bases(stmt: ast.ClassDef) -> bool:
    """`class Model:` or `class Model(object):`: a plain Python class."""
    return not stmt.bases or len(stmt.bases) == 1 and isinstance(stmt.bases[0], ast.Name) \
        and stmt.bases[0].id == "object"


# a plain class's operators, which Python calls for `a + b`, `2 * a`, `-a`
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.Pow: "pow", ast.MatMult: "matmul"}
OPERATORS = frozenset({f"__{r}{n}__" for n in _BINARY.values() for r in ("", "r")} |
                      {"__neg__"})


def _call_at(where: ast.AST, method: str) -> ast.Call:
    """The call Python makes for an operator (`a.__mul__(b)`), placed where the operator is."""
    return ast.copy_location(ast.Call(func=ast.copy_location(ast.Name(method, ast.Load()), where),
                                      args=[], keywords=[]), where)


def _own_operator(value: Value, method: str) -> Function | None:
    """The operator method of an object of a plain class of the snippet's, or None."""
    if isinstance(value, Py) and isinstance(value.value, Module) and \
            value.value.cls is not None and value.value.cls.plain:
        found = value.value.cls.methods.get(method)
        return found if isinstance(found, Function) else None
    return None


__all__ = ["ClassReader", "ModelClass"]

