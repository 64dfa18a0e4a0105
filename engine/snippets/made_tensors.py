"""Tensors a snippet makes outside the creation functions' plain spellings: the old
`Variable(t, requires_grad=...)`, the typed constructors (`torch.FloatTensor([...])`, and
`torch.FloatTensor(16, 3)` memory a fill method fills at once), `torch.randint`, and the
random fills of a tensor just made (`torch.empty(3).uniform_(-1, 1)`), each drawing from the
snippet's own generator as torch would.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import torch

from engine.snippets.safety import error_at, raised_at, short_text
from engine.snippets.selecting import SelectingCalls
from engine.snippets.torchcalls import CREATION_HINT
from engine.snippets.valuecalls import TYPED_TENSORS
from engine.snippets.values import Number, Pending, Ref, Value


class MadeTensors(SelectingCalls):
    def variable(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        if len(args) != 1 or set(kwargs) - {"requires_grad", "volatile"}:
            raise error_at(node, "Variable takes a tensor and requires_grad=")
        flag = self.plain(kwargs["requires_grad"], node) if "requires_grad" in kwargs else None
        if flag is None:
            return args[0]  # Variable(t) is t itself in today's torch
        if not isinstance(flag, bool):
            raise error_at(node, "requires_grad must be True or False")
        t = self.concrete(args[0], node)
        pending = self.from_tensor(t, node)
        return self.mark(pending, flag, node, "creation")  # torch's words for Variable(...)

    def filled_later(self, node: ast.expr) -> Value | None:
        """`torch.FloatTensor(16, 3).zero_()`: memory of those sizes that the method called
        on it fills at once, so its first numbers never show; read as zeros of torch's dtype
        (the fill then runs as written). None when `node` is no such creation."""
        path = self.module_path(node.func) if isinstance(node, ast.Call) else None
        kind = path.removeprefix("torch.") if path else None
        if not isinstance(node, ast.Call) or kind not in (*TYPED_TENSORS, "Tensor") or \
                node.keywords or not node.args:
            return None
        sizes = [self.plain(self.expr(a), node) for a in node.args]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes):
            return None
        self.check_count(math.prod(sizes), node)
        dtype = TYPED_TENSORS.get(kind or "", torch.get_default_dtype())
        return self.from_tensor(torch.zeros(sizes, dtype=dtype), node)

    def typed_tensor(self, kind: str, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        sizes = [int(a.value) for a in args if isinstance(a, Number) and
                 isinstance(a.value, int) and not isinstance(a.value, bool)]
        if not kwargs and args and len(sizes) == len(args) and all(n >= 0 for n in sizes):
            # torch.FloatTensor(2, 3): memory of that shape, its numbers whatever it held,
            # read as torch.empty is (zeros are as good as any)
            self.check_count(math.prod(sizes), node)
            self.note_uninitialised(node)
            return self.from_tensor(torch.zeros(sizes, dtype=TYPED_TENSORS[kind]), node)
        if kwargs or len(args) != 1 or isinstance(args[0], Number):
            raise error_at(node, f"torch.{kind}(sizes) makes uninitialised memory; make the "
                                 f"numbers with one of: {CREATION_HINT}")
        if isinstance(args[0], Pending | Ref):  # torch.FloatTensor(w) of a float tensor: w
            try:  # itself, its memory and graph (torch's alias); of another dtype, torch's error
                getattr(torch, kind)(torch.zeros(0, dtype=self.concrete(args[0], node).dtype))
            except TypeError as exc:
                raise raised_at(node, exc) from None
            return args[0]
        value = self.plain(args[0], node)
        try:
            t = torch.tensor(value, dtype=TYPED_TENSORS[kind])
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.from_tensor(t, node)

    def randint(self, node: ast.Call) -> Value:
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        options: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key == "dtype":
                options["dtype"] = self.plain(value, node)
            elif key in ("low", "high", "size", "requires_grad"):
                options[key] = self.plain(value, node)
            elif key == "generator":
                options[key] = self.own_generator(value, node)
            else:
                raise error_at(node, f"torch.randint has no supported argument {key}=")
        size = options.get("size", plain[-1] if plain else None)
        if isinstance(size, list):
            count = 1
            for n in size:
                count *= n if isinstance(n, int) else 1
            self.check_count(count, node)
            if "size" in options:
                options["size"] = tuple(size)
            else:
                plain[-1] = tuple(size)
        try:
            t = torch.randint(*plain, **{"generator": self.generator, **options})
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        return self.from_tensor(t, node, requires_grad=options.get("requires_grad"))

    def random_fill(self, receiver: Value, attr: str, node: ast.Call) -> Value:
        """`torch.empty(3, dtype=torch.long).random_(5)`, `torch.empty(2, 3).uniform_(-1, 1)`:
        a tensor just made gets the snippet generator's draws, the numbers torch would draw."""
        source = node.func.value if isinstance(node.func, ast.Attribute) else None
        # x.view(4).uniform_() fills x through a view: not a tensor just made
        of_a_name = isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) \
            and self.module_path(source.func) is None
        leaf = isinstance(receiver, Pending) and receiver.node_id is None or isinstance(
            receiver, Pending | Ref) and receiver.node_id is not None and \
            self.doc.node(receiver.node_id).op == "leaf"
        if leaf and self.grad_enabled and self.needs_grad(receiver):
            try:  # torch's own words: a leaf that requires grad changed in place
                getattr(torch.zeros(1, requires_grad=True), attr)()
            except RuntimeError as exc:
                raise raised_at(node, exc) from None
        # a parameter drawn anew under torch.no_grad() (a hand-written init after a
        # forward): its new numbers, as nn.init gives them (layer_setup.py)
        drawn_anew = leaf and not of_a_name and isinstance(receiver, Pending | Ref) and \
            self.is_grad_leaf(receiver)
        if not drawn_anew and (not isinstance(receiver, Pending) or receiver.node_id is not None
                               or receiver.requires_grad or of_a_name):
            raise error_at(node, f".{attr}() is read on a tensor just made, before anything "
                                 "uses it, e.g. torch.empty(3).uniform_(-1, 1)")
        assert isinstance(receiver, Pending | Ref)
        args, kwargs = self.arguments(node)
        plain = [self.plain(a, node) for a in args]
        plain_kw = {k: self.plain(v, node) for k, v in kwargs.items()}
        try:
            t = getattr(self.concrete(receiver, node).clone(), attr)(
                *plain, **plain_kw, generator=self.generator)
        except Exception as exc:  # noqa: BLE001 - torch's own words
            raise raised_at(node, exc) from None
        if drawn_anew:
            self.set_leaf_numbers(node, receiver, t, short_text(node.func))
            return receiver
        assert isinstance(receiver, Pending)
        receiver.value = t.tolist()
        if isinstance(source, ast.Subscript):  # x[:, 0].uniform_(-1, 1) fills x's column
            self.item_assign(source, receiver, node)
        return receiver

    def item_assign(self, target: ast.Subscript, value: Value, stmt: ast.AST) -> None:
        raise NotImplementedError  # statements.py: x[key] = value

    def set_leaf_numbers(self, stmt: ast.AST, leaf: Pending | Ref, numbers: torch.Tensor,
                         name: str) -> None:
        raise NotImplementedError  # program.py: a leaf's new numbers
