"""The program of calls in the document: edits validate first, change nothing when refused,
emit one calls_changed event each, and survive the file format; version-1 files still open
and run exactly as the version-1 code ran them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import calls
from engine.cli import report
from engine.document import DocEvent, Document, GraphError
from engine.fileformat import FileFormatError, dumps, load, loads
from engine.run import run
from tests.engine.helpers import leaf, op

V1 = Path(__file__).parent / "data" / "v1"


def graph() -> tuple[Document, str, str, str]:
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    y = op(doc, "mul", "y", x, x)
    loss = op(doc, "sum", "loss", y)
    doc.update_node(loss, is_output=True)
    return doc, x, y, loss


def events(doc: Document) -> list[DocEvent]:
    seen: list[DocEvent] = []
    doc.subscribe(seen.append)
    return seen


def test_a_new_document_holds_the_one_backward_call():
    assert Document().calls == [calls.PRIMARY]


def test_add_move_update_remove_each_emit_one_event_and_undo_exactly():
    doc, x, y, loss = graph()
    seen = events(doc)
    start = list(doc.calls)
    assert doc.add_call(calls.backward([loss], retain_graph=True)) == 1
    index = doc.add_call(calls.zero_grad([x]), 0)
    assert [c.kind for c in doc.calls] == ["zero_grad", "backward", "backward"]
    old = doc.update_call(2, seeds=(3.0,), retain_graph=False)
    assert old == {"seeds": (None,), "retain_graph": True}
    assert doc.calls[2].seeds == (3.0,)
    doc.update_call(2, **old)
    doc.move_call(0, 2)
    assert [c.kind for c in doc.calls] == ["backward", "backward", "zero_grad"]
    doc.move_call(2, 0)
    removed = doc.remove_call(index)
    assert removed == calls.zero_grad([x])
    doc.remove_call(1)
    assert doc.calls == start
    assert [e.kind for e in seen] == ["calls_changed"] * 8
    assert [e.call for e in seen] == [1, 0, 2, 2, 2, 0, 0, 1]


@pytest.mark.parametrize("edit, words", [
    (lambda d, x, y, out: d.remove_call(0), "cannot be removed"),
    (lambda d, x, y, out: d.add_call(calls.backward([out]), 0), "first backward call"),
    (lambda d, x, y, out: d.add_call(calls.PRIMARY), "exactly once"),
    (lambda d, x, y, out: d.add_call(calls.backward(["99"])), "'99' does not exist"),
    (lambda d, x, y, out: d.add_call(calls.zero_grad([y])), "not a leaf"),
    (lambda d, x, y, out: d.add_call(calls.backward([out], [1.0, 2.0])), "one per output"),
    (lambda d, x, y, out: d.add_call(calls.backward([out], [[1.0], [2.0, 3.0]])), "gradient"),
    (lambda d, x, y, out: d.add_call(calls.Call("grad", outputs=(out,), seeds=(None,))),
     "needs its inputs"),
    (lambda d, x, y, out: d.add_call(calls.Call("zero_grad", retain_graph=True)),
     "has no 'retain_graph'"),
    (lambda d, x, y, out: d.add_call(calls.Call("step")), "unknown call kind"),
    (lambda d, x, y, out: d.update_call(0, retain_graph=True), "run options"),
    (lambda d, x, y, out: d.update_call(0, kind="grad"), "cannot be changed"),
    (lambda d, x, y, out: d.move_call(0, 5), "no call 6"),
    (lambda d, x, y, out: d.set_calls([calls.PRIMARY] * 101), "over the limit of 100"),
])
def test_refused_edits_name_the_problem_and_change_nothing(edit, words):
    doc, x, y, loss = graph()
    doc.add_call(calls.zero_grad())
    before = list(doc.calls)
    seen = events(doc)
    with pytest.raises(GraphError, match=words):
        edit(doc, x, y, loss)
    assert doc.calls == before and seen == []


def test_removing_nodes_drops_them_from_the_calls_and_inserting_them_back_restores_them():
    doc, x, y, loss = graph()
    doc.add_call(calls.grad([loss, y], [x], [None, [1.0, 1.0]], retain_graph=True), 0)
    doc.add_call(calls.zero_grad([x]))
    program = list(doc.calls)
    removed = [doc.remove_node(y), doc.remove_node(x)]  # a two-node delete
    assert doc.calls[0].outputs == (loss,) and doc.calls[0].seeds == (None,)
    assert doc.calls[0].inputs == () and doc.calls[2].leaves == ()
    for node, edges in reversed(removed):  # its undo
        doc.insert_node(node, edges)
    assert doc.calls == program


def test_inserting_a_node_back_leaves_a_program_edited_since_alone():
    doc, x, y, loss = graph()
    doc.add_call(calls.zero_grad([x]))
    node, edges = doc.remove_node(x)
    doc.add_call(calls.zero_grad(set_to_none=True))
    edited = list(doc.calls)
    doc.insert_node(node, edges)
    assert doc.calls == edited


def test_clone_and_replace_with_carry_the_calls():
    doc, x, y, loss = graph()
    doc.add_call(calls.zero_grad())
    other = Document()
    other.replace_with(doc.clone())
    assert other.calls == doc.calls


def test_calls_round_trip_through_the_file():
    doc, x, y, loss = graph()
    doc.add_call(calls.grad([y], [x], [[1.0, -0.5]], retain_graph=True), 0)
    doc.add_call(calls.backward([loss, y], [2.0, None], retain_graph=True, inputs=[x]))
    doc.add_call(calls.zero_grad(set_to_none=True))
    doc.add_call(calls.zero_grad([x]))
    data = json.loads(dumps(doc))
    assert data["version"] == 2
    assert data["calls"][1] == {"kind": "backward", "primary": True}
    assert data["calls"][3] == {"kind": "zero_grad", "leaves": None, "set_to_none": True}
    assert loads(dumps(doc)).calls == doc.calls


@pytest.mark.parametrize("calls_json, words", [
    ([{"kind": "zero_grad"}], "exactly once"),
    ([{"kind": "backward", "primary": True}, {"kind": "fly"}], "call 2: unknown kind"),
    ([{"kind": "backward", "primary": True}, {"kind": "zero_grad", "outputs": []}],
     "a zero_grad call has no 'outputs'"),
    ([{"kind": "backward", "primary": True}, {"kind": "zero_grad", "leaves": ["77"]}],
     "'77' does not exist"),
    ([{"kind": "backward", "primary": "yes"}], "true or false"),
    ({"kind": "zero_grad"}, '"calls" must be a list'),
])
def test_bad_calls_in_a_file_are_refused_with_a_clear_message(calls_json, words):
    doc, x, y, loss = graph()
    data = json.loads(dumps(doc))
    data["calls"] = calls_json
    with pytest.raises(FileFormatError, match=words):
        loads(json.dumps(data))


def test_a_version_1_file_with_calls_is_refused():
    data = json.loads((V1 / "seed_1_scalar_loss.json").read_text())
    data["calls"] = []
    with pytest.raises(FileFormatError, match="version-1 file has no"):
        loads(json.dumps(data))


EXPECTED = json.loads((V1 / "reports.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_version_1_files_open_and_run_exactly_as_before(name: str):
    """reports.json was written by the version-1 code, before calls existed."""
    doc = load(V1 / name)
    assert doc.calls == [calls.PRIMARY]
    data = report(doc, run(doc))
    assert len(data.pop("calls")) == 1
    if data["error"] is not None:
        assert data["error"].pop("call") == 1
    assert data == EXPECTED[name]
    again = loads(dumps(doc))  # and once saved as version 2, still the same
    assert dumps(again) == dumps(doc)


def test_a_version_2_file_without_calls_holds_the_one_backward_call():
    doc, x, y, loss = graph()
    data = json.loads(dumps(doc))
    del data["calls"]
    again = loads(json.dumps(data))
    assert again.calls == [calls.PRIMARY]
    assert run(again).leaf_grads[x].tolist() == [2.0, 4.0]  # d(x·x)/dx summed: 2x
