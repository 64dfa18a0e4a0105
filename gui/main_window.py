"""The main window. `__init__` and `build_panels` are the table of contents: each feature is
built with the few things it needs and kept in a typed attribute; features talk back through
callables and signals, never through the window.

`__init__` builds what the first paint shows (the canvas with its banner, the menu bar);
`build_panels` the docks around it. The app start calls it right after the first paint, so
the window appears sooner (and imports pyqtgraph's chart, the replay... only then)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from engine.document import Document
from engine.trace import Run
from gui import style
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.panels.error_banner import ErrorBanner
from gui.runner import RunController

if TYPE_CHECKING:
    from gui.canvas.editing import CanvasEditing
    from gui.code.code_panel import CodePanel
    from gui.files.file_actions import FileActions
    from gui.files.image_export import Targets
    from gui.panels.explain_pane import ExplainPane
    from gui.panels.jacobian_view import JacobianView
    from gui.replay.backward_replay import BackwardReplay
    from gui.seed.grad_chart import GradChart
    from gui.seed.seed_form import SeedForm

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


class MainWindow(QMainWindow):
    # built by build_panels
    chart: GradChart
    seed_form: SeedForm
    jacobian: JacobianView
    explain: ExplainPane
    editing: CanvasEditing
    backward_replay: BackwardReplay
    file_actions: FileActions
    code_panel: CodePanel

    def __init__(self, doc: Document, panels: bool = True) -> None:
        super().__init__()
        # the model, its history, and the runner that turns it into Runs off the GUI thread
        self.doc = doc
        self._session = True  # closing stores the layout and settles unsaved work
        self.panels_built = False
        self.undo_stack = QUndoStack(self)
        self.runner = RunController(doc)
        # the canvas, with the banner that names a failed run above it
        self.scene = GraphScene(doc)
        self.view = GraphView(self.scene)
        self.banner = ErrorBanner()
        self._set_central(self.banner, self.view)
        self._build_menus()
        self._first_size()
        if panels:
            self.build_panels()

    def build_panels(self) -> None:
        """The docks around the canvas and the menu entries that come with them."""
        from gui.canvas.editing import CanvasEditing
        from gui.code.code_panel import CodePanel
        from gui.code.import_dialog import import_action
        from gui.files.file_actions import FileActions
        from gui.files.image_export import add_export_actions
        from gui.files.theme import add_theme_menu
        from gui.panels.explain_pane import ExplainPane
        from gui.panels.jacobian_view import JacobianView
        from gui.replay.backward_replay import BackwardReplay
        from gui.seed.grad_chart import GradChart
        from gui.seed.seed_form import SeedForm

        doc = self.doc
        # the seed v and what it produces
        self.chart = GradChart(doc)
        self.chart_dock = self.add_dock("Input gradients", self.chart, RIGHT)
        self.seed_form = SeedForm(doc, self.undo_stack)
        self.seed_dock = self.add_dock("Gradient v (seed)", self.seed_form, LEFT)
        # panels that read the latest run
        self.jacobian = JacobianView()
        self.jacobian_dock = self.add_dock("Jacobian lens", self.jacobian, RIGHT)
        self.explain = ExplainPane(doc, self.scene)
        self.explain_dock = self.add_dock("Explain", self.explain, LEFT)
        # editing: canvas editor, palette, inspector, history, Edit menu
        self.editing = CanvasEditing(doc, self.undo_stack, self.scene, self.view, self.runner,
                                     self.add_dock, self.edit_menu, self.view_menu,
                                     self.show_status)
        self.editor = self.editing.editor
        self.inspector = self.editing.inspector
        # the backward replay: animator, transport, autograd graph, GIF export
        self.backward_replay = BackwardReplay(doc, self.runner, self.scene, self.view,
                                              self.chart, self.add_dock, self.view_menu,
                                              self.file_menu, self, self.show_status)
        self.replay = self.backward_replay.animator
        # files: New/Open/Save, recovery, the graph's description; image export; theme
        self.file_actions = FileActions(doc, self.undo_stack, self, self.file_menu,
                                        self.add_dock, self._show_title, self.show_status)
        self.file_actions.document_replaced.connect(
            lambda: QTimer.singleShot(0, self.view.fit_all))
        add_export_actions(self, self.export_targets, self.show_status, self.file_menu,
                           before=self.file_actions.export_separator)
        self.theme_group = add_theme_menu(self.view_menu, self, self.refresh_colours)
        # code in and out
        self.code_panel = CodePanel(doc)
        self.code_dock = self.add_dock("Code", self.code_panel, BOTTOM)
        self.code_dock.hide()  # on demand: View → Code
        self.file_menu.insertAction(self.file_actions.save_action,
                                    import_action(self, self.file_actions.open_untitled))

        self.runner.finished.connect(self.show_run)
        self.runner.busy.connect(self._on_busy)
        self._arrange_docks()
        self.panels_built = True

    # ---- building -------------------------------------------------------------------------
    def _set_central(self, *widgets: QWidget) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for widget in widgets:
            layout.addWidget(widget)
        self.setCentralWidget(central)

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

    def add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """A dock for a feature's widget, listed in the View menu."""
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _arrange_docks(self) -> None:
        """The first-start layout (saved layouts replace it): the canvas gets the room,
        related panels share a tab, the replay strip stays low."""
        self._first_size()
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        editing = self.editing
        # the inspector above the chart; the canvas keeps most of the width
        self.splitDockWidget(editing.inspector_dock, self.chart_dock, vertical)
        self.resizeDocks([editing.inspector_dock, self.chart_dock], [280, 420], vertical)
        self.resizeDocks([self.chart_dock], [380], horizontal)
        self.resizeDocks([editing.ops_dock, editing.history_dock], [520, 200], vertical)
        self.resizeDocks([editing.ops_dock], [210], horizontal)
        self.tabifyDockWidget(editing.ops_dock, editing.history_dock)
        editing.ops_dock.raise_()
        self.tabifyDockWidget(self.explain_dock, editing.inspector_dock)
        editing.inspector_dock.raise_()
        self.tabifyDockWidget(self.jacobian_dock, self.file_actions.description_dock)
        self.jacobian_dock.raise_()
        self.tabifyDockWidget(self.backward_replay.dock, self.code_dock)
        self.backward_replay.dock.raise_()
        self.resizeDocks([self.seed_dock, self.explain_dock], [380, 300], vertical)
        self.resizeDocks([editing.ops_dock, self.seed_dock, self.chart_dock], [190, 370, 400],
                         horizontal)
        self.resizeDocks([self.chart_dock, self.jacobian_dock], [330, 300], vertical)
        self.resizeDocks([self.backward_replay.dock], [190], vertical)

    def _first_size(self) -> None:
        screen = self.screen().availableGeometry()
        self.resize(min(1480, int(screen.width() * 0.95)), min(920, int(screen.height() * 0.92)))

    # ---- what features call back ----------------------------------------------------------
    def show_status(self, text: str, ms: int) -> None:
        self.statusBar().showMessage(text, ms)

    def _show_title(self, title: str, modified: bool) -> None:
        self.setWindowTitle(title)  # Qt shows "*" at the [*] placeholder while modified
        self.setWindowModified(modified)

    def refresh_colours(self) -> None:
        """After a theme change: the canvas background is set once, so set it again."""
        self.scene.setBackgroundBrush(style.canvas_background())
        self.scene.update()
        for widget in self.findChildren(QMainWindow) + [self]:
            widget.update()

    def export_targets(self) -> Targets:
        """The views File → Export image and `gradflow export --view` can draw."""
        return {"window": self, "canvas": self.scene, "chart": self.chart,
                "jacobian": self.jacobian}

    # ---- runs -----------------------------------------------------------------------------
    def show_run(self, run: Run) -> None:
        self.scene.show_run(run)
        self.chart.show_run(run)
        self.seed_form.show_run(run)
        self.jacobian.show_run(run)
        self.explain.show_run(run)
        self.banner.show_run(run)
        if run.error is None and run.warnings:
            self.show_status("; ".join(run.warnings), 8000)
        elif run.error is None:
            self.show_status("backward ran", 2000)

    def bars_heights(self) -> list[float]:
        """The heights the chart's one BarGraphItem is drawing (what a user sees)."""
        return [float(h) for h in self.chart.bars.opts["height"]]

    def _on_busy(self, busy: bool) -> None:
        if busy and self.runner.last is None:
            self.statusBar().showMessage("loading torch…")

    # ---- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.panels_built:  # closed before the first paint was over: nothing to settle
            self.runner.shutdown()
            super().closeEvent(event)
            return
        if self._session and not self.file_actions.close_requested():
            event.ignore()  # the window stays open, the document untouched
            return
        if self._session:
            from gui.files.settings import save_window_state

            save_window_state(self)
        self.runner.shutdown()
        super().closeEvent(event)

    def discard_quietly(self) -> None:
        """Close without the session's bookkeeping: a headless export is not a session, so it
        neither stores its layout nor removes a crashed session's recovery file."""
        self._session = False
        self.file_actions.autosave.timer.stop()
        self.close()
        self.runner.shutdown()
