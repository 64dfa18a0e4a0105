"""The backward replay as one feature: the animator, the replay panel (transport + step list)
and the autograd-graph panel as docks, their View-menu toggles, and "Export replay as GIF…"
in the File menu. The window builds one `BackwardReplay` and keeps it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from engine.document import Document
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.replay.animation import ReplayAnimator
from gui.replay.autograd_view import AutogradView
from gui.replay.replay_controls import ReplayControls
from gui.runner import RunController
from gui.seed.grad_chart import GradChart
from gui.wiring import AddDock, ShowStatus


class BackwardReplay(QObject):
    def __init__(self, doc: Document, runner: RunController, scene: GraphScene, view: GraphView,
                 chart: GradChart, add_dock: AddDock, view_menu: QMenu, file_menu: QMenu,
                 dialog_parent: QWidget, status: ShowStatus) -> None:
        super().__init__(dialog_parent)
        self.scene, self.view = scene, view
        self.animator = ReplayAnimator(doc, runner, scene, chart, parent=self)
        self.controls = ReplayControls(self.animator)
        self.controls.attach_shortcuts_to(view)
        self.dock = add_dock("Backward replay", self.controls,
                             Qt.DockWidgetArea.BottomDockWidgetArea)
        self.autograd_view = AutogradView()
        self.autograd_dock = add_dock("Autograd graph", self.autograd_view,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.autograd_dock.hide()
        toggle = self.autograd_dock.toggleViewAction()
        toggle.setText("&Autograd graph (grad_fn)")
        toggle.setShortcut(QKeySequence("Ctrl+G"))
        toggle.setToolTip("Show the grad_fn graph autograd built, lit in step with the replay")
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(toggle)

        animator, autograd = self.animator, self.autograd_view
        # the trace (the run's FULL level) is made only while something shows it
        animator.wants_trace = lambda: self.dock.isVisible() or self.autograd_dock.isVisible()
        for dock in (self.dock, self.autograd_dock):
            dock.visibilityChanged.connect(lambda shown: shown and animator.need_trace())
        animator.replay_changed.connect(autograd.set_replay)
        animator.step_changed.connect(autograd.set_step)
        autograd.node_clicked.connect(self.select_node)
        if animator.replay is not None:
            autograd.set_replay(animator.replay)
            autograd.set_step(animator.step)

        gif = QAction("Export replay as &GIF…", dialog_parent)
        gif.setToolTip("An animated GIF of the whole backward replay, one frame per event")
        gif.triggered.connect(lambda: _export_gif(dialog_parent, animator, status))
        file_menu.insertAction(file_menu.actions()[-1], gif)  # above Quit

    def select_node(self, node_id: str) -> None:
        item = self.scene.nodes.get(node_id)
        if item is None:
            return
        self.scene.clearSelection()
        item.setSelected(True)
        self.view.ensureVisible(item)


def _export_gif(parent: QWidget, animator: ReplayAnimator, status: ShowStatus) -> None:
    from gui.replay.animation_export import export_gif_dialog

    export_gif_dialog(parent, animator, status)
