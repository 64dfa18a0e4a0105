"""What a snippet calls on an nn module itself: `model.parameters()`, `named_parameters()`,
`state_dict()`, `load_state_dict(...)`, `zero_grad()`, `train()`/`eval()`, `forward(...)`,
`to(device or dtype)` and `half()`/`float()`/`double()`, and hooks that only look (a forward
or backward hook that prints what it is given)."""

from __future__ import annotations

import ast
from typing import Any

import torch

from engine.document_types import UnknownNodeError
from engine.ops import LEAF
from engine.snippets import param_containers
from engine.snippets.expressions import SHARED_MEMORY
from engine.snippets.module_hooks import MODULE_HOOKS, ModuleHooks
from engine.snippets.module_kinds import (
    child_names,
    named_parameters_of,
    parameters_of,
    set_training,
)
from engine.snippets.param_containers import PARAM_CONTAINERS
from engine.snippets.safety import ImportError_, error_at, raised_at
from engine.snippets.tables import CreationError, dtype_name
from engine.snippets.values import Generated, Module, Pending, Py, Ref, Value

# model.half(), model.double()...: what each converts the parameters to
MODULE_CASTS = {"float": torch.float32, "double": torch.float64, "half": torch.float16,
                "bfloat16": torch.bfloat16}


def _missing_attribute(module: Module, attr: str) -> AttributeError | None:
    """torch's AttributeError for an attribute a torch module of no parameters lacks (an
    nn.ReLU's weight), asked of a default instance of its class; None when that cannot be
    known so (a module with parameters, a class that needs arguments)."""
    cls = getattr(torch.nn, module.kind, None)
    if module.params or module.children or not isinstance(cls, type):
        return None
    try:
        getattr(cls(), attr)
    except AttributeError as exc:
        return exc
    except Exception:  # noqa: BLE001 - a class that needs arguments: not known here
        return None
    return None


class ModuleMethods(ModuleHooks):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id → (numbers of a state_dict() entry, its module, its name): kept alive while held
        self.state_entries: dict[int, tuple[Pending, Module, str]] = {}

    def op_node(self, op: str, inputs: list[Value], params: dict[str, Any],
                where: ast.AST) -> Value:
        """`w * x + b` of state_dict() entries: torch computes with the parameters' numbers
        of this moment, which are the entry's while no update changed them since."""
        shared = [v for v in inputs if isinstance(v, Pending) and v.no_graph and
                  SHARED_MEMORY in v.no_graph]
        if shared and all(self.still_current(v, where) for v in shared):
            return self.computed_constant(op, inputs, params, where)
        return super().op_node(op, inputs, params, where)

    def still_current(self, numbers: Pending, where: ast.AST) -> bool:
        held = self.state_entries.get(id(numbers))
        if held is None or held[0] is not numbers:
            return False
        param = dict(named_parameters_of(held[1])).get(held[2])  # the one it names now
        if param is None:
            return False
        try:
            now = self.concrete(param, where)
        except (ImportError_, UnknownNodeError):  # left with a finished step: updated since
            return False
        return bool(torch.equal(now, self.concrete(numbers, where)))

    def module_attribute_of(self, module: Module, attr: str, node: ast.AST) -> Value:
        if attr in module.params:
            return module.params[attr]
        missing = _missing_attribute(module, attr)
        if missing is not None:  # hasattr(layer, "weight") of an nn.ReLU: False, as in torch
            raise raised_at(node, missing)
        raise error_at(node, f"nn.{module.kind} has no attribute .{attr} read here; use "
                             ".weight or .bias")

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if module.kind in PARAM_CONTAINERS and attr in ("append", "extend", "update"):
            return param_containers.change(module, attr, self.arguments(node)[0],
                                           self.as_parameter, node)
        if module.kind in PARAM_CONTAINERS and attr in ("keys", "values", "items") and \
                not node.args and not node.keywords:
            return param_containers.listed(module, attr, node)
        if attr == "parameters":  # torch's generator: next(model.parameters()) reads
            return Py(Generated(parameters_of(module)))
        if attr == "named_parameters":  # for name, p in model.named_parameters(): ...
            return Py(Generated(Py((Py(name), param))
                                for name, param in named_parameters_of(module)))
        if attr == "state_dict" and not node.args and not node.keywords:
            return Py(self.state_dict(module, node))
        if attr == "load_state_dict":
            return self.load_state_dict(module, node)
        if attr == "zero_grad":
            self.module_zero_grad(module, node)
            return Py(None)
        if attr in ("train", "eval"):  # dropout draws only in training, as in torch
            args = self.arguments(node)[0]
            training = attr == "train" and (not args or self.plain(args[0], node) is not False)
            set_training(module, training)
            return Py(module)
        if attr == "forward":  # forward itself: torch runs no hooks
            return self.module_on(module, *self.arguments(node), node)
        if attr in MODULE_HOOKS:
            return self.module_hook(module, attr, node)
        raise error_at(node, f".{attr}() of nn.{module.kind} is not supported")

    def state_dict(self, module: Module, node: ast.Call) -> dict[str, Value]:
        """model.state_dict(): each parameter's numbers by torch's name (to print, to list
        the keys). torch's tensors share memory with the parameters, so an update would
        change them under a name: they may be shown, not computed with."""
        out: dict[str, Value] = {}
        for name, param in named_parameters_of(module):
            numbers = self.from_tensor(self.concrete(param, node), node)
            numbers.no_graph = (f"{name} {SHARED_MEMORY} (an update changes it too): it may "
                                "be shown or copied (.clone()), not computed with; use the "
                                "parameter itself")
            out[name] = numbers
            self.state_entries[id(numbers)] = (numbers, module, name)
        return out

    def load_state_dict(self, module: Module, node: ast.Call) -> Value:
        """model.load_state_dict(other.state_dict()) or of a dict of tensors: torch's own
        load on a stand-in with the model's names and numbers (its checks of keys and shapes
        in its words), then each parameter it changed is given its new numbers in place, as a
        `.data` update is (data_updates.py)."""
        args, kwargs = self.arguments(node)
        given = dict(zip(("state_dict", "strict", "assign"), args, strict=False)) | kwargs
        state = given.get("state_dict")
        if len(args) > 3 or set(given) - {"state_dict", "strict", "assign"} or not (
                isinstance(state, Py) and isinstance(state.value, dict)):
            raise error_at(node, "load_state_dict is read as model.load_state_dict(a dict of "
                                 "tensors, strict=...), e.g. of other.state_dict()")
        if self.plain(given.get("assign", Py(False)), node):
            raise error_at(node, "load_state_dict(..., assign=True) makes the dict's tensors "
                                 "the parameters, outside the computation Gradflow reads; "
                                 "leave assign out (the numbers are copied in)")
        real = {k: self.concrete(v, node) for k, v in state.value.items()}
        stand_in = self.stand_in(module, node)
        try:
            answer = stand_in.load_state_dict(
                real, strict=bool(self.plain(given.get("strict", Py(True)), node)))
        except Exception as exc:  # noqa: BLE001 - torch's own words (keys, shapes)
            raise raised_at(node, exc) from None
        for name, param in named_parameters_of(module):
            new = stand_in.get_parameter(name).detach()
            if not torch.equal(new, self.concrete(param, node)):
                self.set_leaf_numbers(node, param, new.clone(), f"{name} (load_state_dict)")
        return Py(answer)

    def stand_in(self, module: Module, node: ast.AST) -> torch.nn.Module:
        """A torch module of the same class name, parameter names and numbers."""
        made = type(module.kind, (torch.nn.Module,), {})()
        for name, param in module.params.items():
            made.register_parameter(name, torch.nn.Parameter(
                self.concrete(param, node).detach().clone()))
        for name, child in zip(child_names(module), module.children, strict=True):
            made.add_module(name, self.stand_in(child, node))
        return made

    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        raise NotImplementedError  # program.py

    backward_seen = False

    def module_zero_grad(self, module: Module, where: ast.AST) -> None:
        raise NotImplementedError  # the program reader records it as a call

    def on_the_cpu(self, module: Module, node: ast.Call) -> Value:
        """`model.to(device)` with the CPU's device, `model.cpu()`: the model itself, where
        Gradflow computes; `model.to(dtype)`, `model.half()`, `model.float()`... too when its
        parameters have that dtype already (float32 as torch makes them, or their dtype=)."""
        args, kwargs = self.arguments(node)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        wanted = [MODULE_CASTS[attr]] if attr in MODULE_CASTS else []
        for value in [*args, *kwargs.values()]:
            found = value.value if isinstance(value, Py) else None
            if isinstance(found, torch.dtype):
                wanted.append(found)
            else:
                self.cpu_only(value, node)
        for dtype in wanted:
            off = [p for p in parameters_of(module) if self.concrete(p, node).dtype != dtype]
            if off and not self.cast_unused(off, dtype, node):
                raise error_at(node, f"{ast.unparse(node)} changes the dtype of the "
                                     "parameters torch made, outside the computation "
                                     "Gradflow reads; give the layers dtype= where they "
                                     "are made, e.g. nn.Linear(2, 3, "
                                     f"dtype={dtype})")
        return Py(module)

    def cast_unused(self, params: list[Value], dtype: torch.dtype, node: ast.Call) -> bool:
        """`layer.double()` before its parameters are used (a gradcheck's setup): torch gives
        the same parameters numbers of the new dtype, and so does the document. False (and
        nothing changed) once one was computed with."""
        ids = [self.node_of(p, node) for p in params]
        if self.backward_seen or any(self.doc.node(i).op != LEAF or self.doc.out_edges(i)
                                     for i in ids):
            return False
        try:
            name = dtype_name(dtype)
        except CreationError:
            return False
        for param, node_id in zip(params, ids, strict=True):
            numbers = self.concrete(param, node).to(dtype)
            self.doc.update_node(node_id, value=numbers.tolist(), dtype=name)
            self.values.pop(node_id, None)
            self.meta[node_id] = torch.empty(numbers.shape, dtype=dtype, device="meta")
            if isinstance(param, Pending):
                param.value, param.dtype = numbers.tolist(), name
        self.flags_changed()
        return True

    def call_module(self, module: Module, node: ast.Call) -> Value:
        raise NotImplementedError  # modules.py


__all__ = ["ModuleMethods"]
