"""Files in the app: open, save, the unsaved-changes question, recovery, settings."""

from __future__ import annotations

import html
import sys

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.examples import example_path, list_examples
from engine.fileformat import dumps, load, save
from gui.files import recovery
from gui.files.file_actions import offer_recovery

Button = QMessageBox.StandardButton


class Rename(QUndoCommand):
    def __init__(self, doc, node_id, name):
        super().__init__("rename")
        self.doc, self.node_id, self.name = doc, node_id, name
        self.old = doc.node(node_id).name

    def redo(self):
        self.doc.update_node(self.node_id, name=self.name)

    def undo(self):
        self.doc.update_node(self.node_id, name=self.old)


def answer(monkeypatch, button):
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2])
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    return shown


def recovery_files(window=None):
    """The recovery files in the test's recovery folder (one window's, if given)."""
    if window is not None:
        path = window.file_actions.autosave.path
        return [path] if path.exists() else []
    folder = recovery.recovery_dir()
    return sorted(folder.glob("recovery-*.json")) if folder.exists() else []


def crash(window):
    """What the window's process dying does to its recovery file: nothing. It has no owner."""
    window.file_actions.autosave.stop()
    window.discard_quietly()


def edit_directly(qtbot, window):
    x = window.doc.node_by_name("x")
    window.doc.update_node(x.id, value=[5.0, 6.0])
    qtbot.wait(1)  # let the tracker see that no undo command followed


def test_title_marks_direct_edits_and_save_clears_them(qtbot, window, tmp_path):
    files = window.file_actions
    assert not files.is_dirty() and not window.isWindowModified()
    edit_directly(qtbot, window)
    assert files.is_dirty() and window.isWindowModified()
    title = "Seed example 3: tensor loss with gradient=[1.0, 0.5]"
    assert window.windowTitle() == f"untitled[*] — {title} — Gradflow Studio"
    assert files.save_to(tmp_path / "mine.json")
    assert not files.is_dirty() and not window.isWindowModified()
    assert window.windowTitle() == f"mine.json[*] — {title} — Gradflow Studio"
    assert load(tmp_path / "mine.json").node_by_name("x").value == [5.0, 6.0]


def test_undo_back_to_the_saved_state_is_clean(qtbot, window):
    files = window.file_actions
    x = window.doc.node_by_name("x")
    window.undo_stack.push(Rename(window.doc, x.id, "inputs"))
    qtbot.wait(1)
    assert files.is_dirty()
    window.undo_stack.undo()
    qtbot.wait(1)
    assert not files.is_dirty() and not window.isWindowModified()


def test_open_replaces_document_and_clears_undo(qtbot, window, tmp_path):
    x = window.doc.node_by_name("x")
    window.undo_stack.push(Rename(window.doc, x.id, "inputs"))
    assert window.file_actions.open_path(example_path("tour_05_fan_out"))  # Discard (fixture)
    assert window.doc.title.startswith("Fan-out")
    assert window.undo_stack.count() == 0 and not window.file_actions.is_dirty()
    assert set(window.scene.nodes) == {n.id for n in window.doc.nodes()}
    recent = window.file_actions.recent_menu.actions()
    assert recent and recent[0].text() == "tour_05_fan_out.json"


@pytest.mark.parametrize("text", ["{not json", '{"format": "gradflow-graph", "version": 7}',
                                  '{"format": "gradflow-graph", "version": 1, "nodes": '
                                  '[{"id": "1", "op": "warp", "name": "w"}]}'])
def test_a_broken_file_leaves_the_open_document_untouched(qtbot, window, tmp_path,
                                                          monkeypatch, text):
    shown = warnings(monkeypatch)
    edit_directly(qtbot, window)
    before, path_before = dumps(window.doc), window.file_actions.path
    bad = tmp_path / "broken.json"
    bad.write_text(text)
    assert not window.file_actions.open_path(bad)
    assert len(shown) == 1 and "broken.json" in shown[0]
    assert "Traceback" not in shown[0]
    assert dumps(window.doc) == before and window.file_actions.path == path_before
    assert window.file_actions.is_dirty()  # still the user's unsaved work


def test_prompt_cancel_keeps_everything(qtbot, window, monkeypatch):
    edit_directly(qtbot, window)
    before = dumps(window.doc)
    asked = answer(monkeypatch, Button.Cancel)
    assert not window.file_actions.new()
    assert not window.file_actions.open_path(example_path("tour_05_fan_out"))
    assert len(asked) == 2 and "Save the changes" in asked[0]
    assert dumps(window.doc) == before
    assert not window.close() and window.isVisible()


def test_prompt_discard_throws_the_changes_away(qtbot, window, monkeypatch):
    edit_directly(qtbot, window)
    answer(monkeypatch, Button.Discard)
    assert window.file_actions.new()
    assert len(window.doc) == 0 and not window.file_actions.is_dirty()


def test_prompt_save_writes_then_proceeds(qtbot, window, monkeypatch, tmp_path):
    target = tmp_path / "kept"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    edit_directly(qtbot, window)
    answer(monkeypatch, Button.Save)
    assert window.file_actions.new()
    assert load(tmp_path / "kept.json").node_by_name("x").value == [5.0, 6.0]
    assert len(window.doc) == 0


def test_prompt_save_but_cancel_the_file_dialog_stays(qtbot, window, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    edit_directly(qtbot, window)
    before = dumps(window.doc)
    answer(monkeypatch, Button.Save)
    assert not window.file_actions.new()
    assert dumps(window.doc) == before


def test_save_failure_says_so_and_keeps_the_document(qtbot, window, monkeypatch, tmp_path):
    shown = warnings(monkeypatch)
    edit_directly(qtbot, window)
    assert not window.file_actions.save_to(tmp_path / "no such folder" / "a.json")
    assert shown and "Could not save" in shown[0]
    assert window.file_actions.is_dirty()


def test_every_example_opens_from_the_menu_with_its_description(qtbot, window):
    actions = window.file_actions.examples_menu.actions()
    infos = list_examples()
    assert [a.text() for a in actions] == [i.title for i in infos]
    for action, info in zip(actions, infos, strict=True):
        action.trigger()
        assert window.doc.title == info.title
        assert info.title in window.statusBar().currentMessage()
        assert window.file_actions.path is None  # an example opens as an untitled copy
        shown = window.file_actions.description.text().replace("\u200b", "")
        assert html.escape(info.description) in shown
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.runner.run_now()
    assert window.runner.last.error is None


def test_autosave_and_recovery_after_a_crash(qtbot, window, tmp_path, monkeypatch):
    from gui.main_window import MainWindow

    mine = tmp_path / "work.json"
    assert window.file_actions.save_to(mine)
    assert not window.file_actions.autosave.write_if_dirty()  # clean: nothing written
    assert not recovery_files()
    edit_directly(qtbot, window)
    assert window.file_actions.autosave.write_if_dirty()
    assert recovery_files() == [window.file_actions.autosave.path]
    unsaved = dumps(window.doc)
    crash(window)  # the window never closes normally
    second = MainWindow(load(example_path("tour_05_fan_out")))
    qtbot.addWidget(second)
    asked = answer(monkeypatch, Button.Yes)
    assert offer_recovery(second.file_actions)
    assert "did not close normally" in asked[0] and "work.json" in asked[0]
    assert dumps(second.doc) == unsaved
    assert second.file_actions.is_dirty() and second.file_actions.path == mine.resolve()
    assert recovery_files() == [second.file_actions.autosave.path]  # taken over
    assert second.file_actions.save()
    assert not recovery_files()
    assert load(mine).node_by_name("x").value == [5.0, 6.0]


def test_recovery_can_be_declined_and_is_removed(qtbot, window, monkeypatch):
    from gui.main_window import MainWindow

    edit_directly(qtbot, window)
    window.file_actions.autosave.write()
    crash(window)
    second = MainWindow(load(example_path("tour_05_fan_out")))
    qtbot.addWidget(second)
    before = dumps(second.doc)
    answer(monkeypatch, Button.Discard)
    assert not offer_recovery(second.file_actions)
    assert not recovery_files() and dumps(second.doc) == before


def test_autosave_timer_fires_while_dirty(qtbot, window):
    window.file_actions.autosave.timer.setInterval(20)
    edit_directly(qtbot, window)
    qtbot.waitUntil(lambda: bool(recovery_files(window)), timeout=5000)
    assert recovery.read(recovery_files(window)[0]).doc.node_by_name("x").value == [5.0, 6.0]


def test_clean_close_removes_recovery_and_stores_layout(qtbot, window):
    edit_directly(qtbot, window)
    window.file_actions.autosave.write()
    assert recovery_files(window)
    assert window.close()  # Discard (fixture)
    assert not recovery_files()
    assert QSettings().value("window/geometry") is not None


def test_layout_is_restored_on_the_next_start(qtbot, window):
    from gui.files.settings import restore_window_state
    from gui.main_window import MainWindow

    window.chart_dock.hide()
    window.resize(700, 500)  # within the 800×600 offscreen screen
    size = (window.width(), window.height())  # the docks may hold it a little larger
    assert size[0] <= 800 and size[1] <= 600 and size != (1280, 760)
    assert window.close()
    again = MainWindow(load(example_path()))
    qtbot.addWidget(again)
    assert restore_window_state(again)
    again.show()
    assert again.chart_dock.isHidden()
    assert (again.width(), again.height()) == size


def test_theme_menu_switches_and_is_remembered(qtbot, window):
    from gui import style
    from gui.files.theme import apply_theme, effective_theme, saved_theme

    menu = next(a.menu() for a in window.view_menu.actions()
                if a.menu() and "Theme" in a.text())
    by_key = {a.data(): a for a in menu.actions()}
    by_key["dark"].trigger()
    assert style.is_dark() and saved_theme() == "dark"
    assert window.scene.backgroundBrush().color() == style.canvas_background()
    by_key["system"].trigger()
    assert effective_theme("system") == "light"  # offscreen reports Unknown: light
    assert not style.is_dark()
    apply_theme("light")


def test_save_then_open_round_trips(qtbot, window, tmp_path):
    edit_directly(qtbot, window)
    assert window.file_actions.save_to(tmp_path / "a.json")
    saved = dumps(window.doc)
    assert window.file_actions.new()
    assert window.file_actions.open_path(tmp_path / "a.json")
    assert dumps(window.doc) == saved
    save(window.doc, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


def test_launch_offers_recovery_and_restores_settings(qtbot, monkeypatch, tmp_path):
    """The real start-up path: a crashed session's work is offered and taken back."""
    from PySide6.QtWidgets import QApplication

    from engine.document import Document
    from gui import launch as launch_module
    from gui.main_window import MainWindow

    crashed = MainWindow(load(example_path("tour_09_detach")))
    qtbot.addWidget(crashed)
    crashed.file_actions.tracker.mark_dirty()
    assert crashed.file_actions.autosave.write()
    expected = dumps(crashed.doc)
    crash(crashed)
    answer(monkeypatch, Button.Yes)
    opened: list = []
    alive = QApplication.topLevelWidgets()  # held, so no new window can reuse one's id
    earlier = {id(w) for w in alive}

    def new_windows():
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and id(w) not in earlier]

    def fake_exec(*_args):
        # the docks (and the file actions with them) come right after the first paint
        qtbot.waitUntil(lambda: any(w.panels_built and w.file_actions.is_dirty()
                                    for w in new_windows()), timeout=30_000)
        opened.extend(new_windows())
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs the error dialog
    # launch names the application; keep the names that point at this test's settings
    monkeypatch.setattr("gui.files.settings.APPLICATION", QApplication.applicationName())
    monkeypatch.setattr("gui.files.settings.ORGANISATION", QApplication.organizationName())
    assert launch_module.launch([]) == 0
    assert len(opened) == 1
    started = opened[0]
    qtbot.addWidget(started)
    assert dumps(started.doc) == expected != dumps(Document())
    started.runner.shutdown()


def test_open_through_the_dialog_and_the_recent_menu(qtbot, window, monkeypatch, tmp_path):
    mine = tmp_path / "mine.json"
    save(load(example_path("tour_08_broadcasting")), mine)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(mine), "")))
    assert window.file_actions.open()
    assert window.windowTitle().startswith("mine.json")
    assert window.file_actions.new()
    window.file_actions._fill_recent()
    recent = window.file_actions.recent_menu.actions()
    assert [a.toolTip() for a in recent][0] == str(mine.resolve())
    recent[0].trigger()
    assert window.doc.title.startswith("Broadcasting") and window.file_actions.path == mine
