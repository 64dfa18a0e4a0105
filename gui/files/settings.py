"""What Gradflow Studio remembers between starts: window layout, recent files, theme,
and where the crash-recovery file lives. One QSettings store, keyed by the application's
organisation and name (tests point it at a temporary folder)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QMainWindow

ORGANISATION = "Gradflow"
APPLICATION = "Gradflow Studio"
MAX_RECENT = 8
# The dock layout's version: a saved layout of another version is not restored. 2: the
# learning layout (canvas first; seed form over the chart), so a layout saved by an earlier
# version, with its small canvas, gives way to it once.
LAYOUT_VERSION = 2


def settings() -> QSettings:
    return QSettings()


def recent_files() -> list[str]:
    # stored as JSON text: QSettings turns a one-element list into a plain string in INI files
    try:
        value = json.loads(str(settings().value("files/recent", "[]")))
    except ValueError:
        return []
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def add_recent(path: str | Path) -> list[str]:
    text = str(Path(path).resolve())
    files = [text] + [p for p in recent_files() if p != text]
    files = files[:MAX_RECENT]
    settings().setValue("files/recent", json.dumps(files))
    return files


def remove_recent(path: str) -> None:
    settings().setValue("files/recent", json.dumps([p for p in recent_files() if p != path]))


def recovery_dir() -> Path:
    """`recovery/dir` in the settings if set, else the per-user application data folder."""
    override = settings().value("recovery/dir", "")
    if override:
        return Path(str(override))
    location = QStandardPaths.StandardLocation.AppDataLocation
    return Path(QStandardPaths.writableLocation(location) or Path.home() / ".gradflow")


def save_window_state(window: QMainWindow) -> None:
    store = settings()
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState(LAYOUT_VERSION))


def restore_window_state(window: QMainWindow, geometry: bool = True, docks: bool = True) -> bool:
    """Put the window and its docks back where the user left them; False if nothing saved.
    The app start restores the geometry before the first paint, the docks once built."""
    store = settings()
    saved, state = store.value("window/geometry"), store.value("window/state")
    restored = False
    if geometry and saved is not None:
        restored = window.restoreGeometry(saved)
    if docks and state is not None:
        restored = window.restoreState(state, LAYOUT_VERSION) and (restored or not geometry)
    return restored
