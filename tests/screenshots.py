"""Window captures of every example at a laptop and a desktop size, as a new user sees them.

Run from the repository root (`make screenshots` does):
  QT_QPA_PLATFORM=offscreen python -m tests.screenshots [OUT_DIR]
Each capture is the window at a fixed size with fresh settings (the first-start layout), after
the first run and the start's fit; a second capture per example shows the backward replay
paused at its middle step. One line per capture says the canvas size and the smallest card
text on screen, so a change that shrinks either shows up in the log too.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SIZES = ((1366, 768), (1920, 1080))


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("GradflowScreenshots")
    QCoreApplication.setApplicationName("GradflowScreenshots")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    from engine.examples import list_examples
    from engine.fileformat import load
    from gui.launch import open_offscreen
    from tests.gui.readability import canvas_text_px

    for info in list_examples():
        for width, height in SIZES:
            with tempfile.TemporaryDirectory() as settings_dir:  # fresh settings: first start
                QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                  settings_dir)
                window = open_offscreen(load(info.path), (width, height))
                name = f"{info.path.stem}_{width}x{height}"
                window.grab().save(str(out / f"{name}.png"))
                card, port = canvas_text_px(window)
                view = window.view.viewport()
                print(f"{name}: canvas {view.width()}×{view.height()}, card text {card:.1f} px,"
                      f" port labels {port:.1f} px")
                replay = window.backward_replay
                if window.runner.last is not None and replay.animator.steps():
                    replay.animator.go_to(replay.animator.steps() // 2)
                    app.processEvents()
                    window.grab().save(str(out / f"{name}_replay.png"))
                window.discard_quietly()
                window.deleteLater()
                app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
