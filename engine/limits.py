"""Every size limit the app enforces, in one place, each with the words its refusal uses.

A limit keeps time and memory bounded on hostile or mistaken input (a 10⁹-element tensor, a
49 MB description, a loop that never ends). Code that refuses something raises with
`Limit.message(what)` so every refusal names the limit and its number; the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    name: str  # what is limited, in the user's words
    value: int

    def message(self, found: int | str | None = None) -> str:
        seen = f" ({found})" if found is not None else ""
        return f"over the limit of {self.value:,} {self.name}{seen}"

    def exceeded(self, amount: int) -> bool:
        return amount > self.value


ELEMENTS_PER_TENSOR = Limit("elements in one tensor", 10_000_000)
ELEMENTS_TOTAL = Limit("elements in all tensors of a graph", 100_000_000)
VALUE_ELEMENTS = Limit("numbers written out in one value", 1_000_000)  # in files and snippets
VALUE_ELEMENTS_ALL = Limit("numbers written out in all values of a graph file", 1_000_000)
VALUE_NESTING = Limit("levels of nesting in one value", 8)
GRAPH_NODES = Limit("graph nodes", 20_000)
SNIPPET_STATEMENTS = Limit("statements run while reading a snippet", 1_000_000)
SNIPPET_CHARACTERS = Limit("characters in a snippet", 200_000)
LOOP_ITERATIONS = Limit("loop iterations in a snippet", 100_000)
CALL_DEPTH = Limit("nested function calls in a snippet", 50)
NUMBER_DIGITS = Limit("digits in one integer", 4_000)
FILE_BYTES = Limit("bytes in a graph file", 50 * 1024 * 1024)
FILE_NESTING = Limit("levels of nesting in a graph file", 64)
TEXT_CHARACTERS = Limit("characters in a title or description", 100_000)
# a hook's or a custom backward's gradient expression, tensors written out included
HOOK_EXPRESSION_CHARACTERS = Limit("characters in a gradient expression", 200_000)
NAME_CHARACTERS = Limit("characters in a name", 200)
NODE_ID_CHARACTERS = Limit("characters in a node id", 64)
JACOBIAN_ENTRIES = Limit("Jacobian entries shown in the lens", 64 * 64)
CALLS = Limit("calls in a document's program", 100)
# torch computes a jacobian (or hessian) row by row: one backward pass per row
ANSWER_ENTRIES = Limit("entries a jacobian or hessian call returns", 1_000_000)
# jacobian(..., create_graph=True): a gradient node per row, each a backward kept as a graph
GRAPHED_ROWS = Limit("rows of a jacobian kept as a graph", 256)
IMAGE_SIDE = Limit("pixels on one side of an exported image", 16_000)

ALL: tuple[Limit, ...] = tuple(v for v in globals().values() if isinstance(v, Limit))
