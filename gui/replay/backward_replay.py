"""Puts the backward replay into the main window: one call, `install(window)`.

Adds the replay panel (transport + step list) and the autograd-graph panel as docks, their
toggles in the View menu, and "Export replay as GIF…" in the File menu.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui.replay.animation import ReplayAnimator
from gui.replay.autograd_view import AutogradView
from gui.replay.replay_controls import ReplayControls

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def install(window: MainWindow) -> ReplayAnimator:
    animator = ReplayAnimator(window)
    controls = ReplayControls(animator)
    controls.attach_shortcuts_to(window.view)
    window.replay = animator  # type: ignore[attr-defined]
    window.replay_controls = controls  # type: ignore[attr-defined]
    window.replay_dock = window.add_dock(  # type: ignore[attr-defined]
        "Backward replay", controls, Qt.DockWidgetArea.BottomDockWidgetArea)
    autograd = AutogradView()
    window.autograd_view = autograd  # type: ignore[attr-defined]
    dock = window.add_dock("Autograd graph", autograd, Qt.DockWidgetArea.RightDockWidgetArea)
    dock.hide()
    window.autograd_dock = dock  # type: ignore[attr-defined]
    toggle = dock.toggleViewAction()
    toggle.setText("&Autograd graph (grad_fn)")
    toggle.setShortcut(QKeySequence("Ctrl+G"))
    toggle.setToolTip("Show the grad_fn graph autograd built, lit in step with the replay")
    window.view_menu.addAction(window.replay_dock.toggleViewAction())  # type: ignore[attr-defined]
    window.view_menu.addAction(toggle)
    animator.replay_changed.connect(autograd.set_replay)
    animator.step_changed.connect(autograd.set_step)
    autograd.node_clicked.connect(lambda node_id: _select(window, node_id))
    if animator.replay is not None:
        autograd.set_replay(animator.replay)
        autograd.set_step(animator.step)
    gif = QAction("Export replay as &GIF…", window)
    gif.setToolTip("An animated GIF of the whole backward replay, one frame per event")
    gif.triggered.connect(lambda: _export_gif(window))
    window.file_menu.insertAction(window.file_menu.actions()[-1], gif)
    return animator


def _select(window: MainWindow, node_id: str) -> None:
    item = window.scene.nodes.get(node_id)
    if item is None:
        return
    window.scene.clearSelection()
    item.setSelected(True)
    window.view.ensureVisible(item)


def _export_gif(window: MainWindow) -> None:
    from gui.replay.animation_export import export_gif_dialog

    export_gif_dialog(window)
