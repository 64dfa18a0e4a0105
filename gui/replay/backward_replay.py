"""The backward replay as one feature: the animator, the replay panel (transport + step list)
and the autograd-graph panel as docks, their View-menu toggles, and the File menu's replay
exports (GIF, video, web page). The window builds one `BackwardReplay` and keeps it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from engine.document import Document
from engine.snippets.codegen import call_code
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
        # the step list heads each call in the seed panel's words (the run is the document's:
        # any edit drops the replay until the next run)
        self.controls.steps.call_words = lambda i: call_code(doc, i) \
            if self.animator.replay is not None and \
            len(doc.calls) == len(self.animator.replay.run.calls) else None
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
            dock.visibilityChanged.connect(
                lambda shown: animator.need_trace() if shown else None)
        animator.replay_changed.connect(autograd.set_replay)
        animator.step_changed.connect(autograd.set_step)
        autograd.node_clicked.connect(self.select_node)
        if animator.replay is not None:
            autograd.set_replay(animator.replay)
            autograd.set_step(animator.step)

        self.doc, self.runner = doc, runner
        quit_action = file_menu.actions()[-1]
        gif = QAction("Export replay as &GIF…", dialog_parent)
        gif.setToolTip("An animated GIF of the whole backward replay, one frame per event")
        gif.triggered.connect(lambda: _export_animation(dialog_parent, animator, status, False))
        video = QAction("Export replay as &video…", dialog_parent)
        video.setToolTip("An MP4 or WebM video of the whole backward replay")
        video.triggered.connect(lambda: _export_animation(dialog_parent, animator, status, True))
        page = QAction("Export replay as &web page…", dialog_parent)
        page.setToolTip("One self-contained .html file that replays the backward in a browser")
        page.triggered.connect(lambda: self.export_web_page(dialog_parent, status))
        for action in (gif, video, page):
            file_menu.insertAction(quit_action, action)  # above Quit

    def select_node(self, node_id: str) -> None:
        item = self.scene.nodes.get(node_id)
        if item is None:
            return
        self.scene.clearSelection()
        item.setSelected(True)
        self.view.ensureVisible(item)


    def export_web_page(self, parent: QWidget, status: ShowStatus) -> None:
        """The latest run as a web page, written on the thread pool (building the page reads
        every step of the trace)."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from engine.webpage.page import write_replay_page
        from gui.replay.background_write import write_in_background

        title = "Export replay as web page"
        run = self.runner.last
        if run is None:
            QMessageBox.information(parent, title, "There is no run yet to replay.")
            return
        name, _ = QFileDialog.getSaveFileName(parent, title, "backward.html",
                                              "Web page (*.html)")
        if not name:
            return
        doc = self.doc.clone()  # the worker must not read what the user edits meanwhile

        def work() -> str:
            return f"wrote {write_replay_page(doc, run, name)}: open it in a browser"

        write_in_background(parent, title, work, status, "writing web page…")


def _export_animation(parent: QWidget, animator: ReplayAnimator, status: ShowStatus,
                      video: bool) -> None:
    from gui.replay.animation_export import export_animation_dialog

    export_animation_dialog(parent, animator, status, video)
