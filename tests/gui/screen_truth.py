"""What the window shows against a fresh run of its current document, computed here with
the engine alone (engine.run.run, engine.replay.Replay, engine.jacobian.lens): every card's
value and gradient text, every bar height, every lens cell, every step-list row."""

from __future__ import annotations

import math

import numpy as np

from engine.document import Document
from engine.format import preview
from engine.replay import Replay
from engine.run import run
from engine.trace import Run


def settled(win) -> bool:  # noqa: ANN001 - the MainWindow
    """No run requested, none on its way, and the newest one shown; while the replay is
    shown, also its events (after a seed edit they follow as the run's FULL level)."""
    runner = win.runner
    if runner._pending or runner._timer.isActive() or runner.last is None:
        return False
    replay = getattr(win, "replay", None)  # the docks (and the replay) come after the canvas
    return runner.last.traced or replay is None or not replay.wants_trace()


def wait_for_run(qtbot, win, timeout: int = 30_000) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: settled(win), timeout=timeout)


def fresh_run(doc: Document) -> Run:
    return run(doc.clone())


def card_texts(win) -> dict[str, list[str]]:  # noqa: ANN001
    return {node_id: [text for text, _role in item.lines]
            for node_id, item in win.scene.nodes.items()}


def mismatches(win) -> list[str]:  # noqa: ANN001
    """Every place the window disagrees with a fresh run of its document (empty: all agree)."""
    doc: Document = win.doc
    truth = fresh_run(doc)
    replay = Replay(truth)
    animator = win.replay
    step = animator.step if animator.active else len(replay)
    problems: list[str] = []
    cards = card_texts(win)
    if set(cards) != set(doc.graph.nodes):
        problems.append(f"cards {sorted(cards)} for nodes {sorted(doc.graph.nodes)}")
    for node_id, lines in cards.items():
        if node_id not in doc.graph:
            continue
        name = doc.node(node_id).name
        value = truth.values.get(node_id)
        if value is not None and f"= {preview(value)}" not in lines:
            problems.append(f"{name}: value {preview(value)} not in {lines}")
        wanted = _grad_line(replay, truth, node_id, step, doc.node(node_id).op == "leaf",
                            replaying=animator.active)
        if wanted is not None and not any(wanted in line for line in lines):
            problems.append(f"{name}: {wanted!r} not in {lines}")
        if any("_MissingInput" in line or "forward failed" in line and
               node_id not in truth.node_errors for line in lines):
            problems.append(f"{name}: alarm on the card {lines}")
    problems += _bars(win, replay, truth, step, animator.active)
    problems += _lens(win, doc, truth)
    problems += _steps(win, replay)
    return problems


def _grad_line(replay: Replay, truth: Run, node_id: str, step: int, leaf: bool,
               replaying: bool) -> str | None:
    # the replay's last step is the state of the last call's events (a call that raised part
    # way shows what reached its nodes before it raised), not the run's summary
    if step >= len(replay) and not replaying:  # the final state
        if leaf and truth.leaf_grads.get(node_id) is not None:
            return f".grad {preview(truth.leaf_grads[node_id])}"
        if not leaf and node_id in truth.node_grads:
            return f"∇ {preview(truth.node_grads[node_id])}"
        return None
    if leaf and node_id in truth.leaf_grads and replay.has_arrived(("leaf", node_id), step):
        return f".grad {preview(replay.leaf_grad_at(node_id, step))}"
    total = replay.node_grad_at(node_id, step) if node_id in replay.gradient_nodes else None
    return f"∇ {preview(total)}" if total is not None else None


def _bars(win, replay: Replay, truth: Run, step: int, active: bool) -> list[str]:  # noqa: ANN001
    doc = win.doc
    expected: list[float] = []
    for leaf in doc.leaves():
        final = truth.leaf_grads.get(leaf.id)
        if final is None:
            continue
        now = replay.leaf_grad_at(leaf.id, step) if active else final
        flat = [0.0] * final.numel() if now is None else now.reshape(-1).tolist()
        expected.extend(float(v) for v in flat)
    shown = win.bars_heights()
    finite = all(math.isfinite(v) for v in expected)
    if len(shown) != len(expected) or (finite and not np.allclose(shown, expected)):
        return [f"bars {shown} != {expected}"]
    return []


def _lens(win, doc: Document, truth: Run) -> list[str]:  # noqa: ANN001
    from engine.jacobian import lens

    shown = win.jacobian.matrix()
    if truth.error is not None or not truth.output_ids:
        return []
    want = lens(doc.clone(), truth).jacobian
    if want is None:
        return [] if shown is None else [f"lens shows {shown}, a fresh run has no J"]
    if shown is None or not np.allclose(np.asarray(shown), want.numpy(), equal_nan=True):
        return [f"lens {shown} != {want.tolist()}"]
    return []


def _steps(win, replay: Replay) -> list[str]:  # noqa: ANN001
    rows = win.backward_replay.controls.steps
    # with several calls, heading rows (no step) sit between the steps: check the steps
    texts = [rows.item(k).text() for k in range(rows.count()) if rows.rows[k].step is not None]
    if len(texts) != len(replay) + 1:
        return [f"{len(texts)} step rows for {len(replay) + 1} steps: {texts[:3]}"]
    return [f"row {k}: {text!r} is not {replay.describe(k)!r}"
            for k, text in enumerate(texts) if not text.endswith(replay.describe(k))]
