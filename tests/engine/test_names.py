"""Names are what Python reads (NFKC), unique in that form, and found through an index that
always equals a scan of the nodes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from engine.document import BadNameError, Document, GraphError
from engine.fileformat import FileFormatError, dumps, loads
from tests.engine.helpers import leaf, op


def test_fullwidth_x_is_x_to_python_and_to_the_document():
    doc = Document()
    x = leaf(doc, "ｘ", 1.0)
    assert doc.node(x).name == "x"  # stored as Python reads it
    assert doc.node_by_name("x") is doc.node_by_name("ｘ") is not None
    with pytest.raises(BadNameError) as info:
        leaf(doc, "x", 2.0)
    assert str(info.value) == "the name 'x' is already used by another node"
    y = leaf(doc, "y", 2.0)
    with pytest.raises(BadNameError) as info:
        doc.update_node(y, name="ｘ")
    assert str(info.value) == ("the name 'x' is already used by another node "
                               "(to Python, 'ｘ' is 'x')")
    assert ("x" == "ｘ") is False and eval("ｘ", {"x": 1}) == 1  # noqa: S307 - the premise


@pytest.mark.parametrize(("name", "message"), [
    ("ｉｆ", "'ｉｆ' (read by Python as 'if') is not a usable name: it is a Python keyword"),
    ("class", "'class' is not a usable name: it is a Python keyword"),
    ("not a name", "'not a name' is not a usable name"),
    ("1x", "'1x' is not a usable name"),
    ("", "'' is not a usable name"),
    ("print", "'print' is not a usable name: the generated code uses it"),
    ("torch", "'torch' is not a usable name: the generated code uses it"),
    ("x" * 201, "the name is too long: over the limit of 200 characters in a name (201)"),
    ("ﷺ" * 12, "the name is too long: over the limit of 200 characters in a name (216)"),
])
def test_unusable_names_are_refused_with_a_clear_message(name, message):
    doc = Document()
    x = leaf(doc, "ok", 1.0)
    with pytest.raises(BadNameError) as info:
        doc.update_node(x, name=name)
    assert str(info.value).startswith(message)
    assert doc.node(x).name == "ok"


def test_unique_name_follows_the_same_rules():
    doc = Document()
    leaf(doc, "x", 1.0)
    leaf(doc, "x1", 1.0)
    assert doc.unique_name("ｘ") == "x2"
    assert doc.unique_name("if") == "node"
    assert doc.unique_name("ｙ") == "y"


def test_a_file_with_two_names_python_reads_as_one_is_refused():
    nodes = [{"id": "1", "op": "leaf", "name": "x", "value": 1.0},
             {"id": "2", "op": "leaf", "name": "ｘ", "value": 2.0}]
    text = json.dumps({"format": "gradflow-graph", "version": 1, "nodes": nodes})
    with pytest.raises(FileFormatError) as info:
        loads(text)
    assert str(info.value) == ("node 1 ('ｘ'): the name 'x' is already used by another node "
                               "(to Python, 'ｘ' is 'x')")


def test_lookups_and_name_checks_do_not_scan_the_nodes(monkeypatch):
    doc = Document()
    x = leaf(doc, "x", 1.0)
    for i in range(200):
        x = op(doc, "exp", f"e{i}", x)

    def no_scan(self: Document) -> Any:
        raise AssertionError("a scan of every node")

    monkeypatch.setattr(Document, "nodes", no_scan)
    assert doc.node_by_name("e150") is not None
    node = doc.add_node("exp", "fresh")
    doc.update_node(node.id, name="fresher")
    assert doc.unique_name("e1") == "e1100"  # e11 … e199 are taken
    doc.remove_node(node.id)


NAMES = ["a", "b", "ａ", "x", "ｘ", "x1", "loss", "ℓ"]


class IndexMachine(RuleBasedStateMachine):
    """Random edits; after each, the index equals what a scan of the nodes finds."""

    def __init__(self) -> None:
        super().__init__()
        self.doc = Document()
        self.removed: list[tuple[Any, list[Any]]] = []

    @rule(name=st.sampled_from(NAMES), kind=st.sampled_from(["leaf", "exp", "add"]))
    def add(self, name: str, kind: str) -> None:
        try:
            self.doc.add_node(kind, name, **({"value": 1.0} if kind == "leaf" else {}))
        except GraphError:
            pass

    @rule(name=st.sampled_from([None, *NAMES]))
    def add_unnamed_or_named(self, name: str | None) -> None:
        self.doc.add_node("exp", self.doc.unique_name(name or "exp"))

    @precondition(lambda self: len(self.doc) > 0)
    @rule(data=st.data(), name=st.sampled_from(NAMES))
    def rename(self, data: st.DataObject, name: str) -> None:
        node_id = data.draw(st.sampled_from(sorted(self.doc.graph)))
        try:
            self.doc.update_node(node_id, name=name)
        except GraphError:
            pass

    @precondition(lambda self: len(self.doc) > 0)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        node_id = data.draw(st.sampled_from(sorted(self.doc.graph)))
        self.removed.append(self.doc.remove_node(node_id))

    @precondition(lambda self: len(self.removed) > 0)
    @rule()
    def undo_remove(self) -> None:
        node, edges = self.removed.pop()
        try:
            self.doc.insert_node(node, edges)
        except GraphError:
            pass  # its name was taken meanwhile: refused, nothing changed

    @precondition(lambda self: len(self.doc) > 1)
    @rule(data=st.data())
    def connect(self, data: st.DataObject) -> None:
        ids = sorted(self.doc.graph)
        source, target = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
        if self.doc.can_connect(source, target, "input") is None:
            self.doc.add_edge(source, target, "input")

    @rule()
    def clone_and_replace(self) -> None:
        twin = self.doc.clone()
        fresh = Document()
        fresh.replace_with(twin)
        self.doc = fresh

    @rule()
    def reload(self) -> None:
        self.doc.replace_with(loads(dumps(self.doc)))

    @invariant()
    def index_equals_a_scan(self) -> None:
        scan = {n.name: n.id for n in self.doc.nodes()}
        assert len(scan) == len(self.doc)  # names unique
        assert self.doc._by_name == scan
        for name, node_id in scan.items():
            found = self.doc.node_by_name(name)
            assert found is not None and found.id == node_id


TestIndex = IndexMachine.TestCase
TestIndex.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
