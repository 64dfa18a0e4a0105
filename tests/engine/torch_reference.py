"""Run trusted test snippets with plain torch and report every leaf's grad as JSON.

The independent side of the snippet tests: it knows nothing of Gradflow. Reads a JSON list
of snippets on stdin, runs each in a fresh namespace, and prints one JSON list with, per
snippet, the grads of the tensors that are leaves requiring grad (and which names are a later
name of the same tensor: `xpt = x`), what the snippet printed,
the exception it raised, if any, and what each `torch.autograd.functional.jacobian` call
that returned gave (in call order, nested as lists the way torch nests its tuples), the same
for each vjp, jvp, vhp, hvp and hessian call (with its name), and each
`torch.autograd.grad` call's answer (None for a snippet with allow_unused/materialize_grads,
whose inputs no output reaches get no call in the app).

torch.func's transforms (and functorch's, and forward-mode AD) answer with the numbers of one
of those calls, and are recorded with them, in call order (torch_func_reference.py):
grad, grad_and_value (its gradient), jacrev and jacfwd of a function are a jacobian answer;
hessian, and a transform of a transform, a hessian answer; each `vjp_fn(v)` of torch.func.vjp
a vjp answer [f(x), vjp_fn(v)]; torch.func.jvp a jvp answer; forward AD's
`unpack_dual(y)` of a computed y with a tangent a jvp answer [primal, tangent].
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch
from torch_func_reference import recording_transforms


def plain(value: Any) -> Any:
    """tensor.tolist() with non-finite numbers spelled as gradflow's JSON spells them."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, complex):  # (gradflow has no complex dtype: never equal to its own)
        return repr(value)
    return value


def nested(answer: Any) -> Any:
    """A jacobian's answer as lists: a tensor's tolist(), a tuple's items in a list."""
    if isinstance(answer, tuple):
        return [nested(a) for a in answer]
    if isinstance(answer, dict):  # torch.func's answer by a dict of tensors: in its order
        return [nested(a) for a in answer.values()]
    return None if answer is None else plain(answer.tolist())


_FUNCTIONS = ("vjp", "jvp", "vhp", "hvp", "hessian")  # torch.autograd.functional's others


def _grad_leaf(t: torch.Tensor) -> bool:
    """A leaf that requires grad; a view torch refuses to describe after an in-place change
    (the output of a custom Function that is a view, changed in place) is none."""
    try:
        return bool(t.is_leaf and t.requires_grad)
    except RuntimeError:
        return False


def run_one(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}  # as `python snippet.py` runs it
    out = io.StringIO()
    error = None
    jacobians: list[Any] = []
    answers: list[Any] = []  # what each torch.autograd.grad call of the snippet returned
    original, original_grad = torch.autograd.functional.jacobian, torch.autograd.grad
    inside: list[bool] = []  # torch's jacobian calls autograd.grad itself: not the snippet's

    def snippets_own() -> bool:
        """Called from the snippet's code (a jacobian inside f of another jacobian), not
        from torch's (torch's hessian calls jacobian itself)."""
        return not inside or sys._getframe(2).f_globals is namespace

    def recorded(*args: Any, **kwargs: Any) -> Any:  # torch's own, its answers noted
        outer = snippets_own()
        inside.append(True)
        try:
            answer = original(*args, **kwargs)
        finally:
            inside.pop()
        if outer:
            jacobians.append(nested(answer))
        return answer

    functionals: list[dict[str, Any]] = []  # vjp, jvp, vhp, hvp, hessian: name and answer
    originals = {name: getattr(torch.autograd.functional, name) for name in _FUNCTIONS}

    def recording(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            outer = snippets_own()
            inside.append(True)
            try:
                answer = originals[name](*args, **kwargs)
            finally:
                inside.pop()
            if outer:
                functionals.append({"function": name, "answer": nested(answer)})
            return answer
        return call

    unused: list[bool] = []  # allow_unused / materialize_grads: answers not compared

    def recorded_grad(*args: Any, **kwargs: Any) -> Any:
        answer = original_grad(*args, **kwargs)
        if not inside:
            answers.append(nested(tuple(answer)))
            unused.append(bool(kwargs.get("allow_unused") or kwargs.get("materialize_grads")))
        return answer

    restore = recording_transforms(inside, jacobians, functionals, nested)
    torch.autograd.functional.jacobian = recorded  # also what `from ... import` then binds
    torch.autograd.grad = recorded_grad
    for name in _FUNCTIONS:
        setattr(torch.autograd.functional, name, recording(name))
    # enable_grad() restores grad mode afterwards: a snippet ending in
    # torch.set_grad_enabled(False) does not switch it off for the next one
    with contextlib.redirect_stdout(out), torch.enable_grad():
        try:
            # as `python snippet.py` runs it: with its source where inspect looks for it
            # (TorchScript compiles a function from its source)
            name = f"<snippet {len(linecache.cache)}>"
            linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
            exec(compile(code, name, "exec"), namespace)  # the test's own corpus snippet
        except Exception as exc:  # noqa: BLE001 - reported to the test
            # a SyntaxError's str() names exec's "<string>"; python prints its msg alone
            error = {"type": type(exc).__name__,
                     "message": exc.msg if isinstance(exc, SyntaxError) else str(exc)}
        finally:
            torch.autograd.functional.jacobian = original
            torch.autograd.grad = original_grad
            for name, fn in originals.items():
                setattr(torch.autograd.functional, name, fn)
            restore()
            # torch.set_default_device('cpu') of a snippet installs a mode that stays for
            # the next snippet in this interpreter (and calls the grad wrapper twice)
            torch.set_default_device(None)
            # so do anomaly mode and the default dtype: each snippet starts as a fresh
            # `python snippet.py` would
            torch.autograd.set_detect_anomaly(False)
            torch.set_default_dtype(torch.float32)
    grads = {name: None if v.grad is None else plain(_dense(v.grad).tolist())
             for name, v in namespace.items()
             if isinstance(v, torch.Tensor) and _grad_leaf(v)}
    # every leaf the script can still reach, by any path: its own names, the items of its
    # lists, tuples and dicts, a module's parameters, an optimizer's: compared by value
    # (the app names a parameter model_0_weight, a list's item by its own name)
    reached: dict[int, torch.Tensor] = {}
    for value in namespace.values():
        for t in _tensors_in(value):
            if _grad_leaf(t):
                reached.setdefault(id(t), t)
    every = [None if t.grad is None else plain(_dense(t.grad).tolist())
             for t in reached.values()]
    # `xpt = x`: one leaf under two names; each later name points to the first one
    first: dict[int, str] = {}
    aliases = {name: first.setdefault(id(namespace[name]), name) for name in grads}
    aliases = {name: to for name, to in aliases.items() if name != to}
    return {"grads": grads, "aliases": aliases, "stdout": out.getvalue(), "error": error,
            "jacobians": jacobians, "grad_answers": None if any(unused) else answers,
            "functionals": functionals, "every_leaf_grad": every}


def _dense(grad: torch.Tensor) -> torch.Tensor:
    """A sparse gradient (nn.Embedding(sparse=True)) as the numbers it stands for."""
    return grad.to_dense() if grad.is_sparse else grad


def _tensors_in(value: Any) -> list[torch.Tensor]:
    """The tensors a name holds: itself, a list's, tuple's or dict's items (one level down,
    a module's among them), a module's or an optimizer's parameters."""
    items = list(value.values()) if isinstance(value, dict) else \
        list(value) if isinstance(value, list | tuple) else [value]
    out: list[torch.Tensor] = []
    for item in items:
        if isinstance(item, torch.Tensor):
            out.append(item)
        elif isinstance(item, torch.nn.Module):
            out.extend(item.parameters())
        elif isinstance(item, torch.optim.Optimizer):
            out.extend(p for group in item.param_groups for p in group["params"])
    return out


def in_subprocess(snippets: list[str]) -> list[dict[str, Any]]:
    """Run the snippets with plain torch in one fresh interpreter (no Gradflow imported)."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve())],
                          input=json.dumps(snippets), capture_output=True, text=True,
                          # a hung snippet must not hang the suite, but a busy machine
                          # runs a long list slowly: the bound grows with the list
                          timeout=120 + 20 * len(snippets), check=True,
                          cwd=Path(__file__).parent)
    return json.loads(done.stdout)


def by_name(snippets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`in_subprocess` for named snippets: each name's plain-torch result."""
    return dict(zip(snippets, in_subprocess(list(snippets.values())), strict=True))


def main() -> None:
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None or importlib.util.find_spec("tqdm") \
            is None:  # plots draw nothing here either, progress bars show nothing
        sys.path.append(str(Path(__file__).parent / "plot_standin"))  # after what is installed
    snippets = json.load(sys.stdin)
    print(json.dumps([run_one(code) for code in snippets]))


if __name__ == "__main__":
    main()
