"""Crash recovery with several windows and processes, autosave timing and autosave failures.

Two Gradflow Studio instances are two windows in this process with their own owner tokens;
another process is the test runner's parent (alive) or a finished child (dead)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.document import Document
from engine.examples import example_path
from engine.fileformat import dumps, load
from gui.files import recovery
from gui.files.file_actions import offer_recovery

Button = QMessageBox.StandardButton


def crash(window):
    """What the window's process dying does to its recovery file: nothing. It has no owner."""
    window.file_actions.autosave.stop()
    window.discard_quietly()


def new_window(qtbot, stem="tour_05_fan_out"):
    from gui.main_window import MainWindow

    win = MainWindow(load(example_path(stem)))
    qtbot.addWidget(win)
    return win


def edit(qtbot, window, value):
    x = window.doc.node_by_name("x")
    window.doc.update_node(x.id, value=value)
    qtbot.wait(1)  # the tracker sees that no undo command followed


def questions(monkeypatch, button):
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: asked.append(a[2]) or button))
    return asked


def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    return shown


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # finished and reaped: nobody has this pid now
    return child.pid


def moved_to(path, pid, started):
    """The same recovery file, as if written by process `pid` started at `started`."""
    owner = recovery.Owner.from_name(path.name)
    target = path.with_name(recovery.Owner(pid, started, owner.token).file_name())
    os.replace(path, target)
    return target


def test_two_windows_keep_their_own_recovery_files(qtbot, window, monkeypatch):
    second = new_window(qtbot, "seed_3_tensor_loss_with_gradient")
    edit(qtbot, window, [1.0, 2.0])
    edit(qtbot, second, [3.0, 4.0])
    assert window.file_actions.autosave.write() and second.file_actions.autosave.write()
    mine, theirs = window.file_actions.autosave.path, second.file_actions.autosave.path
    assert mine != theirs and mine.exists() and theirs.exists()
    # the second window's autosave and normal close leave the first one's file alone
    edit(qtbot, second, [7.0, 8.0])
    assert second.file_actions.autosave.write()
    assert second.close()  # Discard (fixture)
    assert not theirs.exists() and mine.exists()
    assert recovery.read(mine).doc.node_by_name("x").value == [1.0, 2.0]
    # the first window crashes: a new start is offered its work
    crash(window)
    third = new_window(qtbot)
    asked = questions(monkeypatch, Button.Yes)
    assert offer_recovery(third.file_actions)
    assert len(asked) == 1
    assert third.doc.node_by_name("x").value == [1.0, 2.0]


def test_a_running_owners_file_is_neither_offered_nor_deleted(qtbot, window, monkeypatch):
    edit(qtbot, window, [1.0, 2.0])
    assert window.file_actions.autosave.write()
    other = new_window(qtbot)
    asked = questions(monkeypatch, Button.Discard)
    assert not offer_recovery(other.file_actions) and asked == []
    assert window.file_actions.autosave.path.exists()
    # the same file owned by another running process (the test runner's parent)
    parent = os.getppid()
    foreign = moved_to(window.file_actions.autosave.path, parent, recovery._start_time(parent))
    assert not offer_recovery(other.file_actions) and asked == []
    assert other.file_actions.new() and other.close()  # their own clean-ups
    assert foreign.exists()


def test_a_dead_process_file_is_offered_and_a_reused_pid_does_not_hide_it(
        qtbot, window, monkeypatch):
    edit(qtbot, window, [1.0, 2.0])
    assert window.file_actions.autosave.write()
    unsaved = dumps(window.doc)
    gone = moved_to(window.file_actions.autosave.path, dead_pid(), 12345)
    other = new_window(qtbot)
    asked = questions(monkeypatch, Button.Discard)
    assert not offer_recovery(other.file_actions)
    assert len(asked) == 1 and not gone.exists()  # declined: removed
    # a running pid with another start time is a different process: the owner is gone
    assert window.file_actions.autosave.write()
    parent = os.getppid()
    reused = moved_to(window.file_actions.autosave.path, parent,
                      recovery._start_time(parent) + 1)
    asked = questions(monkeypatch, Button.Yes)
    assert offer_recovery(other.file_actions) and len(asked) == 1
    assert dumps(other.doc) == unsaved and not reused.exists()


def test_an_unreadable_recovery_file_is_kept_aside_and_reported(qtbot, window, monkeypatch):
    folder = recovery.recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    broken = folder / recovery.Owner(dead_pid(), 0, "abcdef").file_name()
    broken.write_bytes(b'{"format": "gradflow-recovery", "graph": "{not a gra')
    shown = warnings(monkeypatch)
    asked = questions(monkeypatch, Button.Yes)
    assert not offer_recovery(window.file_actions) and asked == []
    assert not broken.exists()
    [aside] = folder.glob(broken.name + ".unreadable-*")
    assert aside.read_bytes() == b'{"format": "gradflow-recovery", "graph": "{not a gra'
    assert len(shown) == 1 and str(aside) in shown[0]
    assert not offer_recovery(window.file_actions) and len(shown) == 1  # reported once


def test_autosave_follows_the_last_edit_and_is_debounced(qtbot, window, monkeypatch):
    autosave = window.file_actions.autosave
    assert autosave.timer.interval() == recovery.AUTOSAVE_DELAY_MS == 2000
    assert autosave.timer.isSingleShot() and not autosave.timer.isActive()
    clock = [100.0]
    monkeypatch.setattr(recovery.time, "monotonic", lambda: clock[0])
    edit(qtbot, window, [1.0, 2.0])
    assert autosave.timer.isActive() and not autosave.path.exists()
    starts = []
    real_start = autosave.timer.start
    autosave.timer.start = lambda *a: starts.append(clock[0]) or real_start(*a)
    edit(qtbot, window, [3.0, 4.0])  # a later edit restarts the wait
    assert starts == [100.0]
    clock[0] += recovery.MAX_WAIT_MS / 1000
    edit(qtbot, window, [1.0, 2.0])  # edits for too long: the running timer is not pushed back
    assert starts == [100.0] and autosave.timer.isActive()
    del autosave.timer.start
    autosave.timer.start(0)
    qtbot.waitUntil(autosave.path.exists, timeout=5000)
    assert recovery.read(autosave.path).doc.node_by_name("x").value == [1.0, 2.0]
    # undone back to the saved state: the recovery file goes
    window.file_actions.tracker.mark_clean()
    autosave.timer.setInterval(0)
    autosave.schedule()
    qtbot.waitUntil(lambda: not autosave.path.exists(), timeout=5000)


def test_a_full_disk_is_shown_once_without_a_dialog_per_edit(qtbot, window, monkeypatch):
    def no_space(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    real_fsync = os.fsync
    monkeypatch.setattr(recovery.os, "fsync", no_space)
    autosave = window.file_actions.autosave
    autosave.timer.setInterval(0)
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):  # its "backward ran" first
        edit(qtbot, window, [1.0, 2.0])
    qtbot.waitUntil(lambda: autosave.last_error is not None, timeout=5000)
    assert "No space left on device" in autosave.last_error
    protection = window.file_actions.protection  # stays while transient messages come and go
    assert protection.isVisible() and "not protected" in protection.text()
    assert "No space left on device" in protection.toolTip()
    box = window.file_actions.autosave_warning
    assert box is not None and box.isVisible() and not box.isModal()
    assert "No space left on device" in box.text()
    edit(qtbot, window, [3.0, 4.0])  # the next edit fails too: the same box, no new one
    assert not autosave.write()
    assert window.file_actions.autosave_warning is box
    assert not autosave.path.exists()
    monkeypatch.setattr(recovery.os, "fsync", real_fsync)
    assert autosave.write()
    assert window.file_actions.autosave_warning is None
    assert not protection.isVisible()
    assert "written again" in window.statusBar().currentMessage()
    box.close()


def test_text_that_cannot_be_encoded_is_reported_not_raised(qtbot, window, monkeypatch):
    autosave = window.file_actions.autosave

    def cannot_encode(_doc):
        raise UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(recovery, "dumps", cannot_encode)
    edit(qtbot, window, [1.0, 2.0])
    autosave.timer.setInterval(0)
    autosave.schedule()
    qtbot.waitUntil(lambda: autosave.last_error is not None, timeout=5000)
    assert "surrogates not allowed" in autosave.last_error
    assert window.file_actions.autosave_warning is not None
    window.file_actions.autosave_warning.close()


def test_a_lone_surrogate_in_the_title_never_escapes_the_autosave(qtbot, window):
    autosave = window.file_actions.autosave
    window.doc.title = "half \udc80 a pair"
    edit(qtbot, window, [1.0, 2.0])
    if autosave.write():  # the file format can hold it: then exactly
        assert recovery.read(autosave.path).doc.title == "half \udc80 a pair"
    else:  # or the user is told why there is no recovery copy
        assert "surrogate" in autosave.last_error
        assert window.file_actions.autosave_warning is not None
        window.file_actions.autosave_warning.close()


def test_an_import_is_unsaved_work_and_is_recovered(qtbot, window, monkeypatch):
    imported = load(example_path("tour_09_detach"))
    assert window.file_actions.open_untitled(imported, "Imported")
    assert window.file_actions.is_dirty() and window.isWindowModified()
    assert window.file_actions.autosave.timer.isActive()  # the autosave is on its way
    assert window.file_actions.autosave.write()
    asked = questions(monkeypatch, Button.Cancel)
    assert not window.file_actions.new()  # New after Import asks
    assert len(asked) == 1 and "Save the changes" in asked[0]
    expected = dumps(window.doc)
    crash(window)
    other = new_window(qtbot)
    questions(monkeypatch, Button.Yes)
    assert offer_recovery(other.file_actions)
    assert dumps(other.doc) == expected != dumps(Document())
    assert other.file_actions.path is None and other.file_actions.is_dirty()


@pytest.mark.parametrize("legacy_pid", [None, "dead"])
def test_the_single_recovery_file_of_earlier_versions_is_still_offered(
        qtbot, window, monkeypatch, legacy_pid):
    import json

    folder = recovery.recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old = load(example_path("tour_09_detach"))
    (folder / "recovery.json").write_text(dumps(old), encoding="utf-8")
    meta = {"source": None, "saved_at": 1.0}
    if legacy_pid:
        meta["pid"] = dead_pid()
    (folder / "recovery-meta.json").write_text(json.dumps(meta), encoding="utf-8")
    questions(monkeypatch, Button.Yes)
    assert offer_recovery(window.file_actions)
    assert dumps(window.doc) == dumps(old)
    assert not (folder / "recovery.json").exists()
    assert not (folder / "recovery-meta.json").exists()
