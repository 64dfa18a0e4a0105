"""Every shipped example: loads, round-trips, is what its generator builds, and its numbers
match an independent plain-torch computation of the same thing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from engine.document import NODE_FIELDS, Document
from engine.examples import EXAMPLES_DIR, list_examples
from engine.fileformat import dumps, load, loads
from engine.run import run

ALL = [info.path for info in list_examples()]


def _generator():
    spec = importlib.util.spec_from_file_location("make_examples",
                                                  EXAMPLES_DIR / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_same_document(a: Document, b: Document) -> None:
    assert (a.title, a.description) == (b.title, b.description)
    assert a.options == b.options
    assert sorted(n.id for n in a.nodes()) == sorted(n.id for n in b.nodes())
    for node in a.nodes():
        other = b.node(node.id)
        for key in NODE_FIELDS:
            assert getattr(node, key) == getattr(other, key), (node.name, key)
    assert sorted(a.edges(), key=str) == sorted(b.edges(), key=str)


def test_there_are_the_seed_three_and_at_least_five_more():
    stems = [p.stem for p in ALL]
    assert sum(s.startswith("seed_") for s in stems) == 3
    assert sum(s.startswith("tour_") for s in stems) >= 5
    for info in list_examples():
        assert info.title and len(info.description) > 40


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_example_round_trips_field_by_field(path: Path, tmp_path: Path):
    from engine.fileformat import save

    doc = load(path)
    save(doc, tmp_path / "again.json")
    assert_same_document(doc, load(tmp_path / "again.json"))
    assert_same_document(doc, loads(dumps(doc)))


def test_committed_tour_files_are_what_the_generator_builds():
    gen = _generator()
    for stem in gen.BUILDERS:
        assert (EXAMPLES_DIR / f"{stem}.json").read_text(encoding="utf-8") == \
            dumps(gen.build(stem)), stem


def _grads(stem: str) -> dict[str, torch.Tensor]:
    result = run(load(EXAMPLES_DIR / f"{stem}.json"))
    assert result.error is None, result.error
    return {k: v for k, v in result.grads_by_name().items() if v is not None}


def close(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return got.shape == expected.shape and torch.allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_multilabel_matches_torch_and_seed_equals_weighted_sum():
    z = torch.tensor([1.2, -0.8, 0.3], requires_grad=True)
    y = torch.tensor([1.0, 0.0, 1.0])
    w = torch.tensor([1.0, 2.0, 0.5])
    F.binary_cross_entropy_with_logits(z, y, reduction="none").backward(gradient=w)
    assert close(_grads("tour_04_multilabel_bce")["z"], z.grad)
    # the note in the description: backward(gradient=w) == (loss * w).sum().backward()
    z2 = z.detach().clone().requires_grad_(True)
    (F.binary_cross_entropy_with_logits(z2, y, reduction="none") * w).sum().backward()
    assert torch.allclose(z.grad, z2.grad)
    assert torch.allclose(z.grad, w * (torch.sigmoid(z.detach()) - y))


def test_fan_out_accumulates_all_three_uses():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (torch.sin(x) + x * x).sum().backward()
    assert close(_grads("tour_05_fan_out")["x"], x.grad)
    result = run(load(EXAMPLES_DIR / "tour_05_fan_out.json"))
    x_id = result_id(result, "x")
    into = [g for e, g in result.edge_grads.items() if e.source == x_id]
    assert len(into) == 3
    assert torch.allclose(sum(into), x.grad)


def result_id(result, name: str) -> str:
    return next(i for i, n in result.names.items() if n == name)


def test_softmax_one_hot_seed_reads_one_row_of_the_jacobian():
    z = torch.tensor([1.0, 2.0, 0.5])
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), z)
    got = _grads("tour_06_softmax_jacobian")["z"]
    assert close(got, jac[1])
    assert float(got.sum()) == pytest.approx(0.0, abs=1e-6)


def test_linear_layer_weight_grad_is_outer_product():
    W = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], requires_grad=True)  # noqa: N806
    b = torch.tensor([0.1, -0.2], requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    v = torch.tensor([1.0, -2.0])
    (W @ x + b).backward(gradient=v)
    grads = _grads("tour_07_linear_layer")
    assert close(grads["W"], W.grad)
    assert close(grads["W"], torch.outer(v, x))
    assert close(grads["b"], b.grad)
    assert "x" not in grads  # a constant gets no .grad


def test_broadcast_operand_gradient_sums_over_rows():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    s = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    (x * s).backward(gradient=torch.ones(2, 3))
    grads = _grads("tour_08_broadcasting")
    assert close(grads["s"], s.grad)
    assert close(grads["x"], x.grad)


def test_detach_cuts_the_flow():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ((x * x).detach() * x).sum().backward()
    assert close(_grads("tour_09_detach")["x"], x.grad)
    assert x.grad.tolist() != (3 * x.detach() ** 2).tolist()


def test_mean_seed_equals_mean_backward_and_ones_equals_sum():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (x ** 2).mean().backward()
    assert close(_grads("tour_10_mean_vs_sum")["x"], x.grad)
    doc = load(EXAMPLES_DIR / "tour_10_mean_vs_sum.json")
    y = doc.node_by_name("y")
    doc.update_node(y.id, seed=[1.0, 1.0, 1.0, 1.0])
    x2 = x.detach().clone().requires_grad_(True)
    (x2 ** 2).sum().backward()
    assert close(run(doc).grads_by_name()["x"], x2.grad)
