"""The attributes of a model of the snippet's own class (classes.py), filed and read as
torch's nn.Module files them: `self.fc1 = nn.Linear(2, 4)` is a layer, `self.w =
nn.Parameter(...)` a parameter, `self.k = 2` a plain attribute (with torch's own errors for a
layer or parameter given before super().__init__() or a plain value put over one);
register_buffer and register_parameter; and `model.fc1`, `model.training`, a @property's
answer and the class's constants, read back. A base of ClassReader.
"""

from __future__ import annotations

import ast
import copy
from collections import ChainMap
from dataclasses import replace
from typing import Any

import torch

from engine.snippets.class_members import PROPERTY, ClassMembers
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Module, Number, Pending, Py, Ref, Value


class ModelAttributes(ClassMembers):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.building: list[Module] = []  # models whose __init__ is being read
        self.instances: list[Module] = []  # every object of the snippet's classes made

    # ---- a model's attributes ----------------------------------------------------------
    def assign(self, target: ast.expr, value: Value, stmt: ast.AST) -> None:
        # self.data = data in a Dataset class is an attribute like any other (a tensor's
        # .data, .grad and .requires_grad are read further down)
        if isinstance(target, ast.Attribute) and _plain_owner(target.value) and \
                self.module_path(target) is None:
            owner = self.expr(target.value)
            if isinstance(owner, Py) and isinstance(owner.value, Module) and \
                    owner.value.cls is not None:
                self.set_attribute(owner.value, target.attr, value, stmt)
                return
        super().assign(target, value, stmt)

    def set_attribute(self, model: Module, attr: str, value: Value, stmt: ast.AST) -> None:
        """`self.fc1 = nn.Linear(2, 4)`, `self.w = nn.Parameter(...)`, `self.k = 2`, as
        torch's nn.Module.__setattr__ files them: layers, parameters, the rest."""
        is_module = isinstance(value, Py) and isinstance(value.value, Module)
        is_param = isinstance(value, Pending | Ref) and id(value) in self.parameter_ids
        if (is_module or is_param) and not model.ready:
            kind = "module" if is_module else "parameter"
            raise raised_at(stmt, AttributeError(f"cannot assign {kind} before "
                                                 "Module.__init__() call"))
        if attr in model.params and not is_param or attr in model.names and not is_module:
            _torch_refuses(attr, model, value, self.plain_or_tensor(value, stmt), stmt)
        model.params.pop(attr, None)
        model.attrs.pop(attr, None)
        if attr in model.names and not is_module:
            del model.children[model.names.index(attr)]
            model.names.remove(attr)
        if is_module:
            assert isinstance(value, Py)
            if attr in model.names:
                model.children[model.names.index(attr)] = value.value
            else:
                model.names.append(attr)
                model.children.append(value.value)
        elif is_param:
            assert isinstance(value, Pending | Ref)
            model.params[attr] = value  # type: ignore[assignment]
        else:
            model.attrs[attr] = value
        if (is_module or is_param) and model.bound and not self.building:
            self.name_parameters(model, model.bound)  # given after __init__: model_extra

    def plain_or_tensor(self, value: Value, where: ast.AST) -> Any:
        if isinstance(value, Pending | Ref):
            return self.concrete(value, where)
        return self.plain(value, where) if isinstance(value, Number) else value.value

    def instance_attribute(self, model: Module, attr: str) -> Value | None:
        if attr in model.params:
            return model.params[attr]
        if attr in model.names:
            return Py(model.children[model.names.index(attr)])
        if attr in model.attrs:
            return model.attrs[attr]
        assert model.cls is not None
        return model.cls.constants.get(attr)

    def module_attribute_of(self, module: Module, attr: str, node: ast.AST) -> Value:
        if module.cls is None:
            return super().module_attribute_of(module, attr, node)
        found = self.instance_attribute(module, attr)
        if found is not None:
            return found
        if attr == "training":
            return Number(module.training)
        if module.cls.kinds.get(attr) == PROPERTY:  # model.n_params: the getter's answer
            return self.property_value(module, attr, node)
        if attr in module.cls.methods:  # self._mask_grad given to a hook: a bound method
            return Py(self.bound_method(module, attr, node))
        raise raised_at(node, AttributeError(f"'{module.kind}' object has no attribute "
                                             f"'{attr}'"))

    def bound_method(self, module: Module, attr: str, node: ast.AST) -> Function:
        """`self._mask_grad` taken from its object: the method as a function of its other
        parameters, its first one (self, or the class of a classmethod) bound in its scope,
        as Python's bound method is."""
        assert module.cls is not None
        fn = module.cls.methods[attr]
        first = self.first_arguments(module, attr)
        if not first or not isinstance(fn.node, ast.FunctionDef) or not fn.node.args.args:
            return fn  # a staticmethod is the plain function
        method = copy.copy(fn.node)
        method.args = copy.copy(fn.node.args)
        method.args.args = fn.node.args.args[1:]
        globals_ = self.env.maps[-1] if isinstance(self.env, ChainMap) else self.env
        scope = ChainMap({fn.node.args.args[0].arg: first[0]},
                         fn.scope if fn.scope is not None else globals_)
        return replace(fn, node=method, scope=scope)

    def register(self, model: Module, node: ast.Call, names: tuple[str, ...]) -> Value:
        """register_buffer(name, tensor): a tensor attribute that is no parameter;
        register_parameter(name, nn.Parameter(...)): a parameter."""
        args, kwargs = self.arguments(node)
        given = dict(zip(names, args, strict=False)) | kwargs
        name = self.plain(given.get("name", Py(None)), node) if "name" in given else None
        value = given.get(names[1])
        if not isinstance(name, str) or value is None or set(given) - set(names):
            raise error_at(node, f"{ast.unparse(node.func)} is read with a name and a tensor")
        if names[1] == "param" and not (isinstance(value, Pending | Ref)
                                        and id(value) in self.parameter_ids):
            raise error_at(node, "register_parameter is read with nn.Parameter(...)")
        if names[1] == "tensor" and not isinstance(value, Pending | Ref):
            raise error_at(node, "register_buffer is read with a tensor")
        if names[1] == "module" and not (isinstance(value, Py) and isinstance(value.value,
                                                                             Module)):
            raise error_at(node, f"{ast.unparse(node.func)} is read with a module")
        self.set_attribute(model, name, value, node)
        return Py(None)


# nn.Module's methods that set an attribute by name: what each is given, in torch's order
REGISTERING = {"register_buffer": ("name", "tensor", "persistent"),
               "register_parameter": ("name", "param"), "add_module": ("name", "module"),
               "register_module": ("name", "module")}


def _torch_refuses(attr: str, model: Module, value: Value, plain: Any, stmt: ast.AST) -> None:
    """torch's own TypeError for a plain value assigned over a parameter or a layer."""
    probe = torch.nn.Module()
    if attr in model.params:
        probe.register_parameter(attr, torch.nn.Parameter(torch.zeros(1)))
    else:
        probe.add_module(attr, torch.nn.Identity())
    try:
        setattr(probe, attr, plain)
    except Exception as exc:  # noqa: BLE001 - torch's own words
        raise raised_at(stmt, exc) from None



def _plain_owner(node: ast.expr) -> bool:
    """An owner read without making anything: `layer`, `layers[-1]`, `self.block` (Karpathy's
    `layers[-1].gamma *= 0.1`)."""
    if isinstance(node, ast.Subscript):
        index = node.slice.operand if isinstance(node.slice, ast.UnaryOp) else node.slice
        return isinstance(index, ast.Constant | ast.Name) and _plain_owner(node.value)
    if isinstance(node, ast.Attribute):
        return _plain_owner(node.value)
    return isinstance(node, ast.Name)

__all__ = ["REGISTERING", "ModelAttributes"]
