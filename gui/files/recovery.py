"""Crash recovery: one recovery file per running window, written soon after each edit.

Each window's `Autosave` owns `recovery-<pid>-<start>-<token>.json` in the recovery folder:
the process id, the process's start time (so a reused pid is not taken for the owner) and a
token per window. A file whose owner still runs belongs to it: no other window offers it or
deletes it. A file whose owner is gone is offered at the next start (and deleted once taken
or declined); one that cannot be read is renamed to `*.unreadable-<time>` and reported,
never deleted.

When: a few seconds after the last edit (debounced, and at most MAX_WAIT_MS after the first
unwritten edit, so steady editing is written too). The text is made on the GUI thread (it is
quick); the disk write runs on one worker thread shared by all windows, in order.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.document import DocEvent, Document
from engine.fileformat import FileFormatError, dumps, load, loads
from gui.files.dirty import DirtyTracker
from gui.files.disk import DiskStamp
from gui.files.settings import recovery_dir

AUTOSAVE_DELAY_MS = 2_000
MAX_WAIT_MS = 10_000
FORMAT = "gradflow-recovery"
_NAME = re.compile(r"^recovery-(\d+)-(\d+)-([0-9a-f]+)\.json$")
_LEGACY, _LEGACY_META = "recovery.json", "recovery-meta.json"  # the one-file scheme before
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradflow-recovery")
_LIVE: set[str] = set()  # tokens of the Autosaves running in this process


def _start_time(pid: int) -> int:
    """The process's start (clock ticks after boot, from /proc); 0 where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return int(text[text.rfind(")") + 2:].split()[19])  # field 22, after "pid (comm)"
    except (OSError, ValueError, IndexError):
        return 0


_MY_START = _start_time(os.getpid())


def _pid_runs(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would end the process there
        import ctypes

        kernel = ctypes.windll.kernel32
        handle = kernel.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return bool(kernel.WaitForSingleObject(handle, 0) == 0x102)  # WAIT_TIMEOUT
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's process: it exists
    except (OSError, ValueError, OverflowError):
        return False
    return True


@dataclass(frozen=True)
class Owner:
    pid: int
    started: int
    token: str

    @classmethod
    def new(cls) -> Owner:
        return cls(os.getpid(), _MY_START, uuid.uuid4().hex[:12])

    @classmethod
    def from_name(cls, name: str) -> Owner | None:
        match = _NAME.match(name)
        return cls(int(match[1]), int(match[2]), match[3]) if match else None

    def file_name(self) -> str:
        return f"recovery-{self.pid}-{self.started}-{self.token}.json"

    def alive(self) -> bool:
        if self.pid == os.getpid() and self.started == _MY_START:
            return self.token in _LIVE
        if not _pid_runs(self.pid):
            return False
        now = _start_time(self.pid)
        return not (self.started and now and now != self.started)  # else the pid was reused


@dataclass
class Recovered:
    doc: Document
    source: str | None  # the file the work belonged to, if it had one
    saved_at: float
    path: Path  # the recovery file: remove it once taken or declined
    source_stamp: DiskStamp | None = None  # how `source` looked when the work was opened


@dataclass
class Found:
    recovered: list[Recovered] = field(default_factory=list)  # newest first
    set_aside: list[Path] = field(default_factory=list)  # unreadable files, renamed


def read(path: Path) -> Recovered:
    """Raises FileFormatError (or OSError) when the file cannot be offered."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        raise FileFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FileFormatError("not a Gradflow Studio recovery file")
    graph, source, saved_at = data.get("graph"), data.get("source"), data.get("saved_at")
    if not isinstance(graph, str):
        raise FileFormatError("it holds no graph")
    return Recovered(loads(graph), source if isinstance(source, str) else None,
                     float(saved_at) if isinstance(saved_at, int | float) else
                     path.stat().st_mtime, path, DiskStamp.from_list(data.get("source_stamp")))


def set_aside(path: Path) -> Path:
    """Keep an unreadable recovery file out of the way, under a name that says so."""
    aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, aside)
    except OSError:
        return path
    return aside


def _legacy(folder: Path) -> Recovered | None:
    """The single recovery file of earlier versions, if its window is gone."""
    path = folder / _LEGACY
    if not path.exists():
        return None
    try:
        meta = json.loads((folder / _LEGACY_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    pid = meta.get("pid")
    if isinstance(pid, int) and pid != os.getpid() and _pid_runs(pid):
        return None
    source = meta.get("source")
    return Recovered(load(path), source if isinstance(source, str) else None,
                     path.stat().st_mtime, path)


def pending(folder: Path | None = None) -> Found:
    """Work that windows no longer running left behind; unreadable files are set aside."""
    folder = recovery_dir() if folder is None else folder
    found = Found()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("recovery-*.json")):
        owner = Owner.from_name(path.name)
        if owner is None or owner.alive():
            continue
        try:
            found.recovered.append(read(path))
        except (OSError, FileFormatError):
            found.set_aside.append(set_aside(path))
    try:
        legacy = _legacy(folder)
    except (OSError, FileFormatError):
        found.set_aside.append(set_aside(folder / _LEGACY))
        legacy = None
    if legacy is not None:
        found.recovered.append(legacy)
    found.recovered.sort(key=lambda r: r.saved_at, reverse=True)
    return found


def remove(found: Recovered) -> None:
    found.path.unlink(missing_ok=True)
    if found.path.name == _LEGACY:
        (found.path.parent / _LEGACY_META).unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> str:
    """On the worker thread: '' or why the write failed."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return f"could not write a recovery copy: {exc.strerror or exc} (in {path.parent})"
    return ""


class Autosave(QObject):
    """Keeps this window's recovery file in step with the document while it is dirty."""

    failed = Signal(str)  # why a write failed, for the user
    written = Signal()  # a write succeeded
    _done = Signal(int, str)  # from the worker: generation, error ('' = ok)

    def __init__(self, doc: Document, tracker: DirtyTracker, delay_ms: int = AUTOSAVE_DELAY_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.tracker = tracker
        self.owner = Owner.new()
        _LIVE.add(self.owner.token)
        self.source: str | None = None
        self.source_stamp: DiskStamp | None = None
        self.last_error: str | None = None
        self._generation = 0
        self._first_pending: float | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self._on_timeout)
        self._done.connect(self._on_done)
        tracker.changed.connect(lambda dirty: self.schedule() if dirty else None)
        doc.subscribe(self._on_doc_event)
        self.destroyed.connect(lambda: doc.unsubscribe(self._on_doc_event))

    @property
    def path(self) -> Path:
        return recovery_dir() / self.owner.file_name()

    # ---- when -----------------------------------------------------------------------------
    def _on_doc_event(self, _event: DocEvent) -> None:
        self.schedule()

    def schedule(self) -> None:
        """An edit happened: write a few seconds after the last one (never later than
        MAX_WAIT_MS after the first one not yet written)."""
        if self.owner.token not in _LIVE:
            return
        now = time.monotonic()
        if self._first_pending is None:
            self._first_pending = now
        if self.timer.isActive() and (now - self._first_pending) * 1000 >= MAX_WAIT_MS:
            return  # let the running timer fire
        self.timer.start()

    def _on_timeout(self) -> None:
        self._first_pending = None
        if self.tracker.is_dirty():
            self._submit(wait=False)
        else:
            self.discard()  # undone back to the saved state: the file on disk has it all

    # ---- writing --------------------------------------------------------------------------
    def _payload(self) -> bytes:
        meta = {"format": FORMAT, "version": 1, "source": self.source,
                "source_stamp": self.source_stamp.as_list() if self.source_stamp else None,
                "saved_at": time.time(), "graph": dumps(self.doc)}
        return json.dumps(meta, ensure_ascii=False).encode("utf-8")

    def write_if_dirty(self) -> bool:
        return self.tracker.is_dirty() and self.write()

    def write(self) -> bool:
        """Write now and wait for the disk: True when the recovery file holds the document."""
        return self._submit(wait=True)

    def _submit(self, wait: bool) -> bool:
        self._generation += 1
        try:
            data = self._payload()
        except (ValueError, RecursionError) as exc:  # e.g. a lone surrogate cannot be UTF-8
            self._report(f"could not write a recovery copy: {exc}")
            return False
        generation, path = self._generation, self.path

        def job() -> str:
            error = _write_atomic(path, data)
            if not wait:
                try:
                    self._done.emit(generation, error)
                except RuntimeError:  # the window is gone
                    pass
            return error

        future: Future[str] = _WRITER.submit(job)
        if not wait:
            return True
        error = future.result()
        self._report(error)
        return not error

    def _on_done(self, generation: int, error: str) -> None:
        if generation == self._generation:  # a newer write or a discard decides
            self._report(error)

    def _report(self, error: str) -> None:
        if error:
            self.last_error = error
            self.failed.emit(error)
        else:
            self.last_error = None
            self.written.emit()

    # ---- ending ---------------------------------------------------------------------------
    def discard(self) -> None:
        """The work is saved (or thrown away on purpose): remove this window's file, after
        any write still on its way."""
        self._generation += 1
        self.timer.stop()
        self._first_pending = None
        path = self.path
        _WRITER.submit(lambda: path.unlink(missing_ok=True)).result()

    def stop(self) -> None:
        """No more writes from this window; its file (if any) stays for the next start."""
        self.timer.stop()
        _LIVE.discard(self.owner.token)
