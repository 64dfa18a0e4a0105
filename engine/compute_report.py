"""What `gradflow compute` reports: the JSON object of the CLI contract (DESIGN.md) built
from a run (every output, .grad, call and error, with NaN and infinities spelled out, as JSON
has none), the same report as lines of text, and the JSON a command answers with under
--json when it cannot run. The command line itself is cli.py.
"""

from __future__ import annotations

import json
import math
from typing import Any

from engine.document import Document


def _plain(value: Any) -> Any:
    """tensor.tolist() output with non-finite numbers spelled out (JSON has no NaN)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _tolist(t: Any) -> Any:
    return None if t is None else _plain(t.tolist())


def _nested(answer: Any) -> Any:
    """A torch.autograd.functional answer as lists: a tuple's items in a list."""
    return [_nested(a) for a in answer] if isinstance(answer, tuple) else _tolist(answer)


def report(doc: Document, result: Any) -> dict[str, Any]:
    """The JSON object of the CLI contract (DESIGN.md)."""
    outputs = {}
    for node in doc.outputs():
        value = result.values.get(node.id)
        outputs[node.name] = {
            "shape": list(value.shape) if value is not None else None,
            "value": _tolist(value),
            "gradient": _tolist(result.seeds.get(node.id)),
        }
    error = None
    if result.error is not None:
        error = {"type": result.error.type, "message": result.error.message,
                 "node": result.names.get(result.error.node_id),
                 "call": None if result.error.call is None else result.error.call + 1,
                 **({"line": result.error.line} if result.error.line is not None else {})}
    return {"outputs": outputs, "grads": {k: _tolist(v) for k, v in
                                          result.grads_by_name().items()},
            "error": error, "warnings": list(result.warnings),
            "calls": [_call_report(result, c, doc.calls[c.index]) for c in result.calls]}


def _call_report(result: Any, call: Any, spec: Any) -> dict[str, Any]:
    """One call of the program: .grad of every leaf after it (null when it was not run),
    torch's error if it raised, what autograd.grad returned (by input name), and what
    torch.autograd.functional.jacobian returned (nested as torch nests it: a tuple per
    output when f returns a tuple, in it a tuple per input when the inputs are a tuple)."""
    names = result.names
    error = None
    if call.error is not None:
        error = {"type": call.error.type, "message": call.error.message,
                 "node": names.get(call.error.node_id)}
    return {"kind": call.kind, "call": call.label, "ran": call.ran,
            "grads": {names[i]: _tolist(g) for i, g in call.grads_after.items()}
            if call.ran else None,
            "error": error,
            "results": _grad_answers(names, call.results, spec.inputs)
            if call.kind == "grad" and call.ran else None,
            **({"jacobian": _jacobian_report(call, spec)} if call.kind == "jacobian" else {}),
            **({"function": spec.function, "answer": _nested(call.answer)}
               if call.kind == "functional" else {})}


def _grad_answers(names: dict[str, str], results: dict[str, Any],
                  inputs: Any) -> dict[str, Any]:
    """autograd.grad's answer, one per input it was given as torch returns a tuple: an input
    given twice (`grad(outs, [q, q])`) answers twice, the second time as "q (2)"."""
    out: dict[str, Any] = {}
    for i in inputs or results:
        if i not in results:
            continue
        name = key = names[i]
        count = 1
        while key in out:
            count += 1
            key = f"{name} ({count})"
        out[key] = _tolist(results[i])
    return out


def _jacobian_report(call: Any, spec: Any) -> Any:
    if not call.jacobian:
        return None
    rows = [[_tolist(call.jacobian[(o, i)]) for i in spec.inputs] for o in spec.outputs]
    per_output = [row if spec.tuple_inputs else row[0] for row in rows]
    return per_output if spec.tuple_outputs else per_output[0]


def human_text(doc: Document, data: dict[str, Any]) -> str:
    """The report as `gradflow compute` prints it without --json: a line per output, call,
    .grad, note and error."""
    lines = [doc.title] if doc.title else []
    for name, out in data["outputs"].items():
        seed = out["gradient"]
        how = "backward()" if seed is None else f"backward(gradient={seed})"
        lines.append(f"output {name:<10} shape {out['shape']}  value {out['value']}  {how}")
    if len(data["calls"]) > 1:
        for number, call in enumerate(data["calls"], 1):
            state = "" if call["ran"] else "  (not run)"
            lines.append(f"call {number}: {call['call']}{state}")
            for name, value in (call["results"] or {}).items():
                lines.append(f"  returned for {name}: {value}")
            if call.get("jacobian") is not None:
                lines.append(f"  returned J = {call['jacobian']}")
            if call.get("answer") is not None:
                lines.append(f"  returned {call['answer']}")
            for name, grad in (call["grads"] or {}).items():
                lines.append(f"  then {name}.grad = {grad}")
    for name, grad in data["grads"].items():
        lines.append(f"{name}.grad = {grad}")
    for warning in data["warnings"]:
        lines.append(f"note: {warning}")
    if data["error"]:
        err = data["error"]
        where = f" (at {err['node']})" if err.get("node") else ""
        if err.get("call") and len(data["calls"]) > 1:
            where = f" in call {err['call']}{where}"
        lines.append(f"error{where}: {err['type']}: {err['message']}")
    return "\n".join(lines)


def json_error(type_: str, message: str) -> str:
    """The JSON object a command answers with under --json when it cannot run: no outputs,
    no grads, the error."""
    return json.dumps({"outputs": {}, "grads": {},
                       "error": {"type": type_, "message": message}, "warnings": []})


__all__ = ["human_text", "json_error", "report"]
