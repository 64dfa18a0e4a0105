"""Wires the editing tools into a MainWindow: palette, inspector, undo history, canvas editor,
and the Edit/View menu entries. MainWindow calls `install(self)` once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QUndoView
from shiboken6 import isValid

from engine.trace import Run
from gui.canvas.editor import CanvasEditor
from gui.canvas.inspector import Inspector
from gui.canvas.items import NodeItem
from gui.canvas.palette import Palette

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def install(window: MainWindow) -> CanvasEditor:
    doc, stack, scene = window.doc, window.undo_stack, window.scene

    def status(text: str, ms: int) -> None:
        window.statusBar().showMessage(text, ms)

    editor = CanvasEditor(doc, stack, scene, window.view, status)
    palette = Palette()
    inspector = Inspector(doc, stack)
    history = QUndoView(stack)
    history.setEmptyLabel("<opened>")
    window.editor, window.op_palette, window.inspector = editor, palette, inspector  # type: ignore[attr-defined]

    left = Qt.DockWidgetArea.LeftDockWidgetArea
    ops_dock = window.add_dock("Ops", palette, left)
    history_dock = window.add_dock("History", history, left)
    inspector_dock = window.add_dock("Inspector", inspector, Qt.DockWidgetArea.RightDockWidgetArea)
    # the inspector above the chart; the canvas keeps most of the width
    chart_dock = getattr(window, "chart_dock", None)
    if chart_dock is not None:
        window.splitDockWidget(inspector_dock, chart_dock, Qt.Orientation.Vertical)
        window.resizeDocks([inspector_dock, chart_dock], [280, 420], Qt.Orientation.Vertical)
        window.resizeDocks([chart_dock], [380], Qt.Orientation.Horizontal)
    window.resizeDocks([ops_dock, history_dock], [520, 200], Qt.Orientation.Vertical)
    window.resizeDocks([ops_dock], [210], Qt.Orientation.Horizontal)
    window.ops_dock, window.history_dock = ops_dock, history_dock  # type: ignore[attr-defined]
    window.inspector_dock = inspector_dock  # type: ignore[attr-defined]

    palette.add_requested.connect(editor.add_at_centre)

    def on_selection() -> None:
        if not isValid(scene):  # the window is being destroyed
            return
        ids = editor.selected_ids()
        inspector.set_node(ids[0] if len(ids) == 1 else None)
        run = window.runner.last
        if len(ids) == 1 and run is not None and ids[0] in run.node_errors:
            status(run.node_errors[ids[0]].describe(run.names), 10000)

    scene.selectionChanged.connect(on_selection)

    def rename(node_id: str) -> None:
        editor.select([node_id])
        inspector_dock.show()
        inspector_dock.raise_()
        inspector.focus_name()

    editor.rename_requested.connect(rename)

    def on_run(run: Run) -> None:
        inspector.show_run(run)
        if run.node_errors and run.error is None:
            item_errors = [i for i in scene.nodes.values() if isinstance(i, NodeItem) and i.error]
            if item_errors:
                status(item_errors[0].error or "", 8000)

    window.runner.finished.connect(on_run)
    # after New/Open replaced the content, old commands would edit nodes that are gone
    doc.subscribe(lambda event: stack.clear() if event.kind == "reset" else None)

    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    edit = window.edit_menu
    edit.addAction(undo)
    edit.addAction(redo)
    edit.addSeparator()
    for key in ("add", "duplicate", "rename", "toggle_output", "delete", "select_all"):
        edit.addAction(editor.actions[key])
    view_menu = window.view_menu
    view_menu.addSeparator()
    for key in ("layout", "zoom_in", "zoom_out"):
        view_menu.addAction(editor.actions[key])
    return editor
