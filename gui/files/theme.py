"""Light, dark, or follow the system; remembered in the settings.

The offscreen platform (and some desktops) report the colour scheme as Unknown: that is
treated as light. Views read gui/style.py colours at paint time; the canvas background is
set once, so the window passes a refresh for it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from gui import style
from gui.files.settings import settings

THEMES = {"system": "Follow &system", "dark": "&Dark", "light": "&Light"}


def saved_theme() -> str:
    value = str(settings().value("view/theme", "system"))
    return value if value in THEMES else "system"


def effective_theme(choice: str) -> str:
    if choice in ("dark", "light"):
        return choice
    app = QApplication.instance()
    scheme = app.styleHints().colorScheme() if isinstance(app, QApplication) else None
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"  # Unknown → light


def dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in {
        roles.Window: "#2B2D30", roles.WindowText: "#E6E6E6", roles.Base: "#1F2023",
        roles.AlternateBase: "#2B2D30", roles.ToolTipBase: "#2B2D30",
        roles.ToolTipText: "#E6E6E6", roles.Text: "#E6E6E6", roles.Button: "#35373B",
        roles.ButtonText: "#E6E6E6", roles.BrightText: "#FFFFFF", roles.Link: style.SKY,
        roles.Highlight: style.BLUE, roles.HighlightedText: "#FFFFFF",
        roles.PlaceholderText: "#9A9A9A",
    }.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#7A7A7A"))
    p.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor("#7A7A7A"))
    return p


def apply_theme(choice: str, refresh: Callable[[], None] | None = None) -> str:
    """Apply a theme choice; returns the effective theme ("dark" or "light"). `refresh`
    redraws what caches a colour (the canvas background)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return "light"
    effective = effective_theme(choice)
    app.setStyle("Fusion")  # the one style whose palette follows ours on every platform
    if effective == "dark":
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
    if refresh is not None:
        refresh()
    return effective


def add_theme_menu(view_menu: QMenu, parent: QObject, refresh: Callable[[], None]) -> QActionGroup:
    """View → Theme: the three choices, the saved one checked; a choice is applied and kept."""
    menu = view_menu.addMenu("&Theme")
    group = QActionGroup(parent)
    group.setExclusive(True)
    current = saved_theme()
    for key, label in THEMES.items():
        action = QAction(label, parent, checkable=True)
        action.setData(key)
        action.setChecked(key == current)
        group.addAction(action)
        menu.addAction(action)

    def chosen(action: QAction) -> None:
        settings().setValue("view/theme", action.data())
        apply_theme(str(action.data()), refresh)

    group.triggered.connect(chosen)
    return group
