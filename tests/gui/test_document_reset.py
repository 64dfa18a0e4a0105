"""Replacing the document while the replay plays, and what an unexpected error may not do.

Reproducers first: replay → open an example → seed edit (once crashed the process), replay →
open → Save (once wrote the example over the previous file), a command whose redo raises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.document import Document
from engine.examples import list_examples
from engine.fileformat import dumps, load, save
from gui import errors
from gui.seed.seed_commands import SetSeedCommand
from gui.undo import AtomicCommand
from tests.gui.screen_truth import card_texts, mismatches, wait_for_run

ROOT = Path(__file__).resolve().parents[2]
SEED_3 = ROOT / "resources/examples/seed_3_tensor_loss_with_gradient.json"
FAN_OUT = ROOT / "resources/examples/tour_05_fan_out.json"


def example_action(win, index: int):  # noqa: ANN001, ANN201
    return win.file_actions.examples_menu.actions()[index]


def play_a_while(qtbot, win) -> None:  # noqa: ANN001
    win.backward_replay.controls.play_action.trigger()
    qtbot.waitUntil(lambda: win.replay.active and 0 < win.replay.step, timeout=10_000)
    assert win.replay.is_playing()


def x_grad_torch(seed: float) -> float:
    """Seed example 1 in plain torch: x = 2, loss = 3·x·x, loss.backward(gradient=seed)."""
    x = torch.tensor(2.0, requires_grad=True)
    (torch.tensor(3.0) * (x * x)).backward(gradient=torch.tensor(seed))
    assert x.grad is not None
    return float(x.grad)


SEGFAULT_SCRIPT = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from engine.fileformat import load
    from gui.main_window import MainWindow
    errors = []
    sys.excepthook = lambda kind, value, tb: errors.append(f"{kind.__name__}: {value}")

    def wait(ms):
        loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()

    def wait_run():
        for _ in range(600):
            r = win.runner
            if r._pending == 0 and not r._timer.isActive() and r.last is not None:
                return
            wait(50)
        raise SystemExit("no run")

    win = MainWindow(load(sys.argv[1])); win.show()
    win.runner.run_now(); wait_run()
    win.backward_replay.controls.play_action.trigger(); wait(300)
    assert win.replay.is_playing()
    win.file_actions.examples_menu.actions()[0].trigger()   # Seed example 1
    wait_run()
    block = next(iter(win.seed_form.blocks.values()))
    block.paste.setText("0.5"); block.paste.returnPressed.emit()   # type a new v
    wait_run()
    x = win.doc.node_by_name("x").id
    print(json.dumps({"errors": errors, "x": [t for t, _ in win.scene.nodes[x].lines],
                      "bars": win.bars_heights(), "seed": win.doc.node_by_name("loss").seed}))
    win.runner.shutdown()
""")


def test_replay_then_example_then_seed_edit_survives_in_a_subprocess(tmp_path):
    """Once: RuntimeError from the overlay's deleted pulse, stale cards, then a segfault on
    the seed edit. A crash here fails this test instead of killing pytest."""
    script = tmp_path / "drive.py"
    script.write_text(SEGFAULT_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(script), str(SEED_3)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["seed"] == 0.5
    want = x_grad_torch(0.5)  # 6
    assert f".grad {want:g}" in result["x"], result["x"]
    assert result["bars"] == pytest.approx([want])
    assert not any("[4, 3]" in line or "[1, 0.5]" in line for line in result["x"])


@pytest.mark.parametrize("start", [SEED_3, FAN_OUT])  # fan-out has node ids example 1 lacks
def test_replay_then_example_shows_only_the_new_document(qtbot, window, start):
    window.file_actions.open_path(start)
    wait_for_run(qtbot, window)
    with qtbot.captureExceptions() as escaped:
        play_a_while(qtbot, window)
        example_action(window, 0).trigger()
        # before the new run lands: no number of the old document anywhere
        shown = [line for lines in card_texts(window).values() for line in lines]
        assert not any("[4, 3]" in line or "[1, 0.5]" in line for line in shown), shown
        assert not window.replay.is_playing() and window.replay.replay is None
        steps = window.backward_replay.controls.steps
        assert [steps.item(k).text() for k in range(steps.count())] == ["computing…"]
        wait_for_run(qtbot, window)
    assert escaped == []
    assert mismatches(window) == []
    x = window.doc.node_by_name("x")
    assert x is not None
    assert f".grad {x_grad_torch(1.0):g}" in card_texts(window)[x.id]  # 12
    assert "Seed example 1" in window.windowTitle()  # the example is an untitled template
    assert window.statusBar().currentMessage() != "loading torch…"


def test_replay_then_example_then_save_writes_the_right_place(qtbot, window, tmp_path,
                                                              monkeypatch):
    graph = tmp_path / "graph.json"
    save(load(SEED_3), graph)
    before = graph.read_bytes()
    window.file_actions.open_path(graph)
    wait_for_run(qtbot, window)
    play_a_while(qtbot, window)
    window.backward_replay.controls.forward_action.trigger()
    example_action(window, 4).trigger()
    wait_for_run(qtbot, window)
    assert window.file_actions.path is None and not window.file_actions.is_dirty()
    target = tmp_path / "copy.json"
    asked: list[str] = []

    def save_name(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        asked.append(str(args[2]) if len(args) > 2 else "")
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    window.file_actions.save_action.trigger()
    assert asked, "Save of an example asks where to save"
    assert graph.read_bytes() == before
    assert dumps(load(target)) == dumps(load(list_examples()[4].path))


class _BrokenRedo(AtomicCommand):
    """Changes the document, then fails: a bug in the middle of an edit."""

    def __init__(self, doc: Document) -> None:
        super().__init__("broken")
        self.doc = doc

    def redo(self) -> None:
        self.doc.add_node("leaf", "half_done")
        raise ValueError("a bug in the middle of an edit")

    def undo(self) -> None:
        pass


def test_a_command_whose_redo_raises_changes_nothing(qtbot, window):
    before = dumps(window.doc)
    stack = window.undo_stack
    count = stack.count()
    with qtbot.captureExceptions() as escaped:
        stack.push(_BrokenRedo(window.doc))
    assert [str(e[1]) for e in escaped] == ["a bug in the middle of an edit"]
    assert dumps(window.doc) == before
    assert stack.count() == count  # not left on the stack
    assert "half_done" not in {item.node.name for item in window.scene.nodes.values()}
    wait_for_run(qtbot, window)
    assert mismatches(window) == []


def test_a_view_failing_during_a_seed_edit_puts_the_seed_back(qtbot):
    """The document accepted the seed, then a listener raised: the command rolls back and
    the undo stack stays as it was (QUndoStack.push → redo → exception)."""
    doc = load(SEED_3)
    loss = doc.node_by_name("loss")
    assert loss is not None
    seed_before = loss.seed
    stack = QUndoStack()

    def broken_view(event) -> None:  # noqa: ANN001
        if event.kind == "node_changed":
            raise RuntimeError("a view failed to redraw")

    doc.subscribe(broken_view)
    with qtbot.captureExceptions() as escaped:
        stack.push(SetSeedCommand(doc, loss.id, [7.0, 7.0], True))
    assert [type(e[1]).__name__ for e in escaped] == ["RuntimeError"]
    assert doc.node(loss.id).seed == seed_before
    assert stack.count() == 0


def test_every_listener_hears_an_event_even_after_one_fails():
    doc = Document()
    heard: list[str] = []
    doc.subscribe(lambda e: (_ for _ in ()).throw(RuntimeError("first view broke")))
    doc.subscribe(lambda e: heard.append(e.kind))
    with pytest.raises(RuntimeError, match="first view broke"):
        doc.add_node("leaf", "x")
    assert heard == ["node_added"]


def test_the_error_dialog_is_calm_copies_details_and_keeps_the_work(qtbot, monkeypatch):
    kept: list[bool] = []
    shown: list[errors.ErrorDialog] = []
    monkeypatch.setattr(errors.ErrorDialog, "exec", lambda self: shown.append(self) or 0)
    previous = sys.excepthook
    heard: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda k, v, tb: heard.append(str(v)))
    hook = errors.install(keep_work=lambda: kept.append(True))
    try:
        try:
            raise KeyError("node 7")
        except KeyError as exc:
            errors.report(exc)
    finally:
        sys.excepthook = previous
    assert heard == ["'node 7'"]  # the previous hook (stderr; pytest-qt in tests) still hears
    assert kept == [True]
    (dialog,) = shown
    assert "Traceback" not in dialog.text() and "recovery" in dialog.text()
    assert dialog.informativeText() == "KeyError: 'node 7'"
    dialog.copy_button.click()
    assert "Traceback" in QGuiApplication.clipboard().text()
    assert "raise KeyError" in QGuiApplication.clipboard().text()
    assert hook.dialog is None


def test_launch_installs_the_error_dialog_hook(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from gui import launch

    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    previous = sys.excepthook
    try:
        assert launch.launch([]) == 0
        assert isinstance(sys.excepthook, errors.ErrorHook)
        assert sys.excepthook.previous is previous
    finally:
        sys.excepthook = previous
    for widget in QApplication.topLevelWidgets():
        if hasattr(widget, "runner"):
            widget.discard_quietly()


def test_an_unconnected_input_is_a_calm_hint(qtbot, window):
    window.file_actions.new_action.trigger()
    doc = window.doc
    a = doc.add_node("leaf", "a", value=[1.0, 2.0]).id
    m = doc.add_node("mul", "m", is_output=True).id
    doc.add_edge(a, m, "input")
    wait_for_run(qtbot, window)
    item = window.scene.nodes[m]
    assert "connect input 'other'" in [t for t, _ in item.lines]
    assert item.error is None  # no red border, no "forward failed"
    assert window.banner.isHidden()
    visible = " ".join(t for lines in card_texts(window).values() for t in lines)
    assert "forward failed" not in visible and "_Missing" not in visible
    assert window.statusBar().currentMessage() == "m: connect input 'other'"
    steps = window.backward_replay.controls.steps
    assert steps.item(0).text().endswith("no backward(): an output could not be computed")
    assert window.jacobian.status_text.startswith("an input is not connected yet")


def test_new_resets_the_zoom_and_shows_how_to_start(qtbot, window):
    window.view.zoom_by(2.5)
    window.file_actions.new_action.trigger()
    qtbot.waitUntil(lambda: window.view.zoom() == 1.0, timeout=5000)
    assert window.view.is_empty()
    steps = window.backward_replay.controls.steps
    wait_for_run(qtbot, window)
    assert "backward() called" not in steps.item(0).text()
    assert "no node is marked as output" in steps.item(0).text()


def test_loading_torch_goes_when_the_first_run_fails_and_never_comes_back(qtbot):
    from gui.main_window import MainWindow

    failing = list_examples()[1]  # a tensor loss with bare backward(): torch refuses
    win = MainWindow(load(failing.path))
    qtbot.addWidget(win)
    win.show()
    steps = win.backward_replay.controls.steps
    assert win.chart_waiting.isVisible() and steps.item(0).text() == "computing…"
    assert win.jacobian.status_text == "computing…"
    win.runner.run_now()
    assert win.statusBar().currentMessage() == "loading torch…"
    wait_for_run(qtbot, win)
    assert win.runner.last is not None and win.runner.last.error is not None
    assert "grad can be implicitly created only for scalar outputs" in win.banner.text()
    assert win.statusBar().currentMessage() != "loading torch…"
    assert not win.chart_waiting.isVisible()
    example_action(win, 1).trigger()  # the same example again: torch is in by now
    assert win.statusBar().currentMessage() != "loading torch…"
    wait_for_run(qtbot, win)
    assert win.statusBar().currentMessage() != "loading torch…"
    win.runner.shutdown()


def test_a_run_of_the_replaced_document_never_lands(qtbot):
    from gui.runner import RunController

    doc = load(SEED_3)
    runner = RunController(doc, delay_ms=60_000)  # the new document's run waits for us
    landed: list = []
    runner.finished.connect(landed.append)
    runner.run_now()  # the first run goes to the worker: still on its way...
    assert runner.last is None
    new = load(list_examples()[0].path)
    doc.replace_with(new)  # ...when the document is replaced
    runner.forget()
    qtbot.waitUntil(lambda: runner._pending == 0, timeout=30_000)  # the old run came back
    assert landed == [] and runner.last is None  # and was dropped
    runner.run_now()
    qtbot.waitUntil(lambda: runner.last is not None, timeout=30_000)
    assert [sorted(r.names.values()) for r in landed] == [["loss", "three", "x", "y"]]
    x = doc.node_by_name("x")
    assert x is not None and float(landed[0].leaf_grads[x.id]) == x_grad_torch(1.0)
    runner.shutdown()
