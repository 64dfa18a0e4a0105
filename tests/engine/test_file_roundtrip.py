"""Whatever the app can hold in a document, it writes and reads back the same."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.document import Document, GraphError
from engine.fileformat import dumps, loads, save
from engine.fileformat import load as load_file
from engine.literal import INT64_MAX, INT64_MIN
from engine.ops import DTYPES, FLOAT_DTYPES, OPS, get_op
from tests.engine.helpers import const, leaf

# Text with the characters that break things: line and paragraph separators, NEL, controls,
# a lone surrogate, astral characters, combining marks, fullwidth letters, RTL marks.
ODD = "\n\r\x0b\x0c\x85\u2028\u2029\x00\x1b\ud800\udfff\U0001f600\u0301ｘ\u202e\ufeff\"\\"
_any_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(ODD)), max_size=40)
odd_text = st.builds(lambda a, odd, b: a + odd + b, _any_text, st.sampled_from(ODD), _any_text)
names = st.from_regex(r"[A-Za-z_ｘαλ][A-Za-z0-9_ｘ²αλ]{0,12}", fullmatch=True)
numbers = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


@st.composite
def values(draw: st.DrawFn) -> object:
    """A rectangular nested list (or a number), up to 8 levels, up to 24 numbers."""
    shape = draw(st.lists(st.integers(0, 3), max_size=8))
    if len(shape) > 3:
        shape = [min(n, 1) for n in shape]  # deep but small

    def build(dims: list[int]) -> object:
        if not dims:
            return draw(numbers)
        return [build(dims[1:]) for _ in range(dims[0])]
    return build(shape)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    doc = Document()
    doc.title = draw(odd_text)
    doc.description = draw(odd_text)
    ids: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(sorted(OPS)))
        name = draw(names)
        fields: dict[str, object] = {
            "position": (draw(st.floats(-1e6, 1e6)), draw(st.floats(-1e6, 1e6)))}
        if op in ("leaf", "constant"):
            fields["value"] = draw(values())
            fields["dtype"] = draw(st.sampled_from(DTYPES))
            if op == "leaf":
                fields["requires_grad"] = fields["dtype"] in FLOAT_DTYPES and \
                    draw(st.booleans())
        params = {}
        for p in get_op(op).params:
            if p.kind == "int":
                params[p.name] = draw(st.integers(INT64_MIN, INT64_MAX))
            elif p.kind == "bool":
                params[p.name] = draw(st.booleans())
            elif p.kind == "choice":
                params[p.name] = draw(st.sampled_from(p.choices))
            elif p.kind == "dims":
                params[p.name] = draw(st.one_of(st.none(), st.integers(-4, 4),
                                                st.lists(st.integers(-4, 4), min_size=1,
                                                         max_size=3)))
            elif p.kind == "shape":
                params[p.name] = draw(st.lists(st.integers(0, 10 ** 12), max_size=4))
            elif p.kind == "ints":  # F.pad's counts: any sign
                params[p.name] = draw(st.lists(st.integers(INT64_MIN, INT64_MAX), max_size=6))
            elif p.kind == "text":  # einsum's equation, kept as written (JSON escapes it)
                params[p.name] = draw(st.text(min_size=1, max_size=100).filter(
                    lambda t: t.strip() == t and t))
        fields["params"] = params
        try:
            node = doc.add_node(op, name, **fields)
        except GraphError:
            continue  # a duplicate name (also after NFKC): the document refused it, fine
        ids.append(node.id)
        if draw(st.booleans()):
            seed = draw(st.one_of(st.none(), values()))
            doc.update_node(node.id, is_output=True, seed=seed, seed_enabled=draw(st.booleans()))
        for port in get_op(op).inputs:
            if len(ids) > 1 and draw(st.booleans()):
                doc.add_edge(draw(st.sampled_from(ids[:-1])), node.id, port)
    if ids and draw(st.booleans()):
        doc.set_options(inputs=draw(st.lists(st.sampled_from(ids), max_size=3)),
                        retain_graph=draw(st.booleans()), accumulate=draw(st.booleans()))
    return doc


def _content(doc: Document) -> dict:
    nodes = {n.id: n for n in doc.nodes()}
    return {"title": doc.title, "description": doc.description, "options": doc.options,
            "nodes": nodes, "edges": sorted((e.source, e.target, e.port) for e in doc.edges())}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_document_reads_back_equal(doc):
    text = dumps(doc)
    back = loads(text)
    assert _content(back) == _content(doc)
    assert dumps(back) == text
    text.encode("utf-8")  # writable as UTF-8, lone surrogates included (escaped)


def test_a_20_digit_integer_is_refused_when_set_not_when_reopened():
    doc = Document()
    with pytest.raises(GraphError, match="too large for a 64-bit integer"):
        const(doc, "c", 10 ** 20, dtype="int64")
    with pytest.raises(GraphError, match="too large for a 64-bit integer"):
        const(doc, "c", [1, -(2 ** 63) - 1], dtype="int64")
    const(doc, "c", [INT64_MAX, INT64_MIN], dtype="int64")  # the extremes fit and read back
    assert loads(dumps(doc)).node_by_name("c").value == [INT64_MAX, INT64_MIN]  # type: ignore[union-attr]


def test_a_value_nested_past_the_limit_is_refused_by_the_document():
    deep: object = 1.0
    for _ in range(62):
        deep = [deep]
    doc = Document()
    with pytest.raises(GraphError, match="over the limit of 8 levels of nesting in one value"):
        leaf(doc, "x", deep)
    eight: object = 1.0
    for _ in range(8):
        eight = [eight]
    leaf(doc, "x", eight)
    assert loads(dumps(doc)).node_by_name("x").value == eight  # type: ignore[union-attr]


def test_params_a_file_cannot_hold_are_refused():
    doc = Document()
    with pytest.raises(GraphError, match="dim0 must be an integer"):
        doc.add_node("transpose", "t", params={"dim0": 10 ** 30})
    with pytest.raises(GraphError, match="position"):
        doc.add_node("exp", "e", position=(float("nan"), 0.0))


def test_a_lone_surrogate_title_saves_and_reopens(tmp_path):
    doc = loads(json.dumps({"format": "gradflow-graph", "version": 1,
                            "title": "broken \ud800 half", "nodes": []}))
    assert doc.title == "broken \ud800 half"
    save(doc, tmp_path / "t.json")  # used to raise UnicodeEncodeError
    assert load_file(tmp_path / "t.json").title == "broken \ud800 half"


def test_text_over_the_limit_is_refused_in_the_document_and_the_file():
    doc = Document()
    with pytest.raises(GraphError, match="over the limit of 100,000 characters"):
        doc.description = "x" * 100_001
    text = json.dumps({"format": "gradflow-graph", "version": 1,
                       "description": "x" * 49_000_000, "nodes": []})
    from engine.fileformat import FileFormatError
    with pytest.raises(FileFormatError, match=r"description is too long: over the limit of "
                                              r"100,000 characters .*\(49,000,000\)"):
        loads(text)
    with pytest.raises(FileFormatError, match="over the limit of 200 characters in a name"):
        loads(json.dumps({"format": "gradflow-graph", "version": 1,
                          "nodes": [{"id": "1", "op": "leaf", "name": "x" * 5000,
                                     "value": 1.0}]}))


def test_edges_in_any_order_read_back_the_same_graph():
    """A long chain with its edges listed backwards (each cycle check used to walk the whole
    chain below: quadratic) reads back equal."""
    doc = Document()
    node = leaf(doc, "x", [1.0, 2.0])
    for i in range(2000):
        node = doc.add_node("sin", f"s{i}").id
        doc.add_edge(str(int(node) - 1), node, "input")
    data = json.loads(dumps(doc))
    data["edges"].reverse()
    assert dumps(loads(json.dumps(data))) == dumps(doc)


def test_a_cycle_in_a_file_is_named():
    doc = Document()
    x = leaf(doc, "x", 1.0)
    a = doc.add_node("add", "a").id
    b = doc.add_node("exp", "b").id
    doc.add_edge(x, a, "input")
    doc.add_edge(a, b, "input")
    data = json.loads(dumps(doc))
    data["edges"].append({"source": b, "target": a, "port": "other"})
    from engine.fileformat import FileFormatError
    with pytest.raises(FileFormatError) as info:
        loads(json.dumps(data))
    assert str(info.value) == ("edge 2 (b → a.other): connecting b → a would make a cycle "
                               "(a → b → a)")


def test_save_refuses_a_file_the_reader_would_refuse(tmp_path, monkeypatch):
    from engine import fileformat
    from engine.fileformat import FileFormatError
    from engine.limits import FILE_BYTES, VALUE_ELEMENTS_ALL, Limit
    monkeypatch.setattr(fileformat, "VALUE_ELEMENTS_ALL", Limit(VALUE_ELEMENTS_ALL.name, 100))
    doc = Document()
    leaf(doc, "a", [0.5] * 60)
    leaf(doc, "b", [0.5] * 60)  # each value is within the limit, the two are not
    target = tmp_path / "big.json"
    with pytest.raises(FileFormatError) as info:
        save(doc, target)
    assert str(info.value) == ("cannot save: the values hold 120 numbers, over the limit of "
                               "100 numbers written out in all values of a graph file; "
                               "the graph is still open")
    assert list(tmp_path.iterdir()) == []
    assert isinstance(info.value, OSError)  # the autosave and Save handle a failed write
    with pytest.raises(FileFormatError):  # and indeed the reader refuses that text
        loads(dumps(doc))
    small = Document()
    leaf(small, "x", [0.123456789] * 100)
    monkeypatch.setattr(fileformat, "FILE_BYTES", Limit(FILE_BYTES.name, 1000))
    with pytest.raises(FileFormatError, match=r"cannot save: the file would be [\d,]+ bytes, "
                                              r"over the limit of 1,000 bytes in a graph file"):
        save(small, target)
    with pytest.raises(FileFormatError, match="over the limit of 1,000 bytes"):
        loads(dumps(small))


def test_the_document_holds_no_more_nodes_than_a_file_may(monkeypatch):
    from engine import document
    from engine.limits import GRAPH_NODES, Limit
    monkeypatch.setattr(document, "GRAPH_NODES", Limit(GRAPH_NODES.name, 3))
    doc = Document()
    for name in "abc":
        leaf(doc, name, 1.0)
    with pytest.raises(GraphError, match="cannot add d: over the limit of 3 graph nodes"):
        leaf(doc, "d", 1.0)
    assert len(doc) == 3
