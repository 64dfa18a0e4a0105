"""Setting a model up: the initialisers of nn.init (zeros_, normal_, xavier_uniform_, ...) on
parameters and other tensors, a container's growth (nn.ModuleList .append/.extend,
nn.Sequential .append/.add_module) and model.apply(fn), which calls fn on every module,
children first, as torch does.

An initialiser runs torch's own function on a copy of the tensor's numbers, drawing from the
snippet's generator (`generator=`), so the numbers are torch's under manual_seed and later
draws follow on as in the plain script; the tensor then simply starts with those numbers. It
is read before the graph uses the tensor (torch.no_grad() updates of a leaf are refused the
same way after, as a training step)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import torch

from engine.snippets.layers import LayerModules
from engine.snippets.module_kinds import CONTAINERS, child_names
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Function, Generated, Module, Number, Pending, Py, Ref, Value

# nn.init's functions read, and those that draw random numbers (they take generator=)
INITS = ("zeros_", "ones_", "constant_", "normal_", "uniform_", "xavier_uniform_",
         "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "eye_", "trunc_normal_",
         "orthogonal_", "dirac_")
_DRAWING = frozenset({"normal_", "uniform_", "xavier_uniform_", "xavier_normal_",
                      "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_"})

# what `p.data.NAME_(...)` is read as: the same numbers as nn.init's
_DATA_INITS = ("fill_", "zero_", "normal_", "uniform_")


@dataclass(frozen=True)
class LayerMethod:
    """`layer.reset_parameters` read as a value (hasattr(layer, 'reset_parameters')), called
    later as the method."""

    module: Module
    attr: str


class LayerSetup(LayerModules):
    def torch_call(self, path: str, node: ast.Call) -> Value:
        name = path.removeprefix("torch.nn.init.")
        if name != path:
            return self.initialized(name, node)
        return super().torch_call(path, node)

    def initialized(self, name: str, node: ast.Call) -> Value:
        """nn.init.NAME(tensor, ...): torch's own function on a copy of its numbers."""
        if name == "_calculate_fan_in_and_fan_out":  # in a layer's reset_parameters, as
            args, kwargs = self.arguments(node)  # nn.Linear's own: two numbers of a shape
            try:
                fans = torch.nn.init._calculate_fan_in_and_fan_out(
                    *(self.concrete(a, node) for a in args),
                    **{k: self.concrete(v, node) for k, v in kwargs.items()})
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
            return Py(tuple(Number(n) for n in fans))
        if f"{name}_" in INITS and hasattr(torch.nn.init, name):
            name = f"{name}_"  # nn.init.xavier_uniform: torch's deprecated spelling of it
        if name not in INITS:
            raise error_at(node, f"nn.init.{name} is not read; the initialisers read are "
                                 f"{', '.join(INITS)}")
        args, kwargs = self.arguments(node)
        target = args[0] if args else kwargs.get("tensor")
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Attribute) and first.attr == "data":
            target = self.expr(first.value)  # m.weight.data: m.weight's own numbers
        if not isinstance(target, Pending | Ref):
            raise error_at(node, f"nn.init.{name} takes a tensor, e.g. "
                                 f"nn.init.{name}(self.fc.weight)")
        plain = [self.plain(a, node) for a in args[1:]]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items() if k != "tensor"}
        if plain_kw.pop("generator", None) is not None:
            raise error_at(node, f"nn.init.{name} is read with the default generator (the "
                                 "one torch.manual_seed sets)")
        numbers = self.concrete(target, node).detach().clone()
        if name in _DRAWING:
            plain_kw["generator"] = self.generator
        try:
            getattr(torch.nn.init, name)(numbers, *plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        part = node.args[0] if node.args else None
        if isinstance(part, ast.Subscript):  # nn.init.constant_(X[:, 1], 0.5): X's places
            base = self.expr(part.value)
            if not isinstance(base, Pending | Ref) or self.needs_grad(base):
                raise error_at(node, f"nn.init.{name} of a part of a tensor is read for a "
                                     "tensor without gradient; initialise the whole parameter")
            self.item_assign(part, self.from_tensor(numbers, node), node)
            return self.expr(part)
        if isinstance(target, Pending) and target.view_of is not None:
            raise error_at(node, f"nn.init.{name} of a view of another tensor is not read: "
                                 "torch would change that tensor too; index it in the call "
                                 "(nn.init.constant_(X[:, 1], 0.5)) or initialise the whole")
        if isinstance(target, Pending) and target.node_id is None:
            target.value = numbers.tolist()  # not in the graph yet: it starts with these
        elif self.is_grad_leaf(target) or isinstance(target, Pending):
            self.set_leaf_numbers(node, target, numbers, ast.unparse(node.args[0])
                                  if node.args else "tensor")
        else:
            raise error_at(node, f"nn.init.{name} of a tensor computed in the graph is not "
                                 "read; initialise a parameter or a tensor just made")
        return target

    def data_initialised(self, node: ast.expr) -> bool:
        """`m.bias.data.fill_(0.01)`, `.zero_()`, `.normal_(0, 0.02)`, `.uniform_(-a, a)` on
        a line of its own: nn.init's constant_, zeros_, normal_, uniform_ (torch's Tensor
        methods draw as nn.init does), read where nn.init would be. False for any other
        statement, or a tensor the graph has used (a training step: refused elsewhere)."""
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(node, ast.Call) and isinstance(func, ast.Attribute)
                and func.attr in _DATA_INITS and isinstance(func.value, ast.Attribute)
                and func.value.attr == "data"):
            return False
        owner = func.value.value  # m.bias, not x.grad (a .grad's reset is program.py's)
        if any(isinstance(n, ast.Call) or isinstance(n, ast.Attribute) and n.attr == "grad"
               for n in ast.walk(owner)):
            return False
        target = self.expr(owner)
        if not isinstance(target, Pending | Ref) or not (
                isinstance(target, Pending) and target.node_id is None
                or self.is_grad_leaf(target)
                and not self.doc.out_edges(self.node_of(target, node))):
            return False
        args, kwargs = self.arguments(node)
        numbers = self.concrete(target, node).detach().clone()
        plain = [self.plain(a, node) for a in args]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items()}
        if func.attr in _DRAWING:
            plain_kw["generator"] = self.generator
        try:
            getattr(numbers, func.attr)(*plain, **plain_kw)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if isinstance(target, Pending) and target.node_id is None:
            target.value = numbers.tolist()
        else:
            self.set_leaf_numbers(node, target, numbers, ast.unparse(func.value))
        return True

    def module_method(self, module: Module, attr: str, node: ast.Call) -> Value:
        if module.kind in CONTAINERS and attr in ("append", "extend", "add_module"):
            return self.grown(module, attr, node)
        if attr in ("modules", "children") and not node.args and not node.keywords:
            found = _walked(module) if attr == "modules" else module.children
            return Py(Generated(Py(m) for m in found))  # for m in self.modules(): ...; next()
        if attr == "apply":
            self.applied(module, self.applied_function(node), node)
            return Py(module)
        if attr == "reset_parameters" and module.made_with is not None and \
                not node.args and not node.keywords:
            self.parameters_reset(module, node)
            return Py(None)
        return super().module_method(module, attr, node)

    def module_attribute_of(self, module: Module, attr: str, node: ast.AST) -> Value:
        if attr == "reset_parameters" and module.made_with is not None:
            return Py(LayerMethod(module, attr))
        return super().module_attribute_of(module, attr, node)

    def parameters_reset(self, module: Module, node: ast.Call) -> None:
        """layer.reset_parameters(): torch's own layer of the same settings is made with the
        snippet's generator (making one runs reset_parameters: the same draws), and the
        layer's parameters (and a batch norm's running statistics) start from its numbers."""
        assert module.made_with is not None
        plain, options = module.made_with
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.generator.get_state())
            fresh = getattr(torch.nn, module.kind)(*plain, **options)
            self.generator.set_state(torch.get_rng_state())
        module.options = {**module.options, **self.kept_options(fresh)}
        for name, p in fresh.named_parameters():
            target = module.params[name]
            numbers = p.detach()
            if target.node_id is None:
                target.value = numbers.tolist()  # not in the graph yet: it starts with these
            else:
                self.set_leaf_numbers(node, target, numbers, f"{module.bound or 'layer'}.{name}")

    def applied_function(self, node: ast.Call) -> tuple[Function, list[Value]]:
        """What model.apply(fn) calls: a def of one module, or a model's method
        (self.apply(self.init_weights)), which gets the model first."""
        given = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if isinstance(given, ast.Attribute):
            owner = self.expr(given.value)
            model = owner.value if isinstance(owner, Py) else None
            if isinstance(model, Module) and model.cls is not None and \
                    given.attr in model.cls.methods:
                return model.cls.methods[given.attr], [Py(model)]
        fn = self.expr(given) if given is not None else None
        if not (isinstance(fn, Py) and isinstance(fn.value, Function)):
            raise error_at(node, ".apply() is read with a def taking a module, e.g. "
                                 "model.apply(init_weights)")
        return fn.value, []

    def applied(self, module: Module, fn: tuple[Function, list[Value]],
                node: ast.Call) -> None:
        """torch's Module.apply: every child's subtree first, then the module itself."""
        for child in module.children:
            self.applied(child, fn, node)
        self.inline(fn[0], [*fn[1], Py(module)], {}, node)

    def grown(self, module: Module, attr: str, node: ast.Call) -> Value:
        """layers.append(m), layers.extend([m1, m2]), seq.append(m), seq.add_module('n', m):
        the module joins in torch's order under its index (or the name given), replacing a
        module of the same name in its place as torch does."""
        args, kwargs = self.arguments(node)
        if kwargs or len(args) != (2 if attr == "add_module" else 1):
            given_as = "a name and a module" if attr == "add_module" else "one argument"
            raise error_at(node, f".{attr}() is read with {given_as}")
        given = args[-1].value if isinstance(args[-1], Py) else None
        added = [m.value if isinstance(m, Py) else m for m in given] \
            if attr == "extend" and isinstance(given, list | tuple) else [given]
        if not all(isinstance(m, Module) for m in added):
            example = "[nn.Linear(2, 3)]" if attr == "extend" else "nn.Linear(2, 3)"
            raise error_at(node, f".{attr}() takes modules, e.g. layers.{attr}({example})")
        names, name = list(child_names(module)), None
        if attr == "add_module":  # torch's own checks of the name
            name = self.plain(args[0], node)
            try:
                torch.nn.Module().add_module(name, torch.nn.Identity())
            except Exception as exc:  # noqa: BLE001 - torch's own words
                raise raised_at(node, exc) from None
        for child in added:  # append and extend name each by its index, as torch does
            key = name if isinstance(name, str) else str(len(module.children))
            if key in names:  # torch replaces the module of that name, in its place
                module.children[names.index(key)] = child  # type: ignore[assignment]
                continue
            module.children.append(child)  # type: ignore[arg-type]
            names.append(key)
        if names != [str(i) for i in range(len(module.children))]:
            module.names = names  # a name of its own (seq.add_module('fc', ...))
        for bound, value in list(self.env.items()):  # bound already: the new leaves named
            if isinstance(value, Py) and value.value is module:
                self.name_parameters(module, bound)
        return Py(None) if attr == "add_module" else Py(module)  # torch returns the container

    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        raise NotImplementedError  # program.py

    def inline(self, fn: Function, args: list[Value], kwargs: dict[str, Value],
               node: ast.Call) -> Value:
        raise NotImplementedError  # functions.py


def _walked(module: Module, seen: set[int] | None = None) -> list[Module]:
    """torch's Module.modules(): the module, then every descendant depth first, each once."""
    seen = set() if seen is None else seen
    if id(module) in seen:
        return []
    seen.add(id(module))
    return [module, *(m for child in module.children for m in _walked(child, seen))]


__all__ = ["INITS", "LayerSetup"]
