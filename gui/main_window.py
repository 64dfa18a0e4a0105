"""The main window. `__init__` and `build_panels` are the table of contents: each feature is
built with the few things it needs and kept in a typed attribute; features talk back through
callables and signals, never through the window.

`__init__` builds what the first paint shows (the canvas with its banner, the menu bar);
`build_panels` the docks around it. The app start calls it right after the first paint, so
the window appears sooner (and imports pyqtgraph's chart, the replay... only then)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from engine.calls import BACKWARD, FUNCTIONAL, GRAD, JACOBIAN
from engine.document import Document
from engine.trace import Run
from gui import style
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.gui_thread_gc import collect_on_gui_thread
from gui.panels.error_banner import ErrorBanner
from gui.runner import RunController
from gui.waiting import COMPUTING

if TYPE_CHECKING:
    from gui.canvas.editing import CanvasEditing
    from gui.code.code_panel import CodePanel
    from gui.files.file_actions import FileActions
    from gui.files.image_export import Targets
    from gui.panels.explain_pane import ExplainPane
    from gui.panels.jacobian_view import JacobianView
    from gui.replay.backward_replay import BackwardReplay
    from gui.seed.call_chart import CallsChart
    from gui.seed.program_panel import ProgramPanel
    from gui.seed.seed_form import SeedForm

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
EXPLICITLY_SHOWN_OR_HIDDEN = Qt.WidgetAttribute.WA_WState_ExplicitShowHide
LOADING_TORCH = "loading torch…"


class MainWindow(QMainWindow):
    # built by build_panels
    chart: CallsChart
    program: ProgramPanel
    seed_form: SeedForm
    jacobian: JacobianView
    explain: ExplainPane
    editing: CanvasEditing
    backward_replay: BackwardReplay
    file_actions: FileActions
    code_panel: CodePanel

    def __init__(self, doc: Document, panels: bool = True, restore_layout: bool = False) -> None:
        """panels=False: the canvas only, `build_panels` later (the app's start).
        restore_layout: the saved dock layout if there is one, else the first-start one."""
        super().__init__()
        # Python's cyclic collector runs on this thread only: a collection started in a worker
        # would delete the Qt objects it finds there, and Qt crashes
        collect_on_gui_thread()
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
        self._restore_layout = restore_layout
        self.layout_restored = False
        self._geometry_restored = False
        if restore_layout:  # the saved size before the first paint; the docks once built
            from gui.files.settings import restore_window_state

            self._geometry_restored = restore_window_state(self, docks=False)
        self._torch_ready = False  # a first run has landed: torch is in
        # one owner of "the document was replaced": every view resets in reset_views' order
        doc.subscribe(lambda event: self.reset_views() if event.kind == "reset" else None)
        if panels:
            self.build_panels()

    def build_panels(self) -> None:
        """The docks around the canvas and the menu entries that come with them."""
        from gui.canvas.editing import CanvasEditing
        from gui.code.code_panel import CodePanel
        from gui.code.import_dialog import import_action
        from gui.files.file_actions import FileActions
        from gui.files.image_export import add_export_actions
        from gui.files.settings import restore_window_state
        from gui.files.theme import add_theme_menu
        from gui.panels.explain_pane import ExplainPane
        from gui.panels.jacobian_view import JacobianView
        from gui.replay.backward_replay import BackwardReplay
        from gui.seed.call_chart import CallsChart
        from gui.seed.program_panel import ProgramPanel
        from gui.seed.seed_form import SeedForm
        from gui.waiting import waiting_label

        doc = self.doc
        # the seed v and what it produces
        self.chart = CallsChart(doc)  # with several calls: each call's share, stacked
        self.chart_dock = self.add_dock("Input gradients", self.chart.panel, RIGHT)
        self.seed_form = SeedForm(doc, self.undo_stack)
        self.program = ProgramPanel(self.seed_form)  # one section per call of the program
        self.seed_dock = self.add_dock("Gradient v (seed)", self.seed_form, LEFT)
        # panels that read the latest run
        self.jacobian = JacobianView()
        self.jacobian_dock = self.add_dock("Jacobian lens", self.jacobian, RIGHT)
        self.explain = ExplainPane(doc, self.scene)
        self.chart.call_changed.connect(self.explain.show_call)  # one call's numbers in both
        self.chart.call_changed.connect(self.jacobian.show_call)  # and the lens: that call's J
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
                                        self.add_dock, self._show_title, self.show_status,
                                        self.runner.carry)
        self.file_actions.document_replaced.connect(
            lambda: QTimer.singleShot(0, self.view.fit_all))
        self.statusBar().addPermanentWidget(self.file_actions.protection)
        add_export_actions(self, self.export_targets, self.show_status, self.file_menu,
                           before=self.file_actions.export_separator)
        self.theme_group = add_theme_menu(self.view_menu, self, self.refresh_colours)
        # code in and out
        self.code_panel = CodePanel(doc)
        self.code_dock = self.add_dock("Code", self.code_panel, BOTTOM)
        self.code_dock.hide()  # on demand: View → Code
        self.file_menu.insertAction(self.file_actions.save_action,
                                    import_action(self, self.file_actions.open_untitled,
                                                  self.runner.carry))

        self.runner.finished.connect(self.show_run)
        self.runner.busy.connect(self._on_busy)
        self.chart_waiting = waiting_label(self.chart)
        self.show_computing(chart_has_bars=False)
        # the saved layout if asked (the app's start), else the first-start one. Never both:
        # restoring over tabified docks leaves the old tab bars drawn under the new ones
        self.layout_restored = (self._restore_layout and self._geometry_restored
                                and restore_window_state(self, geometry=False))
        if not self.layout_restored:
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
        """The first-start layout (saved layouts replace it), made for learning: the canvas
        gets most of the window; one column on the left shows the seed form above the
        input-gradient chart; the replay transport runs under the canvas. Every other panel
        is a tab beside one of these, one click away."""
        self._first_size()
        self.setCorner(Qt.Corner.TopLeftCorner, LEFT)
        self.setCorner(Qt.Corner.BottomLeftCorner, LEFT)  # the column runs the full height
        editing, replay = self.editing, self.backward_replay
        groups = (
            (LEFT, [self.seed_dock, editing.ops_dock, editing.history_dock,
                    self.file_actions.description_dock]),
            (LEFT, [self.chart_dock, self.jacobian_dock, editing.inspector_dock,
                    self.explain_dock]),
            # alone until View shows one of the on-demand panels: no tab bar eats the canvas
            (BOTTOM, [replay.dock, replay.autograd_dock, self.code_dock]),
        )
        # every dock goes straight to its place: a dock moved between areas after a tabify
        # leaves an empty tab bar behind, drawn as a second row of the same tabs
        # shown unless a feature hid it on purpose: a dock added to a window already on
        # screen (the app's start builds them after the first paint) is hidden until shown
        shown = {dock: not (dock.isHidden() and dock.testAttribute(EXPLICITLY_SHOWN_OR_HIDDEN))
                 for _, docks in groups for dock in docks}
        for _, docks in groups:
            for dock in docks:
                self.removeDockWidget(dock)
        for area, docks in groups:
            self.addDockWidget(area, docks[0])
            for dock in docks[1:]:
                self.tabifyDockWidget(docks[0], dock)
            for dock in docks:
                dock.setVisible(shown[dock])
        for _, docks in groups:
            docks[0].raise_()
        self.size_docks()

    def size_docks(self) -> None:
        """Dock sizes for the window's current size: the left column as narrow as the seed
        form allows, the chart below it, the replay strip just tall enough for its list."""
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        width, height = self.width(), self.height()
        column = max(410, min(440, int(width * 0.25)))  # the chart's title needs ~400 px
        self.resizeDocks([self.seed_dock], [column], horizontal)
        self.resizeDocks([self.seed_dock, self.chart_dock],
                         [int(height * 0.52), int(height * 0.48)], vertical)
        self.resizeDocks([self.backward_replay.dock], [max(130, int(height * 0.16))], vertical)

    def _first_size(self) -> None:
        screen = self.screen().availableGeometry()
        # a laptop screen is used whole: every pixel of the canvas counts there
        self.resize(min(1480, screen.width()), min(920, screen.height()))

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

    # ---- the document was replaced --------------------------------------------------------
    def reset_views(self) -> None:
        """New, Open, an example, an import, recovery, or a failed command put back: every
        view lets go of the old document and its run, in this order. Each step runs even if
        one before it failed; the first failure is raised afterwards (→ the error dialog)."""
        steps: tuple[Callable[[], object], ...] = (
            self.runner.forget, self.scene.rebuild, self.view.viewport().update)
        if self.panels_built:  # before the docks exist, only the canvas shows the document
            steps = (
                self.runner.forget,          # the old run, and any still in flight, never shows
                self.replay.drop,            # replay stopped, overlay items off the live canvas
                self.scene.rebuild,          # cards from the new document, "computing…"
                self.inspector.reset,
                self.seed_form.reset,
                lambda: self.explain.show_node(None),
                self.show_computing,         # chart, lens, explain, banner: no number yet
                self.view.viewport().update,
            )
        failure: Exception | None = None
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - raised after every view had its turn
                failure = failure or exc
        if failure is not None:
            raise failure

    def show_computing(self, chart_has_bars: bool = True) -> None:
        """Until the current document's first run lands: a neutral state, never a number
        from a previous document or run. (A new chart has no bars to take down; drawing it
        empty once more would lay its axes out differently from then on.)"""
        if chart_has_bars:
            self.chart.show_run(None)
        self.chart_waiting.show()
        self.jacobian.show_run(None)
        self.jacobian.status_text = COMPUTING
        self.jacobian.update()
        self.explain.show_run(None)
        self.banner.show_run(None)

    # ---- runs -----------------------------------------------------------------------------
    def show_run(self, run: Run) -> None:
        self._first_run_landed()
        self.chart_waiting.hide()
        self.scene.show_run(run)
        self.chart.show_run(run)
        self.seed_form.show_run(run)
        self.program.show_run(run)
        self.jacobian.show_run(run)
        self.explain.show_run(run)
        self.banner.show_run(run)
        if run.error is None and run.warnings:
            self.show_status("; ".join(run.warnings), 8000)
        elif run.error is None:
            self.show_status(_what_ran(run), 2000)
        elif run.error.incomplete:  # a hint, in place of a previous run's message
            self.show_status(run.error.describe(run.names), 8000)

    def bars_heights(self) -> list[float]:
        """The heights the chart's one BarGraphItem is drawing (what a user sees)."""
        return [float(h) for h in self.chart.bars.opts["height"]]

    def _on_busy(self, busy: bool) -> None:
        status = self.statusBar()
        if busy and not self._torch_ready:
            status.showMessage(LOADING_TORCH)
        elif not busy and status.currentMessage() == LOADING_TORCH:
            status.clearMessage()  # the first run landed, or failed: either way, not loading

    def _first_run_landed(self) -> None:
        self._torch_ready = True
        if self.statusBar().currentMessage() == LOADING_TORCH:
            self.statusBar().clearMessage()

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
        if self.panels_built:  # before the docks there is no autosave to stop
            self.file_actions.autosave.timer.stop()
        self.close()
        self.runner.shutdown()


def _what_ran(run: Run) -> str:
    """The status line after a run without error: what kind of call it made."""
    kinds = {call.kind for call in run.calls if call.ran}
    if kinds & {BACKWARD, GRAD}:
        return "backward ran"
    if JACOBIAN in kinds:
        return "torch.autograd.functional.jacobian ran"
    return "torch.autograd.functional ran" if FUNCTIONAL in kinds else "forward ran"
