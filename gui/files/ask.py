"""Questions with the buttons an editor uses ("Overwrite", "Save As…"), which Qt's standard
buttons cannot name. One function, so tests can answer it without a modal dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

APP = "Gradflow Studio"


def choose(parent: QWidget, text: str, choices: list[str], default: str = "Cancel") -> str:
    """Ask `text`; returns the chosen button's text ("Cancel" when the box is closed).
    The last choice is the one that changes nothing (it gets the Escape key)."""
    box = QMessageBox(QMessageBox.Icon.Warning, APP, text, QMessageBox.StandardButton.NoButton,
                      parent)
    buttons = {}
    for i, choice in enumerate(choices):
        role = (QMessageBox.ButtonRole.RejectRole if i == len(choices) - 1
                else QMessageBox.ButtonRole.AcceptRole)
        buttons[choice] = box.addButton(choice, role)
        if choice == default:
            box.setDefaultButton(buttons[choice])
    box.setEscapeButton(buttons[choices[-1]])
    box.exec()
    clicked = box.clickedButton()
    return next((c for c, b in buttons.items() if b is clicked), choices[-1])


def warn_once(parent: QWidget, text: str) -> QMessageBox:
    """A warning that does not block the work (e.g. autosave failing while the user types)."""
    box = QMessageBox(QMessageBox.Icon.Warning, APP, text, QMessageBox.StandardButton.Ok, parent)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box
