"""Real learner snippets (tests/engine/corpus/, each with its source on the first line) read
by the importer and run by the engine, against the same snippet run by plain torch in a
subprocess: the same leaf gradients (rtol 1e-5), the same J from every
torch.autograd.functional.jacobian call, the same answer from every vjp, jvp, vhp, hvp and
hessian call, the same answer from every torch.autograd.grad call,
and the same error text."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from torch_reference import in_subprocess

from engine.cli import report
from engine.document import Document
from engine.run import run
from engine.snippets.reader import ImportError_, TorchRaised, import_snippet
from engine.snippets.safety import UnparsedSnippet
from engine.snippets.training import CALLS_RAN_WHILE_READ, TRAINING_LOOP
from engine.trace import RunError

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.py"))
# Programs of several calls (a second backward, .grad.zero_(), autograd.grad) are judged like
# the rest: the grads after the last call and torch's error at the call that raised it.
SEVERAL_CALLS = {"d2l_autograd_chapter", "basics_jacobian_product", "sh2439_gradients",
                 "wizard_second_backward", "polish_so_loop",
                 "youssef_second_backward_then_accumulate", "jason_d2l_zero_detach",
                 "so_jacobian_one_hot_backward", "gfg_backward_then_autograd_grad",
                 "tutorialspoint_jacobian_func", "pytorch_docs_jacobian_examples",
                 "crackedai_jacobian_then_backward",
                 "d2l_mlp_activation_grads", "lighttimesound_autograd_cells",
                 "lighttimesound_autograd_fixed", "pe_autograd_parts", "discuss_loss_grad_cases",
                 "alsanad_ones_like_seed", "pt_leaf_nonleaf_tutorial", "cofca_grads",
                 "porterjenkins_retain_graph", "adiezsanchez_backward_exercise",
                 "bobosamson_activation_grads", "devgem_two_outputs_second_backward",
                 "elsieyin_retain_graph_twice", "elsieyin_zero_in_loop",
                 "grantmcclure_three_examples", "guokejie_sigmoid_grad",
                 "hotohoto_quadratic_form", "jerry_flowmatching_partials",
                 "krishnagauss_pow_sin", "pythonkb_sum_squares_twice", "rasbt_manual_grad_calls",
                 "rasbt_manual_grad_tuple", "rentainhe_with_and_without_detach",
                 "sourander_basics_sigmoid", "xiemeigongzi_mse_grad_error",
                 "kwhou_max_abs_where_grads", "miaokee_jacobian_exp_sum",
                 "discuss_ce_vs_nll_linear", "dsgiitr_activation_grads_cells",
                 "meiqiguo_nograd_requires_grad_detach", "so_backward_tensor_one_mean",
                 "zhangyang_accumulate_two_outputs", "tingshua_hook_on_scalar_output",
                 "atcold_requires_grad_and_no_grad", "androidkt_detach_accumulate_56",
                 "docs_crossentropyloss_two_targets", "docs_f_cross_entropy_examples",
                 "gurusarath_float64_backward_twice", "pytorch_issue_8474_view_rebinds_name",
                 "xinyooo_requires_grad_leaves", "zedali_dot_then_sum_zero",
                 "pytorch_issue_8626_expand_grads", "pytorch_issue_8626_narrow_of_expand",
                 "choffrut_itertools_product_seeds", "choffrut_one_element_no_seed",
                 "choffrut_rows_sum_stack", "choffrut_stack_two_seeds",
                 "choffrut_sum_and_square_sum", "developpaper_hook_and_retain_grad",
                 "edisonchan_activation_grads_arange", "edisonchan_vector_function_setitem",
                 "pytorch_issue_108618_where_vs_loop", "pytorch_issue_16317_where_zero_denominator",
                 "pytorch_issue_184572_max_zero_formulations",
                 "pytorch_issue_52248_where_divide_by_zero", "pytorch_issue_7002_clamp_border",
                 "runebook_retain_grad_relu", "shusentang_autograd_concepts",
                 "alleinx_blitz_detach_no_grad", "pytorch_issue_6394_sqrt_of_pow_zero",
                 "docs_gaussiannllloss_examples", "docs_functional_hessian_example",
                 "docs_functional_vjp_examples", "docs_functional_jvp_examples",
                 "docs_functional_vhp_examples", "docs_functional_hvp_examples",
                 "docs_functional_hessian_two_inputs", "godoy_step_by_step_autograd",
                 "greghilston_autograd_params", "issue_23395_where_sqrt_inf",
                 "pinn_requires_grad_and_grad", "zakilbaki_d2l_autograd"}
# Training steps (a .grad used to update the weights: `w -= lr * w.grad`, `w.data = ...`,
# `optimizer.step()`) are read as training.py reads them and judged like the rest:
# "polynomial_training", "airoads_training_loop", "neuralbase_adam_step"... agree.
# Outside the pure computation Gradflow reads: data loops, hooks on autograd's
# backward nodes, computing with what torch.autograd.grad returned,
# backward nodes called by hand, hooks that change their gradient in place, threads.
# (`.data` written after forward, `x.data *= 100`, is read as torch computes it:
# test_snippet_data_writes.py.)
OUTSIDE = {"velog_training_loop",
           "pytorch_docs_node_register_hook",
           "runebook_node_prehook",
           "elliotwaite_hook_in_place_grad",
           "pytorch_notes_threads_train_fn",
           "tingshua_grad_fn_called_by_hand",
           # hooks on the tensors autograd saves (a context of torch.autograd.graph)
           "docs_saved_tensors_hooks_example"}


def engine_side(code: str) -> dict[str, Any]:
    """What `gradflow compute --json` reports for the snippet, or the refusal."""
    raised: TorchRaised | None = None
    try:
        doc = import_snippet(code)
    except TorchRaised as exc:
        doc, raised = exc.document, exc  # type: ignore[assignment]
    except UnparsedSnippet as exc:  # gradflow compute gives Python's SyntaxError, as python
        doc, raised = Document(), TorchRaised("SyntaxError", exc.python_message, exc.line)
    except ImportError_ as exc:
        return {"refused": str(exc)}
    result = run(doc)
    if raised is not None and result.error is None:
        result.error = RunError(raised.error_type, raised.torch_message, None, "forward")
    reported = report(doc, result)
    # a training loop is shown as its last step: the earlier steps' calls are not in it
    # (as is a loop of more calls than a document holds: the earlier ones ran while read)
    reported["last_step_only"] = doc.description.startswith(TRAINING_LOOP) or \
        CALLS_RAN_WHILE_READ in doc.description
    return reported


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    texts = [p.read_text(encoding="utf-8") for p in CORPUS]
    return dict(zip((p.stem for p in CORPUS), in_subprocess(texts), strict=True))


def close(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6) or (a != a and b != b)
    return a == b


def _last_step(ours: dict[str, Any], mine: list[Any], theirs: list[Any]) -> list[Any]:
    """torch's answers the document shows: of a training loop shown as its last step, the
    last ones (the earlier steps' calls ran while the snippet was read)."""
    if ours.get("last_step_only") and len(mine) < len(theirs):
        return theirs[len(theirs) - len(mine):]
    return theirs


def agrees(ours: dict[str, Any], theirs: dict[str, Any]) -> str | None:
    """None when the engine agrees with plain torch, else what differs."""
    if "refused" in ours:
        return f"refused: {ours['refused']}"
    for name, grad in theirs["grads"].items():
        if theirs.get("aliases", {}).get(name) in ours["grads"]:
            continue  # `xpt = x`: the same leaf, compared under its first name
        if name not in ours["grads"]:
            return f"no leaf {name} (leaves: {sorted(ours['grads'])})"
        if not close(ours["grads"][name], grad):
            return f"{name}.grad {ours['grads'][name]} != torch's {grad}"
    unmatched = _unmatched(theirs.get("every_leaf_grad", []), list(ours["grads"].values()))
    if unmatched is not None:
        return f"torch has a leaf with .grad {unmatched} that no leaf of the app has"
    mine = [c["jacobian"] for c in ours["calls"]
            if c["kind"] == "jacobian" and c["ran"] and c["error"] is None]
    jacobians = _last_step(ours, mine, theirs["jacobians"])
    if len(mine) != len(jacobians):
        return f"{len(mine)} jacobian answers != torch's {len(jacobians)}"
    for number, (j, want) in enumerate(zip(mine, jacobians, strict=True), 1):
        if not close(j, want):
            return f"jacobian {number}: {j} != torch's {want}"
    functionals = [(c["function"], c["answer"]) for c in ours["calls"]
                   if c["kind"] == "functional" and c["ran"] and c["error"] is None]
    theirs_functional = [(f["function"], f["answer"]) for f in theirs.get("functionals", [])]
    functionals = _per_sample_joined(functionals, theirs_functional)
    theirs_functional = _last_step(ours, functionals, theirs_functional)
    if len(functionals) != len(theirs_functional):
        return (f"{len(functionals)} torch.autograd.functional answers != torch's "
                f"{len(theirs_functional)}")
    for number, ((name, got), (want_name, want)) in enumerate(
            zip(functionals, theirs_functional, strict=True), 1):
        if name != want_name or not close(got, want):
            return f"{name} answer {number}: {got} != torch's {want_name} {want}"
    wanted = theirs.get("grad_answers")  # None with allow_unused: test_snippet_inplace's
    answers = [list(c["results"].values()) for c in ours["calls"]
               if c["kind"] == "grad" and c["ran"] and c["error"] is None]
    if wanted is not None:
        wanted = _last_step(ours, answers, wanted)
    if wanted is not None and len(answers) != len(wanted):
        return f"{len(answers)} autograd.grad answers != torch's {len(wanted)}"
    for number, (mine, want) in enumerate(zip(answers, wanted or [], strict=False), 1):
        if not close(mine, want):
            return f"autograd.grad answer {number}: {mine} != torch's {want}"
    error = ours["error"]
    if theirs["error"] is not None:
        want = (theirs["error"]["type"], theirs["error"]["message"])
        if error is None or (error["type"], error["message"]) != want:
            return f"error {error} != torch's {want}"
    elif error is not None and error["message"] not in theirs["stdout"]:
        return f"error {error} where torch raised none"
    return None


def _per_sample_joined(ours: list[tuple[str, Any]], theirs: list[tuple[str, Any]]
                       ) -> list[tuple[str, Any]]:
    """torch's one answer of `vmap(hessian(f))(xs)` is the app's hessian call per sample: where
    torch's next answer is a list of n rows and the app's next n answers of the same function
    are those rows, they count as that one answer."""
    joined: list[tuple[str, Any]] = []
    left = list(ours)
    for name, want in theirs:
        if not left:
            break
        rows = len(want) if isinstance(want, list) else 0
        if not (left[0][0] == name and close(left[0][1], want)) and 1 < rows <= len(left) \
                and all(n == name for n, _ in left[:rows]) \
                and close([a for _, a in left[:rows]], want):
            joined.append((name, want))
            del left[:rows]
        else:
            joined.append(left.pop(0))
    return joined + left


def _unmatched(theirs: list[Any], ours: list[Any]) -> Any:
    """The first of torch's leaf grads (every leaf the script still reaches, by any path)
    that no leaf grad of the app's matches one to one, or None when each has its own."""
    left = list(ours)
    for grad in sorted(theirs, key=lambda g: g is None):  # numbers first: None matches None
        found = next((i for i, mine in enumerate(left)
                      if (mine is None) == (grad is None) and close(mine, grad)), None)
        if found is None:
            return grad
        left.pop(found)
    return None


def test_corpus_is_large_and_sourced() -> None:
    assert len(CORPUS) >= 40
    for path in CORPUS:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# source: ") and " — changes: " in first, path.name
    assert {p.stem for p in CORPUS} >= SEVERAL_CALLS | OUTSIDE


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_snippet_agrees_with_plain_torch_or_is_refused_as_expected(
        path: Path, reference: dict[str, dict[str, Any]]) -> None:
    ours = engine_side(path.read_text(encoding="utf-8"))
    if path.stem in OUTSIDE:  # says where and why, in the words
        message = ours.get("refused", "")
        assert message.startswith("line ") and "outside the computation" in message, ours
    else:
        assert agrees(ours, reference[path.stem]) is None, agrees(ours, reference[path.stem])


B, Z, G, J, FN = "backward", "zero_grad", "grad", "jacobian", "functional"
PROGRAMS = {  # the calls each snippet makes, in order, as read from its code by hand
    "d2l_autograd_chapter": [B, Z, B],
    "basics_jacobian_product": [B, B, Z, B],
    "sh2439_gradients": [B, B],
    "wizard_second_backward": [B, B],
    "polish_so_loop": [B] * 6,
    "youssef_second_backward_then_accumulate": [B, B],
    "jason_d2l_zero_detach": [B, Z, B, Z, B, Z, B, Z, B, B],
    "so_jacobian_one_hot_backward": [B, Z] * 3,
    "gfg_backward_then_autograd_grad": [B, G],
    # a snippet with no backward still has the document's own call (nothing marked: not run)
    "tutorialspoint_jacobian_func": [J, J, J, B],
    "pytorch_docs_jacobian_examples": [J, J, J, B],
    "crackedai_jacobian_then_backward": [J, B],
    "d2l_mlp_activation_grads": [B, Z, B, Z, B],
    "lighttimesound_autograd_cells": [B, B, Z, B],
    "lighttimesound_autograd_fixed": [B, B, Z, B],
    "pe_autograd_parts": [B, B],
    "discuss_loss_grad_cases": [B, B],
    "alsanad_ones_like_seed": [B, B],
    "pt_leaf_nonleaf_tutorial": [B, Z, B],
    "cofca_grads": [B, B, B],
    "porterjenkins_retain_graph": [B, B],
    "adiezsanchez_backward_exercise": [B, B],
    "bobosamson_activation_grads": [B, Z, B, Z, B],
    "devgem_two_outputs_second_backward": [B, B],
    "elsieyin_retain_graph_twice": [B, B],
    "elsieyin_zero_in_loop": [B, Z] * 4,
    "grantmcclure_three_examples": [B, B, B],
    "guokejie_sigmoid_grad": [B, B],
    "hotohoto_quadratic_form": [B, B, B],
    "jerry_flowmatching_partials": [B, B],
    "krishnagauss_pow_sin": [B, B],
    # the script stops at the second backward; the rest is still read as its calls
    "pythonkb_sum_squares_twice": [B, B, B, B],
    "rasbt_manual_grad_calls": [G] * 5 + [B],
    "rasbt_manual_grad_tuple": [G, B],
    "rentainhe_with_and_without_detach": [B, B],
    "sourander_basics_sigmoid": [B, B, B],
    "xiemeigongzi_mse_grad_error": [G, B],
    "kwhou_max_abs_where_grads": [B, B, B],
    "miaokee_jacobian_exp_sum": [J, B],
    "discuss_ce_vs_nll_linear": [B, Z, B],
    "dsgiitr_activation_grads_cells": [B, B, B],
    "meiqiguo_nograd_requires_grad_detach": [B, B, B, B],
    # the third backward's seed has the wrong shape: torch stops there
    "so_backward_tensor_one_mean": [B, B, B],
    "zhangyang_accumulate_two_outputs": [B, B, B, B, B, Z, B],
    "tingshua_hook_on_scalar_output": [B, B],
    # the third backward, of a tensor made under no_grad, raises inside a try
    "atcold_requires_grad_and_no_grad": [B, B, B],
    # pq.backward(retain_graph=True) and w.backward(), twice
    "androidkt_detach_accumulate_56": [B, B, B, B],
    "docs_crossentropyloss_two_targets": [B, B],
    "docs_f_cross_entropy_examples": [B, B],
    "gurusarath_float64_backward_twice": [B, B],
    "pytorch_issue_8474_view_rebinds_name": [B, B],
    "xinyooo_requires_grad_leaves": [B, B],
    "zedali_dot_then_sum_zero": [B, Z, B],
    # autograd.grad inside print(...), then the document's own call (nothing marked)
    "pytorch_issue_8626_expand_grads": [G, G, B],
    "pytorch_issue_8626_narrow_of_expand": [G, G, G, B],
    "choffrut_itertools_product_seeds": [B, Z, B],
    "choffrut_one_element_no_seed": [B, B],
    "choffrut_rows_sum_stack": [B, Z, B],
    "choffrut_stack_two_seeds": [B, Z, B],
    "choffrut_sum_and_square_sum": [B, Z, B],
    "developpaper_hook_and_retain_grad": [B, B],
    "edisonchan_activation_grads_arange": [B, Z, B, Z, B],
    "edisonchan_vector_function_setitem": [B, B],
    "pytorch_issue_108618_where_vs_loop": [B, B],
    "pytorch_issue_16317_where_zero_denominator": [B, B],
    # one backward for each of the four formulations, in the loop
    "pytorch_issue_184572_max_zero_formulations": [B] * 4,
    # autograd.grad inside print(...), then the document's own call (nothing marked)
    "pytorch_issue_52248_where_divide_by_zero": [G, B],
    "pytorch_issue_7002_clamp_border": [G, G, G, B],
    "runebook_retain_grad_relu": [B, B],
    "shusentang_autograd_concepts": [B, B, Z, B],
    "alleinx_blitz_detach_no_grad": [B, B],
    "pytorch_issue_6394_sqrt_of_pow_zero": [B, B],
    "docs_gaussiannllloss_examples": [B, B],  # the heteroscedastic, then homoscedastic loss
    # hessian(f, x): torch computes H; then the document's own call (nothing marked)
    "docs_functional_hessian_example": [FN, B],
    # vjp, jvp, vhp, hvp: the docs' example of one input, then of two (a tuple)
    **{f"docs_functional_{name}_examples": [FN, FN, B] for name in ("vjp", "jvp", "vhp", "hvp")},
    "docs_functional_hessian_two_inputs": [FN, B],
    "godoy_step_by_step_autograd": [B, B],
    "greghilston_autograd_params": [B, Z],
    # three torch.autograd.grad calls; no backward: the document's own call, nothing marked
    "issue_23395_where_sqrt_inf": [G, G, G, B],
    "pinn_requires_grad_and_grad": [G, G, B],
    "zakilbaki_d2l_autograd": [B, Z, B, Z, B, Z, B, B],
}


def test_every_functional_answer_of_the_corpus_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The docs' vjp, jvp, vhp, hvp and hessian examples give torch 10 answers, and the
    engine the same 10, made by the same functions in the same order."""
    stems = [s for s in PROGRAMS if s.startswith("docs_functional_")]
    assert sum(len(reference[s]["functionals"]) for s in stems) == 10
    for stem in stems:
        code = (Path(__file__).parent / "corpus" / f"{stem}.py").read_text(encoding="utf-8")
        ours = engine_side(code)
        assert agrees(ours, reference[stem]) is None, stem
        assert [c["function"] for c in ours["calls"] if c["kind"] == FN] == \
            [f["function"] for f in reference[stem]["functionals"]]


def test_every_jacobian_call_of_the_corpus_is_compared(
        reference: dict[str, dict[str, Any]]) -> None:
    """The three jacobian snippets give torch 7 answers, and the engine the same 7."""
    stems = ("tutorialspoint_jacobian_func", "pytorch_docs_jacobian_examples",
             "crackedai_jacobian_then_backward")
    assert sum(len(reference[s]["jacobians"]) for s in stems) == 7
    assert reference["crackedai_jacobian_then_backward"]["jacobians"] == [[[2.0, 3.0],
                                                                            [1.0, 4.0]]]
    for stem in stems:
        code = (Path(__file__).parent / "corpus" / f"{stem}.py").read_text(encoding="utf-8")
        assert agrees(engine_side(code), reference[stem]) is None, stem


@pytest.mark.parametrize("stem", sorted(SEVERAL_CALLS))
def test_several_calls_become_the_documents_program(stem: str) -> None:
    code = (Path(__file__).parent / "corpus" / f"{stem}.py").read_text(encoding="utf-8")
    assert [c["kind"] for c in engine_side(code)["calls"]] == PROGRAMS[stem]


def test_agreement_is_at_least_ninety_percent(reference: dict[str, dict[str, Any]]) -> None:
    judged = CORPUS  # a refusal counts against, even one outside the computation
    agreeing = [p for p in judged
                if agrees(engine_side(p.read_text(encoding="utf-8")), reference[p.stem]) is None]
    missing = sorted({p.stem for p in judged} - {p.stem for p in agreeing})
    assert len(agreeing) / len(judged) >= 0.9, missing
