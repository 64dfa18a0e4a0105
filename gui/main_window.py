"""The main window: assembles the views, docks, actions and the undo stack — nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from engine.document import Document
from engine.trace import Run
from gui.canvas.editing import install as install_editing
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.code.code_panel import CodePanel
from gui.code.import_dialog import import_code
from gui.files.file_actions import install as install_file_actions
from gui.panels.error_banner import ErrorBanner
from gui.panels.explain_pane import ExplainPane
from gui.panels.jacobian_view import JacobianView
from gui.replay.backward_replay import install as install_replay
from gui.runner import RunController
from gui.seed.grad_chart import GradChart
from gui.seed.seed_form import SeedForm


class MainWindow(QMainWindow):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.undo_stack = QUndoStack(self)
        self.runner = RunController(doc)
        self.scene = GraphScene(doc)
        self.view = GraphView(self.scene)
        self.banner = ErrorBanner()
        self.chart = GradChart(doc)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.view)
        self.setCentralWidget(central)
        self.chart_dock = self.add_dock("Input gradients", self.chart,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.seed_form = SeedForm(doc, self.undo_stack)
        self.seed_dock = self.add_dock("Gradient v (seed)", self.seed_form, left)
        self.jacobian = JacobianView()
        self.jacobian_dock = self.add_dock("Jacobian lens", self.jacobian, right)
        self.explain = ExplainPane(doc, self.scene)
        self.explain_dock = self.add_dock("Explain", self.explain, left)

        self.runner.finished.connect(self.show_run)
        self.runner.busy.connect(self._on_busy)
        self._build_menus()
        install_editing(self)  # palette, inspector, history, edit actions
        install_replay(self)  # replay dock, autograd view, their menu entries
        self.update_title()
        self.file_actions = install_file_actions(self)  # files, recovery, export, theme
        self.code_panel = CodePanel(doc)
        self.code_dock = self.add_dock("Code", self.code_panel,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.code_dock.hide()  # on demand: View → Code
        import_action = QAction("&Import PyTorch code…", self)
        import_action.setShortcut(QKeySequence("Ctrl+I"))
        import_action.setToolTip("Paste a PyTorch snippet and get its graph (it is never run)")
        import_action.triggered.connect(lambda: import_code(self))
        self.file_menu.insertAction(self.file_actions.save_action, import_action)
        self._arrange_docks()

    def _arrange_docks(self) -> None:
        """The first-start layout (saved layouts replace it): the canvas gets the room,
        related panels share a tab, the replay strip stays low."""
        screen = self.screen().availableGeometry()
        self.resize(min(1480, int(screen.width() * 0.95)), min(920, int(screen.height() * 0.92)))
        self.tabifyDockWidget(self.ops_dock, self.history_dock)  # type: ignore[attr-defined]
        self.ops_dock.raise_()  # type: ignore[attr-defined]
        self.tabifyDockWidget(self.explain_dock, self.inspector_dock)  # type: ignore[attr-defined]
        self.inspector_dock.raise_()  # type: ignore[attr-defined]
        self.tabifyDockWidget(self.jacobian_dock, self.file_actions.description_dock)
        self.jacobian_dock.raise_()
        self.tabifyDockWidget(self.replay_dock, self.code_dock)  # type: ignore[attr-defined]
        self.replay_dock.raise_()  # type: ignore[attr-defined]
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        self.resizeDocks([self.seed_dock, self.explain_dock], [380, 300], vertical)
        self.resizeDocks([self.ops_dock, self.seed_dock, self.chart_dock], [190, 370, 400],
                         horizontal)  # type: ignore[attr-defined]
        self.resizeDocks([self.chart_dock, self.jacobian_dock], [330, 300], vertical)
        self.resizeDocks([self.replay_dock], [190], vertical)  # type: ignore[attr-defined]

    def add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction()) if hasattr(self, "view_menu") else None
        return dock

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # StandardKey.Quit is empty on Linux
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)
        self.edit_menu = bar.addMenu("&Edit")
        self.view_menu = bar.addMenu("&View")
        fit = QAction("&Fit all", self)
        fit.setShortcut(QKeySequence("F"))
        fit.setToolTip("Zoom so the whole graph is visible (F)")
        fit.triggered.connect(self.view.fit_all)
        self.view_menu.addAction(fit)
        for dock in (self.chart_dock, self.seed_dock, self.jacobian_dock, self.explain_dock):
            self.view_menu.addAction(dock.toggleViewAction())

    def update_title(self) -> None:
        name = self.doc.title or "untitled"
        self.setWindowTitle(f"{name} — Gradflow Studio")

    def show_run(self, run: Run) -> None:
        self.scene.show_run(run)
        self.chart.show_run(run)
        self.seed_form.show_run(run)
        self.jacobian.show_run(run)
        self.explain.show_run(run)
        self.banner.show_run(run)
        if run.error is None and run.warnings:
            self.statusBar().showMessage("; ".join(run.warnings), 8000)
        elif run.error is None:
            self.statusBar().showMessage("backward ran", 2000)

    def bars_heights(self) -> list[float]:
        """The heights the chart's one BarGraphItem is drawing (what a user sees)."""
        return [float(h) for h in self.chart.bars.opts["height"]]

    def _on_busy(self, busy: bool) -> None:
        if busy and self.runner.last is None:
            self.statusBar().showMessage("loading torch…")

    def closeEvent(self, event) -> None:  # noqa: N802, ANN001
        self.runner.shutdown()
        super().closeEvent(event)
