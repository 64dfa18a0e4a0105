"""The limits are owned by engine/limits.py, listed in the README, and named by refusals."""

from __future__ import annotations

from pathlib import Path

from engine import fileformat, jacobian, literal
from engine.limits import (
    ALL,
    FILE_BYTES,
    FILE_NESTING,
    GRAPH_NODES,
    JACOBIAN_ENTRIES,
    VALUE_ELEMENTS,
    VALUE_NESTING,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_table() -> list[str]:
    return [f"| {limit.name} | {limit.value:,} |" for limit in ALL]


def test_the_readme_lists_every_limit_with_its_value():
    text = README.read_text(encoding="utf-8")
    header = "| limit | value |\n| --- | --- |\n"
    start = text.index(header) + len(header)
    rows = text[start:text.index("\n\n", start)].splitlines()
    assert rows == readme_table(), "README's Limits table is out of date; its rows:\n" + \
        "\n".join(readme_table())


def test_old_names_are_the_limits():
    assert literal.MAX_ELEMENTS == VALUE_ELEMENTS.value
    assert literal.MAX_DEPTH == VALUE_NESTING.value
    assert fileformat.MAX_FILE_BYTES == FILE_BYTES.value
    assert fileformat.MAX_NODES == GRAPH_NODES.value
    assert fileformat.MAX_DEPTH == FILE_NESTING.value
    assert jacobian.MAX_ENTRIES == JACOBIAN_ENTRIES.value


def test_every_limit_has_a_distinct_name():
    assert len({limit.name for limit in ALL}) == len(ALL)
