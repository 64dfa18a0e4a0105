"""Saving keeps the file what it was, asks before overwriting changes made on disk, never
writes into the bundled examples; the questions before work is lost; the title rule; long
text; an export that fails says why."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.examples import example_path, list_examples
from engine.fileformat import dumps, load, save
from gui.files import ask, disk

Button = QMessageBox.StandardButton
SEED_TITLE = "Seed example 3: tensor loss with gradient=[1.0, 0.5]"


def edit(qtbot, window, value):
    x = window.doc.node_by_name("x")
    window.doc.update_node(x.id, value=value)
    qtbot.wait(1)


def choices(monkeypatch, reply):
    asked = []

    def choose(parent, text, options, default="Cancel"):
        asked.append((text, options))
        return reply

    monkeypatch.setattr(ask, "choose", choose)
    return asked


def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    return shown


def save_dialog(monkeypatch, answer):
    asked = []

    def dialog(*args, **kwargs):
        asked.append(args[2] if len(args) > 2 else "")
        return (str(answer) if answer else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return asked


def x_value(path):
    return load(path).node_by_name("x").value


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "graph.json"
    save(load(example_path()), path)
    return path


# ---- the file stays the same file -----------------------------------------------------------
def test_save_keeps_the_mode_and_a_new_file_gets_the_umask(qtbot, window, graph_file, tmp_path):
    os.chmod(graph_file, 0o640)
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0])
    assert window.file_actions.save()
    assert stat.S_IMODE(graph_file.stat().st_mode) == 0o640
    assert x_value(graph_file) == [5.0, 6.0]
    mask = os.umask(0o022)
    try:
        assert window.file_actions.save_to(tmp_path / "new.json")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
    assert not list(tmp_path.glob(".*.tmp"))


def test_save_writes_through_a_symlink(qtbot, window, graph_file, tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(graph_file)
    assert window.file_actions.open_path(link)
    assert window.file_actions.path == link
    edit(qtbot, window, [5.0, 6.0])
    assert window.file_actions.save()
    assert link.is_symlink() and os.readlink(link) == str(graph_file)
    assert x_value(graph_file) == [5.0, 6.0]
    assert window.windowTitle().startswith("link.json")


def test_hard_links_stay_one_file_and_a_failed_write_restores_it(
        qtbot, window, graph_file, tmp_path, monkeypatch):
    other = tmp_path / "other-name.json"
    os.link(graph_file, other)
    before = graph_file.read_bytes()
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0])
    real = disk._overwrite
    calls = []

    def half_then_full_disk(target, data):
        calls.append(data)
        if len(calls) == 1:  # the new text: half of it, then the disk is full
            fd = os.open(target, os.O_WRONLY)
            os.write(fd, data[: len(data) // 2])
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(target, data)  # putting the old text back works

    monkeypatch.setattr(disk, "_overwrite", half_then_full_disk)
    shown = warnings(monkeypatch)
    assert not window.file_actions.save()
    assert "No space left on device" in shown[0] and window.file_actions.is_dirty()
    assert graph_file.read_bytes() == before == other.read_bytes()
    monkeypatch.setattr(disk, "_overwrite", real)
    assert window.file_actions.save()
    assert graph_file.stat().st_ino == other.stat().st_ino and other.stat().st_nlink == 2
    assert x_value(other) == [5.0, 6.0]
    assert not list(tmp_path.glob(".*.backup")) and not list(tmp_path.glob(".*.tmp"))


def test_a_read_only_file_is_not_overwritten_and_save_as_is_offered(
        qtbot, window, graph_file, tmp_path, monkeypatch):
    os.chmod(graph_file, 0o444)
    before = graph_file.read_bytes()
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0])
    asked = choices(monkeypatch, "Cancel")
    assert not window.file_actions.save()
    assert "read-only" in asked[0][0] and asked[0][1] == ["Save As…", "Cancel"]
    assert graph_file.read_bytes() == before and window.file_actions.is_dirty()
    choices(monkeypatch, "Save As…")
    save_dialog(monkeypatch, tmp_path / "copy.json")
    assert window.file_actions.save()
    assert x_value(tmp_path / "copy.json") == [5.0, 6.0]
    assert graph_file.read_bytes() == before
    assert stat.S_IMODE(graph_file.stat().st_mode) == 0o444


def test_a_full_disk_leaves_the_old_file_whole(qtbot, window, graph_file, tmp_path, monkeypatch):
    before = graph_file.read_bytes()
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0])

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    real_write = os.write
    monkeypatch.setattr(disk.os, "write", no_space)
    shown = warnings(monkeypatch)
    assert not window.file_actions.save()
    monkeypatch.setattr(disk.os, "write", real_write)
    assert "No space left on device" in shown[0] and "graph.json" in shown[0]
    assert graph_file.read_bytes() == before and window.file_actions.is_dirty()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_graph_the_reader_would_refuse_is_not_saved(qtbot, window, graph_file, monkeypatch):
    """Whatever the app saves reopens: past a whole-file limit, Save says which and writes
    nothing."""
    from engine import fileformat
    from engine.limits import Limit

    before = graph_file.read_bytes()
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0, 7.0])
    monkeypatch.setattr(fileformat, "VALUE_ELEMENTS_ALL", Limit("numbers in a test file", 2))
    shown = warnings(monkeypatch)
    assert not window.file_actions.save()
    assert "over the limit of 2 numbers in a test file" in shown[0]
    assert graph_file.read_bytes() == before and window.file_actions.is_dirty()


# ---- changed on disk since it was read ------------------------------------------------------
def test_saving_over_a_file_changed_on_disk_asks(qtbot, window, graph_file, monkeypatch):
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [5.0, 6.0])
    theirs = load(graph_file)
    theirs.update_node(theirs.node_by_name("x").id, value=[9.0, 9.0])
    save(theirs, graph_file)  # another program writes the file
    asked = choices(monkeypatch, "Cancel")
    assert not window.file_actions.save()
    text, options = asked[0]
    assert "changed on disk" in text and options == ["Overwrite", "Save As…", "Cancel"]
    assert x_value(graph_file) == [9.0, 9.0] and window.file_actions.is_dirty()
    choices(monkeypatch, "Overwrite")
    assert window.file_actions.save()
    assert x_value(graph_file) == [5.0, 6.0]
    asked = choices(monkeypatch, "Cancel")
    edit(qtbot, window, [7.0, 8.0])
    os.utime(graph_file, ns=(1, 1))  # touched, same content: nothing to ask
    assert window.file_actions.save() and asked == []


def test_two_windows_saving_one_file_the_second_is_asked(qtbot, window, graph_file,
                                                         monkeypatch, tmp_path):
    from gui.main_window import MainWindow

    second = MainWindow(load(graph_file))
    qtbot.addWidget(second)
    second.file_actions.opened_from(graph_file)
    assert window.file_actions.open_path(graph_file)
    edit(qtbot, window, [1.0, 1.0])
    edit(qtbot, second, [2.0, 2.0])
    asked = choices(monkeypatch, "Save As…")
    assert window.file_actions.save() and asked == []  # the first writer: nothing changed
    save_dialog(monkeypatch, tmp_path / "mine-too.json")
    assert second.file_actions.save()  # the second is asked, and saves under another name
    assert len(asked) == 1 and "changed on disk" in asked[0][0]
    assert x_value(graph_file) == [1.0, 1.0] and x_value(tmp_path / "mine-too.json") == [2.0, 2.0]
    assert second.file_actions.path == tmp_path / "mine-too.json"


# ---- examples are templates -----------------------------------------------------------------
@pytest.mark.parametrize("how", ["menu", "open", "command line"])
def test_an_edited_example_saves_under_a_new_name(qtbot, window, monkeypatch, tmp_path, how):
    info = list_examples()[0]
    before = info.path.read_bytes()
    if how == "menu":
        assert window.file_actions.open_example(info)
    elif how == "open":
        assert window.file_actions.open_path(info.path)
    else:
        window.file_actions.opened_from(info.path)
    assert window.file_actions.path is None
    assert window.windowTitle() == f"untitled[*] — {window.doc.title} — Gradflow Studio"
    window.doc.update_node(next(iter(window.doc.nodes())).id, name="renamed")
    qtbot.wait(1)
    asked = save_dialog(monkeypatch, "")
    window.file_actions.save_action.trigger()  # Ctrl+S
    assert len(asked) == 1 and "resources" not in asked[0]
    assert os.path.dirname(asked[0]) == str(Path.home())  # a folder of the user's
    assert info.path.read_bytes() == before
    shown = warnings(monkeypatch)
    assert not window.file_actions.save_to(info.path)  # even chosen by name: refused
    assert "template" in shown[0] and info.path.read_bytes() == before
    save_dialog(monkeypatch, tmp_path / "mine.json")
    assert window.file_actions.save()
    assert window.file_actions.path == tmp_path / "mine.json"


def test_new_open_import_and_examples_ask_after_edits(qtbot, window, monkeypatch, graph_file):
    edit(qtbot, window, [5.0, 6.0])
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: asked.append(a[2]) or Button.Cancel))
    before = dumps(window.doc)
    files = window.file_actions
    assert not files.new()
    assert not files.open_path(graph_file)
    assert not files.open_untitled(load(example_path("tour_09_detach")), "Imported")
    assert not files.open_example(list_examples()[1])
    assert len(asked) == 4 and all("Save the changes" in q for q in asked)
    assert dumps(window.doc) == before


# ---- one title rule -------------------------------------------------------------------------
def test_the_title_is_the_same_however_the_file_was_opened(qtbot, window, graph_file):
    from gui.main_window import MainWindow

    expected = f"graph.json[*] — {SEED_TITLE} — Gradflow Studio"
    assert window.file_actions.open_path(graph_file)
    assert window.windowTitle() == expected
    started = MainWindow(load(graph_file))  # the command line
    qtbot.addWidget(started)
    started.file_actions.opened_from(graph_file)
    assert started.windowTitle() == expected
    assert window.file_actions.new()
    window.file_actions._fill_recent()
    window.file_actions.recent_menu.actions()[0].trigger()
    assert window.windowTitle() == expected


def test_long_unbroken_text_keeps_the_window_on_the_screen(qtbot, window, tmp_path):
    doc = load(example_path())
    doc.title = "T" * 40_000
    doc.description = "D" * 40_000
    path = tmp_path / ("n" * 200 + ".json")
    save(doc, path)
    assert window.file_actions.open_path(path)
    qtbot.wait(50)  # layouts settle
    screen = window.screen().availableGeometry()
    assert window.width() <= screen.width()
    assert window.minimumSizeHint().width() <= screen.width()
    assert len(window.windowTitle()) < 200 and "…" in window.windowTitle()
    assert len(window.statusBar().currentMessage()) <= 200
    panel = window.file_actions.description
    assert panel.minimumSizeHint().width() < 400
    assert panel.toolTip() == doc.title  # all of it, where it fits


# ---- an export that fails says why ----------------------------------------------------------
def test_an_export_that_cannot_be_written_says_why(qtbot, window, tmp_path):
    from gui.files.image_export import ExportError, export_image

    with pytest.raises(ExportError) as caught:
        export_image(window.scene, tmp_path / "no such folder" / "canvas.png")
    assert "does not exist" in str(caught.value)
    (tmp_path / "taken.png").mkdir()  # a folder where the file should go
    with pytest.raises(ExportError) as caught:
        export_image(window.scene, tmp_path / "taken.png")
    message = str(caught.value)
    assert message != f"cannot write {tmp_path / 'taken.png'}" and "×" in message


def test_the_editor_question_returns_the_clicked_button(qtbot, monkeypatch):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    for wanted in ["Overwrite", "Save As…", "Cancel"]:
        def click(box, wanted=wanted):
            texts = [b.text() for b in box.buttons()]
            assert sorted(texts) == sorted(["Overwrite", "Save As…", "Cancel"])
            assert box.defaultButton().text() == "Save As…"
            assert box.escapeButton().text() == "Cancel"
            next(b for b in box.buttons() if b.text() == wanted).click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", click)
        assert ask.choose(parent, "changed on disk", ["Overwrite", "Save As…", "Cancel"],
                          "Save As…") == wanted
