"""Crash recovery: while the document has unsaved changes it is written to a recovery file
every minute; the next start offers it back. A clean save or close removes it."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from engine.document import Document
from engine.fileformat import FileFormatError, load, save
from gui.files.dirty import DirtyTracker
from gui.files.settings import recovery_dir

AUTOSAVE_MS = 60_000


def recovery_file() -> Path:
    return recovery_dir() / "recovery.json"


def _meta_file() -> Path:
    return recovery_dir() / "recovery-meta.json"


@dataclass
class Recovered:
    doc: Document
    source: str | None  # the file the work belonged to, if it had one
    saved_at: float


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def pending_recovery() -> Recovered | None:
    """The work a crashed session left behind, if any (None while its window still runs)."""
    path = recovery_file()
    if not path.exists():
        return None
    try:
        meta = json.loads(_meta_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    pid = meta.get("pid")
    if isinstance(pid, int) and _alive(pid):
        return None  # another Gradflow Studio window is running and owns this file
    try:
        doc = load(path)
    except FileFormatError:
        discard()  # a half-written or damaged recovery file cannot be offered
        return None
    source = meta.get("source")
    saved_at = meta.get("saved_at")
    return Recovered(doc, source if isinstance(source, str) else None,
                     float(saved_at) if isinstance(saved_at, int | float) else
                     path.stat().st_mtime)


def discard() -> None:
    recovery_file().unlink(missing_ok=True)
    _meta_file().unlink(missing_ok=True)


class Autosave(QObject):
    """Writes the document to the recovery file on a timer, only while it is dirty."""

    def __init__(self, doc: Document, tracker: DirtyTracker, interval_ms: int = AUTOSAVE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.tracker = tracker
        self.source: str | None = None
        self.last_error: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.write_if_dirty)
        self.timer.start()

    def write_if_dirty(self) -> bool:
        if not self.tracker.is_dirty():
            return False
        return self.write()

    def write(self) -> bool:
        folder = recovery_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            save(self.doc, recovery_file())
            meta = {"source": self.source, "saved_at": time.time(), "pid": os.getpid()}
            _meta_file().write_text(json.dumps(meta), encoding="utf-8")
        except OSError as exc:  # a full disk must not interrupt the user's work
            self.last_error = f"could not write the recovery file in {folder}: {exc}"
            return False
        self.last_error = None
        return True
