"""What a snippet's expressions evaluate to while the importer reads it.

`Ref`: a document node (a tensor computed in the graph). `Pending`: a tensor made from
numbers that becomes a node only when the graph uses it. `Number`: a plain Python number.
`Py`: any other plain Python value the snippet computes with (a list or tuple of values, a
range, a string, None, a dtype, a function defined in the snippet).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.literal import Nested


@dataclass
class Pending:
    value: Nested
    dtype: str
    requires_grad: bool | None  # None: not given, so a constant; True/False: a leaf
    name: str | None = None
    node_id: str | None = None
    origin: ast.AST | None = None  # the creation call, where errors about it point
    slot: str | None = None  # the node id kept for it where its name was bound
    no_graph: str | None = None  # why it may not enter the graph (a value read off a grad)
    inference: bool = False  # made under torch.inference_mode(): torch will not save it
    view_of: Any = None  # the tensor it is a view of in torch (b = a[0]), when it has none
    # the strides torch gives it where elements share memory (an expanded tensor made a
    # leaf): gradcheck refuses such an input
    overlapping: tuple[int, ...] | None = None


@dataclass
class Number:
    value: int | float | bool
    name: str | None = None
    node_id: str | None = None
    slot: str | None = None


@dataclass
class Ref:
    node_id: str


@dataclass
class Py:
    value: Any


class Generated(list):  # type: ignore[type-arg]
    """The items of what a torch method gives as a generator (`model.parameters()`), held as
    a list; next() reads it as the iterator it is (data_loaders.py)."""


class Picks(NamedTuple):
    """What torch.sort, topk, median(dim) and max(dim) return (torch.return_types): a pair
    that unpacks, indexes and has .values and .indices."""

    values: Any
    indices: Any


@dataclass(frozen=True, eq=False)
class TensorKey:
    """A tensor as a dict's key: Python hashes a tensor by identity, so `{p: buf for p in
    model.parameters()}` keys each parameter itself; `node` is the tensor's node."""

    value: Any
    node: str

    def __hash__(self) -> int:
        return hash(("tensor", self.node))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorKey) and other.node == self.node


class PrettyPrinter:
    """pprint.PrettyPrinter(...): its .pprint(x) is output, as print's is."""


@dataclass
class Function:
    """A def or lambda of the snippet; inlined at each call."""

    node: ast.FunctionDef | ast.Lambda
    defaults: list[Value] = field(default_factory=list)
    scope: Any = None  # the names it sees besides its own: where it was defined
    grad_enabled: bool | None = None  # False under @torch.no_grad()
    inference: bool = False  # under @torch.inference_mode()
    kw_defaults: list[Value | None] = field(default_factory=list)  # of keyword-only ones
    owner: Any = None  # a method: the class whose body defines it, where super() looks past

    @property
    def name(self) -> str:
        return self.node.name if isinstance(self.node, ast.FunctionDef) else "<lambda>"


@dataclass(frozen=True)
class TorchFunction:
    """`torch.tanh` or `torch.Tensor.exp` named without a call (`for fn in [torch.sin, ...]`):
    calling it reads as the call written out."""

    path: str


@dataclass(frozen=True)
class BoundTensorMethod:
    """`y = x.detach` without the call: the method of that tensor, called later (`y()`)."""

    receiver: Any
    attr: str
    where: Any = None  # the attribute read without its call, where errors about it point


@dataclass
class HookHandle:
    """What `t.register_hook(...)` returns: `.remove()` undoes the hook for later calls."""

    node_id: str | None  # the grad_hook node; None for a hook that only prints
    calls_before: int  # the calls the snippet had made when it registered the hook


Value = Pending | Number | Ref | Py
Tensorish = Pending | Ref


@dataclass(eq=False)
class Module:
    """An nn module of the snippet: its parameters are leaves of the graph (`fc.weight` is
    the leaf `fc_weight`: document names are identifiers, so the dot becomes `_`). Two
    modules are equal only when they are the same one, as torch's are, so a module keys a
    dict (`layers[layer] = name`)."""

    kind: str  # Linear, Sequential, ReLU, Tanh, Sigmoid, or a loss class name
    params: dict[str, Pending] = field(default_factory=dict)
    children: list[Module] = field(default_factory=list)
    op: str = ""  # the registry op an activation or loss applies
    options: dict[str, Any] = field(default_factory=dict)
    in_place: bool = False  # nn.ReLU(inplace=True): changes its input, as torch does
    training: bool = True  # model.eval() turns it off: nn.Dropout then passes its input
    # a model of the snippet's own class (classes.py): its children's attribute names (fc1,
    # act; empty for a Sequential, whose children are 0, 1, ...), its other attributes
    # (tensors, numbers, buffers), the class, and whether super().__init__() has run
    names: list[str] = field(default_factory=list)
    attrs: dict[str, Value] = field(default_factory=dict)
    cls: Any = None
    ready: bool = True
    # forward hooks and pre-hooks as registered: [kind, the def] each (module_hooks.py)
    hooks: list[list[Any]] = field(default_factory=list)
    bound: str = ""  # the name it was first bound to: names what it is given later
    # a layer of torch's (nn.Linear(3, 2)): what it was made with, (args, options), so that
    # .reset_parameters() draws its parameters again as torch does
    made_with: tuple[list[Any], dict[str, Any]] | None = None

    def __contains__(self, item: Any) -> bool:
        """`key in md` of a ModuleDict or ParameterDict; `layer in seq` of a Sequential or
        ModuleList (by identity, as its iteration gives the modules themselves)."""
        if self.kind == "ModuleDict":
            return item in self.names
        if self.kind == "ParameterDict":
            return item in self.params
        if self.kind in ("Sequential", "ModuleList"):
            return any(item is child for child in self.children)
        raise TypeError(f"argument of type '{self.kind}' is not iterable")


def numbers_in(obj: Any, seen: dict[int, int] | None = None) -> int:
    """The numbers a nested list would hold written out, each shared list counted once (a
    row repeated by reference, `[[0] * 10**4] * 10**4`, is one step, not walked again)."""
    if not isinstance(obj, list | tuple):
        return 1
    seen = {} if seen is None else seen
    if id(obj) not in seen:
        seen[id(obj)] = sum(numbers_in(item, seen) for item in obj)
    return seen[id(obj)]


def same_tensor(held: Any, old: Value) -> bool:
    """`held` is the tensor `old` is (the object, or a value naming the same node): what a
    name, list or object holding it sees after an in-place change of `old`."""
    return held is old or isinstance(held, Ref | Pending) and isinstance(
        old, Ref | Pending) and held.node_id is not None and held.node_id == old.node_id


def swap_held(holder: Py, same: Callable[[Value], bool], new: Value,
              seen: set[int] | None = None) -> None:
    """A tensor changed in place is the same object wherever a list, tuple or dict holds it
    (`state[id(p)]["momentum_buffer"]`, `history.append(w)`): each element `same` picks
    names `new` from now on. Lists and dicts change where they are, as other names may hold
    them too; a tuple is rebuilt inside its Py."""
    seen = set() if seen is None else seen
    inner = holder.value
    if not isinstance(inner, list | tuple | dict) or id(inner) in seen:
        return
    seen.add(id(inner))

    def swapped(item: Any) -> Any:
        if isinstance(item, Pending | Ref | Number | Py) and same(item):
            return new
        if isinstance(item, Py):
            swap_held(item, same, new, seen)
        return item

    if isinstance(inner, list):
        inner[:] = [swapped(item) for item in inner]
    elif isinstance(inner, dict):
        for key, item in list(inner.items()):
            inner[key] = swapped(item)
    else:
        items = [swapped(item) for item in inner]
        if any(a is not b for a, b in zip(items, inner, strict=True)):
            holder.value = inner._make(items) if hasattr(inner, "_make") else tuple(items)
