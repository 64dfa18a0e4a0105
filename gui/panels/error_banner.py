"""A red strip that shows the run's error in torch's own words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine.trace import Run
from gui import style


class ErrorBanner(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # torch's words, never read as markup
        self.setStyleSheet(f"background: {style.VERMILLION}; color: white; padding: 3px 8px;")
        self.hide()

    def show_run(self, run: Run | None) -> None:
        # an input not connected yet is a hint on its card, not an alarm
        text = run.error_text() if (run and run.error and not run.error.incomplete) else None
        if text and run is not None and run.error is not None and run.error.call is not None \
                and len(run.calls) > 1:  # say which call of the program raised it
            text = f"call {run.error.call + 1}: {run.error.type}: {run.error.message}"
        if text:
            self.setText(text)
            self.setToolTip(text)
            self.show()
        else:
            self.hide()
