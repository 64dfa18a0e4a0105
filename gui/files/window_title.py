"""One rule for the window title, however the document was opened:
"name.json — Title — Gradflow Studio", with "untitled" when Save would have to ask for a
name (a new graph, an import, an example: examples are templates), and Qt's "*" after the
name while there are unsaved changes."""

from __future__ import annotations

from pathlib import Path

from gui.panels.description_panel import elide

APP = "Gradflow Studio"
NAME_CHARS = 60
TITLE_CHARS = 80


def window_title(path: Path | None, title: str) -> str:
    name = elide(path.name, NAME_CHARS) if path else "untitled"
    parts = [f"{name}[*]"]  # Qt shows "*" at the [*] placeholder while the window is modified
    if title.strip():
        parts.append(elide(title, TITLE_CHARS))
    parts.append(APP)
    return " — ".join(parts)
