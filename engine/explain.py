"""The local backward rule of one node, in words and symbols, with one run's numbers.

The rule text is a table per op and port (engine/explain_rules.py). The numbers substituted
into it come from the Run (values and gradients torch recorded); the result after the last `=`
is what the edge's hook saw during the real backward, never something computed here. No Qt,
no torch import.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.document import Document, Edge
from engine.explain_layers import LAYER_RULES
from engine.explain_rules import RULES as RULES  # re-exported: the rule table
from engine.explain_rules import rule_for
from engine.format import preview
from engine.loss_ops import ROW_LOSSES
from engine.ops import CONSTANT, LEAF, get_op
from engine.science_ops import RESHAPING as SCIENCE_RESHAPING
from engine.trace import Run


@dataclass(frozen=True)
class Line:
    text: str
    kind: str = "text"  # text | title | formula | numbers | result | muted


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def _count(run: Run, op: str, node_id: str, source: str, reduction: str | None) -> str:
    """The n of a mean: how many elements were averaged into one."""
    value = run.values.get(source)
    out = run.values.get(node_id)
    if value is None or out is None:
        return "n"
    if reduction in ("sum", "none"):
        return "1"
    if reduction == "batchmean":  # kl_div: the sum over the batch size
        return str(value.shape[0]) if value.dim() else "1"
    if op == "cross_entropy" or op in ROW_LOSSES:  # the mean is over the rows
        return str(value.shape[0]) if value.dim() >= 2 else "1"
    return str(max(value.numel() // max(out.numel(), 1), 1))


def explain(doc: Document, run: Run | None, node_id: str) -> list[Line]:
    node = doc.node(node_id)
    lines = [Line(_signature(doc, node_id), "title")]
    spec = get_op(node.op)
    lines.append(Line(spec.description, "muted"))
    lines += _written(doc, node_id)
    if run is None:
        return lines + [Line("not run yet", "muted")]
    if node.op == CONSTANT:
        return lines + [Line("a constant: it never receives a gradient", "muted")]
    lines += _incoming(doc, run, node_id)
    if node.op == LEAF:
        return lines + _leaf(doc, run, node_id)
    if node.op == "detach":
        return lines + [Line("detach: no gradient flows back to its input", "muted")]
    lines += _rules(doc, run, node_id)
    return lines


def _written(doc: Document, node_id: str) -> list[Line]:
    """Numbers written into memory after forward (`x.data *= 100`): say whose, and that
    backward read them (engine/memory_writes.py)."""
    near = dict.fromkeys((node_id, *(e.source for e in doc.in_edges(node_id).values())))
    changed = [n for n in near if doc.node(n).written is not None]
    return [Line(f"{doc.node(n).name}'s memory was changed after forward, through .data "
                 "(autograd does not see it): its numbers here are the new ones, which "
                 "backward read where autograd saved them", "text") for n in changed]


def _signature(doc: Document, node_id: str) -> str:
    node = doc.node(node_id)
    if node.op in (LEAF, CONSTANT):
        return f"{node.name}: {node.op}"
    edges = doc.in_edges(node_id)
    args = [doc.node(edges[p].source).name if p in edges else "?" for p in get_op(node.op).inputs]
    return f"{node.name} = {node.op}({', '.join(args)})"


def _incoming(doc: Document, run: Run, node_id: str) -> list[Line]:
    """Where this node's gradient came from: the seed, or the sum over its consumers."""
    node = doc.node(node_id)
    lines: list[Line] = []
    # the outputs of the call shown (Run.at_call gives that call's outputs) that it gave a
    # gradient (or none) to: a jacobian call's outputs get no seed
    is_output = node_id in run.output_ids and node_id in run.seeds
    if is_output:
        seed = run.seeds.get(node_id)
        if seed is not None:
            lines.append(Line(f"seed: grad_out = v = {preview(seed)}  (gradient=)", "numbers"))
        elif not node.seed_enabled:
            lines.append(Line(f"{node.name}.backward() with no gradient=: torch needs a scalar "
                              "here and seeds it with 1.0", "text"))
        else:
            lines.append(Line("seed: the implicit 1.0 of a scalar output", "numbers"))
    sent = [(e, run.edge_grads[e]) for e in doc.out_edges(node_id) if e in run.edge_grads]
    total = run.node_grads.get(node_id) if node.op != LEAF else run.leaf_grads.get(node_id)
    if len(sent) > 1 or (sent and is_output):
        parts = [f"{_edge_name(doc, e)} sent {preview(g)}" for e, g in sent]
        lines.append(Line(f"{node.name} feeds {len(sent)} consumer edges: " + "; ".join(parts)))
        terms = ([f"{preview(run.seeds.get(node_id))}"] if is_output else [])
        terms += [preview(g) for _, g in sent]
        target = ".grad" if node.op == LEAF else "grad_out"
        lines.append(Line(f"{target} = " + " + ".join(terms) + f" = {preview(total)}", "result"))
    elif sent:
        lines.append(Line(f"grad_out = what {_edge_name(doc, sent[0][0])} sent = "
                          f"{preview(sent[0][1])}", "numbers"))
    elif node.op != LEAF and total is None and not is_output:
        lines.append(Line("no gradient reached this node", "muted"))
    return lines


def _edge_name(doc: Document, edge: Edge) -> str:
    return f"{doc.node(edge.target).name}.{edge.port}"


def _leaf(doc: Document, run: Run, node_id: str) -> list[Line]:
    node = doc.node(node_id)
    if not node.requires_grad:
        return [Line("requires_grad is off: .grad stays None", "muted")]
    grad = run.leaf_grads.get(node_id)
    if grad is None:
        return [Line(".grad = None (no gradient reached it in this run)", "muted")]
    before, added = run.grads_before.get(node_id), run.node_grads.get(node_id)
    if before is not None and added is not None and before.tolist() != grad.tolist():
        # a later backward call, or a run that accumulates: .grad adds up, it is not replaced
        return [Line(f"AccumulateGrad adds this call's gradient to the .grad already there "
                     f"({preview(before)})", "text"),
                Line(f"{node.name}.grad = {preview(before)} + {preview(added)} = "
                     f"{preview(grad)}", "result")]
    return [Line(f"AccumulateGrad: {node.name}.grad = {preview(grad)}", "result")]


def _rules(doc: Document, run: Run, node_id: str) -> list[Line]:
    node = doc.node(node_id)
    spec = get_op(node.op)
    edges = doc.in_edges(node_id)
    sources = [edges[p].source if p in edges else None for p in spec.inputs]
    names = {"g": "grad_out", "out": node.name, "n": "n"}
    numbers = {"g": preview(run.node_grads.get(node_id)), "out": preview(run.values.get(node_id))}
    for key, source in zip(("a", "b", "c"), sources, strict=False):
        if source is not None:
            names[key] = doc.node(source).name
            numbers[key] = preview(run.values.get(source))
    if sources and sources[0] is not None:
        numbers["n"] = _count(run, node.op, node_id, sources[0], node.params.get("reduction"))
    lines: list[Line] = []
    if node_id not in run.node_grads:
        return [Line("no gradient reached this node in this run", "muted")]
    for port, source in zip(spec.inputs, sources, strict=True):
        rule = rule_for(node.op, node.params, port)
        if source is None:
            continue
        edge = edges[port]
        label = f"grad_{port} (to {doc.node(source).name})"
        if source not in run.grad_nodes:
            lines.append(Line(f"{label}: none — {doc.node(source).name} does not require grad",
                              "muted"))
            continue
        result = run.edge_grads.get(edge)
        if rule is None:
            lines.append(Line(f"{label} = {preview(result)}", "result"))
            continue
        formula, words = rule
        lines.append(Line(f"{label}: {words}", "text"))
        lines.append(Line(f"  = {_fill(formula, names)}", "formula"))
        lines.append(Line(f"  = {_fill(formula, numbers)}", "numbers"))
        note = ""
        grad_out = run.node_grads.get(node_id)
        if result is not None and grad_out is not None and result.shape != grad_out.shape \
                and node.op not in ("sum", "mean", "matmul", "reshape", "transpose", "norm",
                                    "amax", "amin", "var", "std", "permute", "outer", "prod",
                                    "logsumexp", "trace", "expand", "repeat", "diag",
                                    "diagflat", "cosine_similarity", "kl_div", "pad",
                                    "layer_norm", "einsum", "addmm", "addmv", "baddbmm") \
                and "loss" not in node.op and node.op != "cross_entropy" \
                and node.op not in LAYER_RULES and node.op not in SCIENCE_RESHAPING:
            note = "  (summed over the broadcast dimensions)"
        lines.append(Line(f"  = {preview(result)}{note}", "result"))
    return lines
