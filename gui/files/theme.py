"""Light, dark, or follow the system; remembered in the settings.

The offscreen platform (and some desktops) report the colour scheme as Unknown: that is
treated as light. Views read gui/style.py colours at paint time; the canvas background is
set once, so it is refreshed here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow

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


def apply_theme(choice: str, window: QMainWindow | None = None) -> str:
    """Apply a theme choice; returns the effective theme ("dark" or "light")."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return "light"
    effective = effective_theme(choice)
    app.setStyle("Fusion")  # the one style whose palette follows ours on every platform
    if effective == "dark":
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
    if window is not None:
        refresh_views(window)
    return effective


def refresh_views(window: QMainWindow) -> None:
    scene = getattr(window, "scene", None)
    if scene is not None:
        scene.setBackgroundBrush(style.canvas_background())
        scene.update()
    for widget in window.findChildren(QMainWindow) + [window]:
        widget.update()


def install_theme_menu(window: QMainWindow) -> QActionGroup:
    menu = window.view_menu.addMenu("&Theme")  # type: ignore[attr-defined]
    group = QActionGroup(window)
    group.setExclusive(True)
    current = saved_theme()
    for key, label in THEMES.items():
        action = QAction(label, window, checkable=True)
        action.setData(key)
        action.setChecked(key == current)
        group.addAction(action)
        menu.addAction(action)

    def chosen(action: QAction) -> None:
        settings().setValue("view/theme", action.data())
        apply_theme(str(action.data()), window)

    group.triggered.connect(chosen)
    return group
