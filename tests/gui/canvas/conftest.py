"""The window the canvas tests build on: an empty document, shown and exposed."""

from __future__ import annotations

import pytest

from engine.document import Document


@pytest.fixture
def win(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(Document())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.shutdown()
