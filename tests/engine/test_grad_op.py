"""The gradient kept as a graph (engine/grad_op.py), in documents built by hand: its value and
the second-order grads it gives are torch.func's, both run levels agree, what torch records
while forward computes it stays out of the calls' trace, its `input` edge carries what the
recorded graph sends straight to the input, the lens differentiates through it, and files
and generated code keep it."""

from __future__ import annotations

import torch
from helpers import const, leaf, op

from engine.document import Document
from engine.explain import explain
from engine.fileformat import dumps, loads
from engine.grad_op import GRAD_OP
from engine.jacobian import lens
from engine.run import FULL, GRADS, run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet

X = [0.3, -1.2, 2.0]


def _f(x: torch.Tensor) -> torch.Tensor:
    return (torch.sin(x) * x).sum()


def _document() -> tuple[Document, dict[str, str]]:
    """o = Σ (∂y/∂x)², y = Σ sin(x)·x."""
    doc = Document()
    ids = {"x": leaf(doc, "x", X)}
    ids["s"] = op(doc, "sin", "s", ids["x"])
    ids["m"] = op(doc, "mul", "m", ids["s"], ids["x"])
    ids["y"] = op(doc, "sum", "y", ids["m"])
    ids["v"] = const(doc, "v", 1.0)
    ids["g"] = op(doc, GRAD_OP, "g", ids["y"], ids["x"], ids["v"])
    ids["q"] = op(doc, "mul", "q", ids["g"], ids["g"])
    ids["o"] = op(doc, "sum", "o", ids["q"])
    doc.update_node(ids["o"], is_output=True)
    return doc, ids


def _torch_answers() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor(X, dtype=torch.float64)
    g = torch.func.grad(_f)(x)
    second = torch.func.grad(lambda t: (torch.func.grad(_f)(t) ** 2).sum())(x)
    return g, second


def test_value_and_second_order_grad_are_torch_funcs() -> None:
    doc, ids = _document()
    g, second = _torch_answers()
    for level in (FULL, GRADS):
        result = run(doc, level=level)
        assert result.error is None, result.error
        torch.testing.assert_close(result.values[ids["g"]], g)
        torch.testing.assert_close(result.leaf_grads[ids["x"]], second)


def test_both_levels_report_the_same_totals_and_edges() -> None:
    doc, _ = _document()
    full, grads = run(doc, level=FULL), run(doc, level=GRADS)
    assert full.node_grads.keys() == grads.node_grads.keys()
    for key, value in full.node_grads.items():
        torch.testing.assert_close(grads.node_grads[key], value)
    assert full.edge_grads.keys() == grads.edge_grads.keys()
    for edge, value in full.edge_grads.items():
        torch.testing.assert_close(grads.edge_grads[edge], value)


def test_what_forward_records_while_it_differentiates_stays_out_of_the_trace() -> None:
    """Computing g runs autograd through y's hooked nodes during forward: none of those hook
    calls may show up as events of the backward call, or before it."""
    doc, _ = _document()
    result = run(doc, level=FULL)
    assert result.calls[0].start == 0
    plain = Document()
    x = leaf(plain, "x", X)
    out = op(plain, "sum", "o", op(plain, "mul", "q", x, x))
    plain.update_node(out, is_output=True)
    assert run(plain, level=FULL).calls[0].start == 0


def test_input_edge_carries_what_the_recorded_graph_sends_to_the_input() -> None:
    """y = Σ x³, g = 3x², o = Σ g: do/dx = 6x arrives only from g's recorded graph, which
    reaches x in one place: the x → g edge shows it, and it is x's whole total."""
    doc = Document()
    x = leaf(doc, "x", X)
    y = op(doc, "sum", "y", op(doc, "pow", "p", x, const(doc, "three", 3.0)))
    g = op(doc, GRAD_OP, "g", y, x, const(doc, "v", 1.0))
    o = op(doc, "sum", "o", g)
    doc.update_node(o, is_output=True)
    for level in (FULL, GRADS):
        result = run(doc, level=level)
        want = 6 * torch.tensor(X, dtype=torch.float64)
        torch.testing.assert_close(result.leaf_grads[x], want)
        (into_g,) = [e for e in doc.in_edges(g).values() if e.port == "input"]
        torch.testing.assert_close(result.edge_grads[into_g], want)
        torch.testing.assert_close(result.node_grads[x], want)


def test_the_lens_differentiates_through_the_gradient() -> None:
    doc, ids = _document()
    result = run(doc)
    seen = lens(doc, result)
    _, second = _torch_answers()
    assert seen.vjp is not None
    torch.testing.assert_close(torch.as_tensor(seen.vjp, dtype=torch.float64).reshape(-1),
                               second)


def test_an_input_the_output_never_used_is_torchs_error_at_the_node() -> None:
    doc = Document()
    x, z = leaf(doc, "x", [1.0, 2.0]), leaf(doc, "z", [3.0, 4.0])
    y = op(doc, "sum", "y", op(doc, "mul", "m", x, x))
    g = op(doc, GRAD_OP, "g", y, z, const(doc, "v", 1.0))
    doc.update_node(op(doc, "sum", "o", g), is_output=True)
    result = run(doc)
    try:
        torch.autograd.grad((torch.tensor([1.0, 2.0], requires_grad=True) ** 2).sum(),
                            torch.tensor([3.0, 4.0], requires_grad=True), create_graph=True)
    except RuntimeError as exc:
        expected = str(exc)
    assert result.node_errors[g].message == expected


def test_explain_says_where_the_gradient_of_a_gradient_goes() -> None:
    doc, ids = _document()
    text = " ".join(line.text for line in explain(doc, run(doc), ids["g"]))
    assert "the gradient of a gradient goes back through the graph torch recorded" in text


def test_files_and_generated_code_keep_the_gradient() -> None:
    doc, ids = _document()
    again = loads(dumps(doc))
    torch.testing.assert_close(run(again).leaf_grads[ids["x"]], run(doc).leaf_grads[ids["x"]])
    code = generate(doc)
    assert "torch.autograd.grad(y, x, v, create_graph=True)[0]" in code
    reread = import_snippet(code)
    (x_again,) = [n.id for n in reread.leaves() if n.name == "x"]
    _, second = _torch_answers()
    torch.testing.assert_close(run(reread).leaf_grads[x_again], second)


def test_the_shape_rule_is_the_inputs_shape_as_torch_gives_it() -> None:
    from engine.snippets.shapes import output_meta

    doc, ids = _document()
    value = run(doc).values[ids["g"]]
    meta = output_meta(GRAD_OP, [torch.empty((), device="meta"), torch.empty(3, device="meta"),
                                 torch.empty((), device="meta")], {})
    assert tuple(meta.shape) == tuple(value.shape) == (3,)
