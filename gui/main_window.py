"""The main window: assembles the views, docks, actions and the undo stack — nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from engine.document import Document
from engine.trace import Run
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.editing import install as install_editing
from gui.error_banner import ErrorBanner
from gui.grad_chart import GradChart
from gui.runner import RunController


class MainWindow(QMainWindow):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.undo_stack = QUndoStack(self)
        self.runner = RunController(doc)
        self.scene = GraphScene(doc)
        self.view = GraphView(self.scene)
        self.banner = ErrorBanner()
        self.chart = GradChart()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.view)
        self.setCentralWidget(central)
        self.chart_dock = self.add_dock("Input gradients", self.chart,
                                        Qt.DockWidgetArea.RightDockWidgetArea)

        self.runner.finished.connect(self.show_run)
        self.runner.busy.connect(self._on_busy)
        self._build_menus()
        install_editing(self)
        self.resize(1280, 760)
        self.update_title()

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
        self.view_menu.addAction(self.chart_dock.toggleViewAction())

    def update_title(self) -> None:
        name = self.doc.title or "untitled"
        self.setWindowTitle(f"{name} — Gradflow Studio")

    def show_run(self, run: Run) -> None:
        self.scene.show_run(run)
        self.chart.show_run(run)
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
