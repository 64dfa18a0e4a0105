"""Loops and comprehensions in a snippet, run by the importer turn by turn on concrete
values, as Python runs them: `for` over ranges, lists, tensors, dicts and itertools.count,
`while` on a condition's value, `break`/`continue`/`else`, and list, generator and dict
comprehensions in a scope of their own. Every turn counts against LOOP_ITERATIONS.
"""

from __future__ import annotations

import ast
import itertools
from collections import ChainMap
from typing import Any

from engine.limits import LOOP_ITERATIONS
from engine.snippets.functions import FunctionCalls, LoopBreak, LoopContinue
from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Py, Value

# a comprehension's own entries in its scope (not identifiers: no name of the snippet's)
_MADE, _ITEMS = " made so far", " items"


class LoopRunner(FunctionCalls):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.iterations = 0  # loop turns so far, in every loop of the snippet

    def turn(self, where: ast.AST) -> None:
        self.iterations += 1
        if LOOP_ITERATIONS.exceeded(self.iterations):
            raise error_at(where, f"this loop goes {LOOP_ITERATIONS.message()}; shorten it")

    def body_of_loop(self, body: list[ast.stmt]) -> bool:
        """Run one turn; False when the loop breaks."""
        try:
            self.run_block(body)
        except LoopBreak:
            return False
        except LoopContinue:
            pass
        return True

    def for_loop(self, stmt: ast.For) -> None:
        iterable = self.expr(stmt.iter)
        if isinstance(iterable, Py) and isinstance(iterable.value, range | itertools.count):
            items: Any = (Number(i) for i in iterable.value)  # turn by turn: count never ends
        else:
            items = self.items(iterable, stmt.iter)
        for item in items:
            self.turn(stmt)
            self.assign(stmt.target, item, stmt)
            if not self.body_of_loop(stmt.body):
                return
        self.run_block(stmt.orelse)

    def while_loop(self, stmt: ast.While) -> None:
        while self.truth(self.expr(stmt.test), stmt.test):
            self.turn(stmt)
            if not self.body_of_loop(stmt.body):
                return
        self.run_block(stmt.orelse)

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> Value:
        """A list (a generator is read as one), or a dict `{n: p.grad for n, p in ...}`."""
        out: list[Any] = []
        saved = self.env
        # what it has made so far is held, as Python's list being built is (a training
        # step, or room made for more calls, keeps the nodes a value holds)
        self.env = ChainMap({_MADE: Py(out)}, self.env)
        try:
            self.generate(node, 0, out)
        finally:
            self.env = saved
        if isinstance(node, ast.DictComp):
            try:
                return Py({self.dict_key(k, node.key): v for k, v in out})
            except TypeError as exc:  # an unhashable key, in Python's words
                raise raised_at(node, exc) from None
        return Py(out)

    def generate(self, node: ast.ListComp | ast.GeneratorExp | ast.DictComp, level: int,
                 out: list[Any]) -> None:
        if level == len(node.generators):
            out.append((self.expr(node.key), self.expr(node.value))
                       if isinstance(node, ast.DictComp) else self.expr(node.elt))
            return
        gen = node.generators[level]
        items = self.items(self.expr(gen.iter), gen.iter)
        assert isinstance(self.env, ChainMap)  # the comprehension's scope (comprehension)
        self.env.maps[0][f"{_ITEMS} {level}"] = Py(items)  # held while it is gone through
        for item in items:
            self.turn(node)
            self.assign(gen.target, item, node)
            if all(self.truth(self.expr(cond), cond) for cond in gen.ifs):
                self.generate(node, level + 1, out)
