"""Random sessions through the real window: play, pause, step, open an example from the
Examples menu, New, import a snippet, type a seed into the form, undo, redo, export a PNG.
After every action (once the run has landed) nothing escaped, and every card, bar, lens cell
and step row equals a fresh engine run of the current document (tests/gui/screen_truth.py).

GRADFLOW_FUZZ=1 runs many more and longer sessions."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtWidgets import QDialog, QFileDialog

from engine.examples import example_path, list_examples
from engine.fileformat import dumps, file_text, load, loads
from gui.code import import_dialog
from gui.files import image_export
from tests.gui.screen_truth import mismatches, wait_for_run

FUZZ = bool(os.environ.get("GRADFLOW_FUZZ"))
SNIPPETS = [
    "import torch\nx = torch.tensor([2.0, -1.0], requires_grad=True)\n"
    "y = (x * x).sum()\ny.backward()\n",
    "import torch\na = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\n"
    "b = torch.exp(a)\nb.backward(gradient=torch.tensor([[1.0, 0.0], [0.5, 2.0]]))\n",
]
SEEDS = st.sampled_from(["0", "1", "-2", "0.5", "3.25", "10"])


class Session(RuleBasedStateMachine):
    qtbot = None
    window = None
    tmp = None

    def __init__(self) -> None:
        super().__init__()
        from gui.main_window import MainWindow

        self.win = MainWindow(load(example_path()))
        self.qtbot.addWidget(self.win)
        self.win.show()
        self.escaped: list = []
        self.exports = 0
        self._act(self.win.runner.run_now)

    def _act(self, action) -> None:  # noqa: ANN001
        with self.qtbot.captureExceptions() as escaped:
            action()
            self.qtbot.wait(1)
            wait_for_run(self.qtbot, self.win)
        self.escaped.extend(escaped)

    @initialize(k=st.integers(0, len(list_examples()) - 1), playing=st.booleans())
    def start_from(self, k: int, playing: bool) -> None:
        """Any example as the first document, the replay maybe already running."""
        self.open_example(k)
        if playing:
            self.play()

    # ---- the transport --------------------------------------------------------------------
    @rule()
    def play(self) -> None:
        self._act(self.win.backward_replay.controls.play_action.trigger)
        self.qtbot.wait(40)  # a few frames of the pulse

    @rule()
    def pause(self) -> None:
        self._act(self.win.replay.pause)

    @rule(times=st.integers(1, 3))
    def step(self, times: int) -> None:
        for _ in range(times):
            self._act(self.win.backward_replay.controls.forward_action.trigger)

    # ---- replacing the document -----------------------------------------------------------
    @rule(k=st.integers(0, len(list_examples()) - 1))
    def open_example(self, k: int) -> None:
        self._act(self.win.file_actions.examples_menu.actions()[k].trigger)
        assert list_examples()[k].title in self.win.windowTitle()

    @rule()
    def new(self) -> None:
        self._act(self.win.file_actions.new_action.trigger)
        assert len(self.win.doc) == 0 and self.win.undo_stack.count() == 0

    @rule(snippet=st.sampled_from(SNIPPETS))
    def import_snippet(self, snippet: str) -> None:
        class Scripted(import_dialog.ImportDialog):
            def __init__(self, parent=None, text: str = "") -> None:  # noqa: ANN001
                super().__init__(parent, snippet)

            def exec(self) -> int:  # noqa: A003
                ok = self.try_import()
                return (QDialog.DialogCode.Accepted if ok else QDialog.DialogCode.Rejected).value

        real = import_dialog.ImportDialog
        import_dialog.ImportDialog = Scripted  # type: ignore[misc]
        try:
            action = next(a for a in self.win.file_menu.actions()
                          if a.text().startswith("&Import PyTorch"))
            self._act(action.trigger)
        finally:
            import_dialog.ImportDialog = real  # type: ignore[misc]

    # ---- editing --------------------------------------------------------------------------
    @rule(text=SEEDS, which=st.integers(0, 7))
    def type_seed(self, text: str, which: int) -> None:
        cells = [c for block in self.win.seed_form.blocks.values() for c in block.cells]
        if not cells:
            return
        cell = cells[which % len(cells)]

        def type_it() -> None:
            cell.setText(text)
            cell.textEdited.emit(text)
            cell.editingFinished.emit()

        self._act(type_it)

    @rule()
    def undo(self) -> None:
        self._act(self.win.undo_stack.undo)

    @rule()
    def redo(self) -> None:
        self._act(self.win.undo_stack.redo)

    @rule(view=st.sampled_from(["canvas", "chart", "window"]))
    def export_png(self, view: str) -> None:
        self.exports += 1
        path = self.tmp / f"export_{self.exports}.png"
        real_ask, real_name = image_export.ExportDialog.ask, QFileDialog.getSaveFileName
        image_export.ExportDialog.ask = staticmethod(lambda *a: (view, 1.0, None))
        QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(path), ""))
        try:
            action = next(a for a in self.win.file_menu.actions()
                          if a.text().startswith("&Export image"))
            self._act(action.trigger)
        finally:
            image_export.ExportDialog.ask = real_ask
            QFileDialog.getSaveFileName = real_name
        assert path.exists() and path.stat().st_size > 0

    # ---- after every action ---------------------------------------------------------------
    @invariant()
    def nothing_escaped(self) -> None:
        assert self.escaped == [], self.escaped

    @invariant()
    def the_screen_equals_a_fresh_run(self) -> None:
        assert mismatches(self.win) == []

    @invariant()
    def the_document_saves_and_reloads_equal(self) -> None:
        """Whatever the session made, Save writes a file that reads back as the same graph."""
        text = file_text(self.win.doc)
        assert dumps(loads(text)) == text

    def teardown(self) -> None:
        self.win.discard_quietly()


def test_random_sessions_show_only_the_current_document(qtbot, tmp_path):
    Session.qtbot, Session.tmp = qtbot, tmp_path
    run_state_machine_as_test(Session, settings=settings(
        max_examples=200 if FUZZ else 20, stateful_step_count=40 if FUZZ else 12,
        deadline=None, derandomize=not FUZZ,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
