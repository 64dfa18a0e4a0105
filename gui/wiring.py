"""The few callables a feature receives from the window instead of the window itself: a way
to add a dock (which also lists it in the View menu) and a way to show a status message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

AddDock = Callable[[str, QWidget, Qt.DockWidgetArea], QDockWidget]
ShowStatus = Callable[[str, int], None]  # text, milliseconds (0: until replaced)
