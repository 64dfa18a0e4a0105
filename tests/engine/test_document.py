"""The document refuses bad edits with a typed error and stays unchanged."""

from __future__ import annotations

import pytest

from engine.document import (
    BadNameError,
    CycleError,
    DocEvent,
    Document,
    GraphError,
    PortError,
    UnknownNodeError,
)
from engine.fileformat import dumps
from tests.engine.helpers import leaf, op


@pytest.fixture
def chain() -> tuple[Document, str, str, str]:
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    y = op(doc, "exp", "y", x)
    z = op(doc, "sin", "z", y)
    return doc, x, y, z


@pytest.mark.parametrize(("edit", "error"), [
    (lambda d, x, y, z: d.add_edge(z, y, "input"), PortError),  # occupied port
    (lambda d, x, y, z: d.add_edge(y, y, "input"), CycleError),
    (lambda d, x, y, z: d.add_edge(x, z, "other"), PortError),  # sin has no 'other'
    (lambda d, x, y, z: d.add_edge(x, "99", "input"), UnknownNodeError),
    (lambda d, x, y, z: d.update_node(x, name="y"), BadNameError),
    (lambda d, x, y, z: d.update_node(x, name="not a name"), BadNameError),
    (lambda d, x, y, z: d.update_node(x, value=[[1.0], [2.0, 3.0]]), GraphError),
    (lambda d, x, y, z: d.update_node(x, dtype="int64"), GraphError),
    (lambda d, x, y, z: d.update_node(y, value=[1.0]), GraphError),
    (lambda d, x, y, z: d.add_node("no_such_op"), GraphError),
])
def test_refused_edits_leave_document_unchanged(chain, edit, error):
    doc, x, y, z = chain
    before = dumps(doc)
    events: list[DocEvent] = []
    doc.subscribe(events.append)
    with pytest.raises(error):
        edit(doc, x, y, z)
    assert dumps(doc) == before
    assert events == []


def test_cycle_through_a_path_is_refused():
    doc = Document()
    x = leaf(doc, "x", 1.0)
    a = op(doc, "exp", "a", x)
    b = doc.add_node("add", "b").id
    doc.add_edge(a, b, "input")
    c = op(doc, "sin", "c", b)
    with pytest.raises(CycleError, match="cycle"):
        doc.add_edge(c, b, "other")


def test_int_leaf_requiring_grad_uses_torchs_words(chain):
    doc, x, *_ = chain
    with pytest.raises(GraphError, match="Only Tensors of floating point and complex dtype"):
        doc.update_node(x, dtype="int64")
    doc.update_node(x, requires_grad=False, dtype="int64", value=[1, 2])
    assert doc.node(x).dtype == "int64"


def test_events_and_remove_restore(chain):
    doc, x, y, z = chain
    events: list[DocEvent] = []
    doc.subscribe(events.append)
    before = dumps(doc)
    node, edges = doc.remove_node(y)
    assert [e.kind for e in events] == ["edge_removed", "edge_removed", "node_removed"]
    doc.insert_node(node, edges)
    assert dumps(doc) == before
    old = doc.update_node(x, value=[5.0, 6.0])
    assert old == {"value": [1.0, 2.0]}
    assert events[-1] == DocEvent("node_changed", x, fields=("value",))


def test_params_are_checked_and_normalised():
    doc = Document()
    x = leaf(doc, "x", [[1.0, 2.0]])
    s = op(doc, "sum", "s", x, params={"dim": [0, 1]})
    assert doc.node(s).params == {"dim": (0, 1), "keepdim": False}
    with pytest.raises(GraphError, match="keepdim must be true or false"):
        doc.update_node(s, params={"keepdim": "yes"})
    with pytest.raises(GraphError, match="reduction must be one of"):
        doc.add_node("mse_loss", params={"reduction": "avg"})


def test_x_times_x_is_two_edges_between_the_same_nodes():
    doc = Document()
    x = leaf(doc, "x", [2.0, 3.0])
    y = op(doc, "mul", "y", x, x)
    assert sorted(e.port for e in doc.edges() if e.target == y) == ["input", "other"]


def test_values_given_to_or_taken_from_the_document_do_not_alias_its_state():
    doc = Document()
    value, seed = [[1.0, 2.0], [3.0, 4.0]], [1.0, 0.5]
    leaf = doc.add_node("leaf", "a", value=value)
    out = doc.add_node("sum", "s", params={"dim": [0]})
    doc.add_edge(leaf.id, out.id, "input")
    value[0][0] = 99.0  # the caller's list, after handing it over
    leaf.value[1][1] = 99.0  # the node add_node returned
    assert doc.node(leaf.id).value == [[1.0, 2.0], [3.0, 4.0]]
    old = doc.update_node(out.id, is_output=True, seed=seed)
    seed[0] = 7.0
    assert doc.node(out.id).seed == [1.0, 0.5] and old == {"is_output": False, "seed": None}
    old = doc.update_node(out.id, seed=[2.0, 2.0])
    old["seed"][0] = 7.0  # the old value handed back for undo
    copy = doc.node(leaf.id).copy()
    copy.value[0][1] = 7.0
    copy.params["x"] = 1
    assert doc.node(leaf.id).value == [[1.0, 2.0], [3.0, 4.0]]
    assert "x" not in doc.node(leaf.id).params
    assert doc.node(out.id).seed == [2.0, 2.0] and doc.node(out.id).params["dim"] == (0,)
    # an update that does not touch a field still leaves the stored node untouched
    before = doc.node(leaf.id)
    doc.update_node(leaf.id, name="b")
    assert before.name == "a" and doc.node(leaf.id).name == "b"
    assert doc.node(leaf.id).value == before.value
