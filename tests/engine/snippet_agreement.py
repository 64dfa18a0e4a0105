"""The two tests every snippet test file starts with, made once: a module-wide fixture
`reference` (each snippet run by plain torch in a subprocess, by name) and a parametrized
test that the importer and engine agree with it on every snippet given.

    reference, test_agrees_with_plain_torch = agreement_tests(SNIPPETS, also=MORE)

`also` adds snippets the reference runs for the file's own checks without the agreement
test (a snippet compared against another one, say)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_corpus import agrees, engine_side
from torch_reference import by_name

Reference = dict[str, dict[str, Any]]


def agreement_tests(snippets: dict[str, str], also: dict[str, str] | None = None
                    ) -> tuple[Any, Callable[[str, Reference], None]]:
    @pytest.fixture(scope="module")
    def reference() -> Reference:
        return by_name({**snippets, **(also or {})})

    @pytest.mark.parametrize("name", sorted(snippets))
    def test_agrees_with_plain_torch(name: str, reference: Reference) -> None:
        verdict = agrees(engine_side(snippets[name]), reference[name])
        assert verdict is None, verdict

    return reference, test_agrees_with_plain_torch
