"""Documents holding float16, bfloat16 and the narrow integer dtypes: a file keeps their numbers
to the last bit, the generated code runs in plain torch with the same numbers, the Jacobian lens
computes in the document's dtypes and checks vᵀJ with a tolerance that fits them, and what
torch refuses (requires_grad on int32, 300 as uint8) is refused in torch's words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from test_snippet_dtypes import SNIPPETS
from test_snippet_roundtrip import canonical
from torch_reference import in_subprocess

from engine.cli import report
from engine.document import Document, GraphError
from engine.dtypes import DTYPES, FLOAT_DTYPES, dtype_tolerance
from engine.fileformat import load, save
from engine.jacobian import lens
from engine.ops import get_op
from engine.pure_forward import make_tensor
from engine.run import run
from engine.snippets.codegen import generate
from engine.snippets.reader import import_snippet
from tests.engine.helpers import const, leaf, op

HALF_MODEL = SNIPPETS["half_backward_through_matmul_and_tanh"]


def test_every_dtype_is_a_torch_dtype_and_the_to_op_offers_each() -> None:
    assert [str(getattr(torch, name)) for name in DTYPES] == [f"torch.{n}" for n in DTYPES]
    assert [n for n in DTYPES if getattr(torch, n).is_floating_point] == list(FLOAT_DTYPES)
    assert get_op("to").param("dtype").choices == DTYPES


def test_a_float16_document_saves_and_loads_to_the_last_bit(tmp_path: Path) -> None:
    doc = import_snippet(HALF_MODEL)
    w = next(n for n in doc.leaves() if n.requires_grad)
    assert w.dtype == "float16"
    before = report(doc, run(doc))
    path = tmp_path / "half.json"
    save(doc, path)
    entry = next(n for n in json.loads(path.read_text(encoding="utf-8"))["nodes"]
                 if n["name"] == "w")
    assert entry["dtype"] == "float16"
    again = load(path)
    w2 = again.node_by_name("w")
    assert w2 is not None and (w2.dtype, w2.value) == ("float16", w.value)
    # the numbers written are float16's own: read back as float16 they change nothing
    first = make_tensor(w.value, "float16")
    assert torch.equal(make_tensor(w2.value, "float16"), first)
    torch.manual_seed(0)
    assert torch.equal(first, torch.randn(4, 3).half())  # what the snippet made
    assert report(again, run(again)) == before
    assert before["grads"]["w"] == in_subprocess([HALF_MODEL])[0]["grads"]["w"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_each_dtype_reads_back_from_a_file_as_the_same_tensor(dtype: str,
                                                              tmp_path: Path) -> None:
    value = [[1.0, 0.1, -2.5], [3.0, 1e-3, 7.0]] if dtype in FLOAT_DTYPES else \
        [[True, False, True], [False, True, True]] if dtype == "bool" else [[1, 0, 5], [7, 2, 3]]
    made = make_tensor(value, dtype)  # the dtype's own numbers (0.1 as float16 is 0.09998)
    doc = Document()
    const(doc, "c", made.tolist(), dtype=dtype)
    save(doc, tmp_path / "c.json")
    node = load(tmp_path / "c.json").node_by_name("c")
    assert node is not None and node.dtype == dtype
    back = make_tensor(node.value, dtype)
    assert back.dtype == getattr(torch, dtype) and torch.equal(back, made)


@pytest.mark.parametrize("name", ["half_backward_through_matmul_and_tanh", "every_cast_method",
                                  "typed_tensor_classes", "dtype_given_to_creation_functions",
                                  "mixed_half_float_and_int32", "bfloat16_leaf_through_sigmoid",
                                  "half_output_with_a_half_gradient"])
def test_generated_code_runs_in_plain_torch_with_the_same_numbers(name: str) -> None:
    doc = import_snippet(SNIPPETS[name])
    code = generate(doc)
    theirs = in_subprocess([code])[0]
    assert theirs["error"] is None, code
    assert theirs["grads"] == report(doc, run(doc))["grads"]
    assert canonical(import_snippet(code)) == canonical(doc)


def test_generated_code_of_a_float16_training_step_keeps_its_grad_in_float16() -> None:
    """A training loop is shown as its last step, its leaves holding the .grad the earlier
    steps left: the code sets that .grad in float16 (torch refuses a float32 one there)."""
    doc = import_snippet(SNIPPETS["float16_sgd_with_momentum_training"])
    code = generate(doc)
    assert "w.grad = torch.tensor([" in code and "dtype=torch.float16)" in code
    theirs = in_subprocess([code])[0]
    assert theirs["error"] is None, code
    assert theirs["grads"] == report(doc, run(doc))["grads"]
    assert theirs["grads"] == in_subprocess([SNIPPETS["float16_sgd_with_momentum_training"]]
                                            )[0]["grads"]


def test_generated_code_spells_the_dtypes_as_torch_does() -> None:
    code = generate(import_snippet(SNIPPETS["every_cast_method"]))
    for dtype in ("int32", "int16", "int8", "uint8", "float16", "bfloat16"):
        assert f".to(torch.{dtype})" in code
    code = generate(import_snippet(SNIPPETS["typed_tensor_classes"]))
    assert "torch.tensor([7, 8, 255], dtype=torch.uint8)" in code


def _jacobian_of(doc: Document) -> torch.Tensor:
    found = lens(doc, run(doc))
    assert found.matches is True, (found.note, found.max_difference)
    assert found.jacobian is not None and found.vjp is not None
    return found.jacobian


def test_the_lens_computes_j_in_float16_and_vjp_matches_the_grad() -> None:
    doc = Document()
    x = leaf(doc, "x", [0.3, -1.2, 2.0], dtype="float16")
    y = op(doc, "sin", "y", x)
    doc.update_node(y, is_output=True, seed=[0.5, 2.0, -1.0])
    jac = _jacobian_of(doc)
    xs = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float16)
    want = torch.autograd.functional.jacobian(torch.sin, xs)
    assert jac.dtype == torch.float16 and torch.equal(jac, want)


def test_the_lens_checks_a_float16_leaf_under_a_float32_output() -> None:
    """x.float() @ W: v·J sums float16-rounded entries in float32, backward rounds the sum
    to float16 once; they differ by ~1e-4, which float32's tolerance alone would call wrong."""
    torch.manual_seed(3)
    weights = torch.randn(3, 5)
    doc = Document()
    x = leaf(doc, "x", torch.randn(3).half().tolist(), dtype="float16")
    up = op(doc, "to", "up", x, params={"dtype": "float32"})
    w = const(doc, "W", weights.tolist(), dtype="float32")
    y = op(doc, "matmul", "y", up, w)
    seed = [0.3, -1.2, 0.7, 2.1, 0.05]
    doc.update_node(y, is_output=True, seed=seed)
    found = lens(doc, run(doc))
    assert found.matches is True and found.vjp is not None
    assert 0 < found.max_difference <= dtype_tolerance(torch.float16) * 10
    assert found.max_difference > dtype_tolerance(torch.float32) * 10  # float32's would fail
    xs = make_tensor(doc.node(x).value or [], "float16").requires_grad_()
    (xs.float() @ weights).backward(torch.tensor(seed))
    assert run(doc).leaf_grads[x].tolist() == xs.grad.tolist()  # type: ignore[union-attr]


def test_an_int_leaf_cannot_require_grad_in_torchs_words() -> None:
    doc = Document()
    with pytest.raises(GraphError, match="Only Tensors of floating point and complex dtype can "
                                         "require gradients"):
        leaf(doc, "i", [1, 2], dtype="int32")
    node = leaf(doc, "h", [1.0, 2.0], dtype="bfloat16")  # every float dtype may
    assert doc.node(node).requires_grad


def test_a_uint8_value_torch_cannot_hold_is_torchs_error_at_its_node() -> None:
    doc = Document()
    c = const(doc, "c", [300, 2], dtype="uint8")
    x = leaf(doc, "x", [1.0, 2.0], dtype="float16")
    y = op(doc, "mul", "y", x, c)
    doc.update_node(y, is_output=True, seed=[1.0, 1.0])
    result = run(doc)
    assert result.error is not None and result.error.node_id == c
    with pytest.raises(RuntimeError) as torch_side:
        torch.tensor([300, 2], dtype=torch.uint8)
    assert result.error.message == str(torch_side.value)
    doc.update_node(c, value=[255, 2])
    assert run(doc).leaf_grads[x].tolist() == [255.0, 2.0]


def test_a_seed_float16_holds_exactly_is_not_warned_about() -> None:
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0, 3.0], dtype="float16")
    y = op(doc, "mul", "y", x, x)
    doc.update_node(y, is_output=True, seed=[0.0999755859375, 1.0, 0.5])  # float16's 0.1
    result = run(doc)
    assert result.warnings == []
    assert result.leaf_grads[x].tolist() == [0.199951171875, 4.0, 3.0]
    doc.update_node(y, seed=[0.1, 1.0, 0.5])  # rounded on the way: said
    result = run(doc)
    assert result.warnings == ["the gradient for y was given as float32; converted to the "
                               "output's dtype float16"]
    xs = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16, requires_grad=True)
    (xs * xs).backward(torch.tensor([0.1, 1.0, 0.5]))
    assert result.leaf_grads[x].tolist() == xs.grad.tolist()  # type: ignore[union-attr]
