"""Python's `random` module in a snippet, drawn from a `random.Random` of the reading's own:
after `random.seed(0)` its numbers are the ones CPython gives the script (the official
"dynamic net" tutorial picks its depth with random.randint), and before any seed they come
from the reading's seed, fixed across the re-readings of one import. The functions are a
fixed table; the sequence ones (choice, sample, shuffle) move the snippet's own values.
"""

from __future__ import annotations

import ast
import random
from typing import Any

from engine.snippets.safety import error_at, raised_at
from engine.snippets.values import Number, Py, Value

# functions of plain numbers, called on the reading's generator with the same arguments
NUMBER_DRAWS = frozenset({
    "random", "uniform", "randint", "randrange", "gauss", "normalvariate", "lognormvariate",
    "expovariate", "betavariate", "gammavariate", "triangular", "vonmisesvariate",
    "paretovariate", "weibullvariate", "getrandbits",
})
SEQUENCE_DRAWS = frozenset({"choice", "choices", "sample", "shuffle"})


class PythonRandom:
    """What the reader needs to draw: its generator and how it reads arguments."""

    def __init__(self, seed: int) -> None:
        self.generator = random.Random(seed)

    def call(self, name: str, args: list[Value], kwargs: dict[str, Value],
             plain: Any, items: Any, node: ast.Call) -> Value:
        """random.<name>(*args, **kwargs); `plain(value)` gives a value's Python data and
        `items(value)` a sequence's values, as the reader reads them."""
        if name == "seed":
            if len(args) > 1 or set(kwargs) - {"a", "version"}:
                raise error_at(node, "random.seed takes one number")
            given = args[0] if args else kwargs.get("a")
            self.generator.seed(None if given is None else plain(given))
            return Py(None)
        if name not in NUMBER_DRAWS | SEQUENCE_DRAWS:
            raise error_at(node, f"random.{name} is not supported; use one of "
                                 f"{', '.join(sorted(NUMBER_DRAWS | SEQUENCE_DRAWS | {'seed'}))}")
        if name == "shuffle":
            if len(args) != 1 or kwargs or not (isinstance(args[0], Py)
                                                and isinstance(args[0].value, list)):
                raise error_at(node, "random.shuffle is read on a list of the snippet's "
                                     "(a tensor is shuffled with x[torch.randperm(len(x))])")
            self.generator.shuffle(args[0].value)
            return Py(None)
        try:
            if name in ("choice", "sample", "choices"):
                population = items(args[0])
                rest = [plain(a) for a in args[1:]]
                options = {k: plain(v) for k, v in kwargs.items()}
                picked = getattr(self.generator, name)(population, *rest, **options)
                return picked if name == "choice" else Py(list(picked))
            drawn = getattr(self.generator, name)(*(plain(a) for a in args),
                                                  **{k: plain(v) for k, v in kwargs.items()})
        except (TypeError, ValueError, IndexError, OverflowError) as exc:
            raise raised_at(node, exc) from None  # Python's own words, where the script stops
        return Number(drawn)
