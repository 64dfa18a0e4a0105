"""User text in generated code stays text: the code's syntax tree is only what codegen meant."""

from __future__ import annotations

import ast
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.document import Document, GraphError
from engine.snippets.codegen import CodegenError, comment, generate
from tests.engine.helpers import leaf, op

BREAKS = ["\n", "\r", "\r\n", "\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\x1c", "\x1d",
          "\x1e", "\x00", "\ud800"]
PAYLOAD = "import os; os.system('echo pwned')"


def _doc(title: str = "", names: tuple[str, str, str] = ("x", "y", "loss")) -> Document:
    doc = Document()
    doc.title = title
    x = leaf(doc, names[0], [1.0, 2.0])
    y = op(doc, "mul", names[1], x, x)
    loss = op(doc, "sum", names[2], y)
    doc.update_node(loss, is_output=True)
    return doc


def _kinds(code: str) -> Counter[str]:
    return Counter(type(n).__name__ for n in ast.walk(ast.parse(code)))


EXPECTED = _kinds(generate(_doc()))


@pytest.mark.parametrize("line_break", BREAKS)
def test_a_title_cannot_end_its_comment(line_break):
    code = generate(_doc(f"my graph{line_break}{PAYLOAD}"))
    assert _kinds(code) == EXPECTED
    first, second = code.splitlines()[:2]  # splitlines breaks at NEL, U+2028 ... too
    assert first.startswith("# my graph") and PAYLOAD in first
    assert second == "import torch"
    code.encode("utf-8")  # a lone surrogate would make the file unwritable


def test_comment_keeps_printable_text_and_escapes_the_rest():
    assert comment("Übung: x² ✓ \"q\" \\") == "# Übung: x² ✓ \"q\" \\"
    assert comment("a\nb\u2028c\x85d\ud800") == "# a\\nb\\u2028c\\x85d\\ud800"


names = st.text(min_size=1, max_size=6).filter(str.isidentifier)
single_breaks = st.sampled_from([b for b in BREAKS if len(b) == 1])
titles = st.text(alphabet=st.one_of(st.characters(), single_breaks), max_size=60)


@settings(max_examples=300, deadline=None)
@given(titles, names, names, names)
def test_fuzzed_titles_and_names_add_no_statements(title, a, b, c):
    try:
        doc = _doc(title, (a, b, c))
    except GraphError:
        return  # the document refused a name (a keyword, a duplicate after NFKC, ...)
    code = generate(doc)
    assert _kinds(code) == EXPECTED
    assert code.splitlines()[0 if not title else 1] == "import torch"
    # the names Python reads are the names the document holds
    assigned = [t.id for s in ast.parse(code).body if isinstance(s, ast.Assign)
                for t in s.targets if isinstance(t, ast.Name)]
    assert assigned == [n.name for n in doc.topological_nodes()]


def test_a_name_smuggled_past_the_document_is_refused():
    doc = _doc()
    node = doc.node_by_name("y")
    assert node is not None
    node.name = "y = 1\nimport os\nz"  # straight into the stored node, bypassing the checks
    with pytest.raises(CodegenError, match="not a Python identifier"):
        generate(doc)
