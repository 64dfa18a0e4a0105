"""The editing tools of the canvas as one feature: canvas editor, op palette, inspector, undo
history, and their Edit/View menu entries. The window builds one `CanvasEditing` and keeps it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QMenu, QUndoView
from shiboken6 import isValid

from engine.document import Document
from engine.trace import Run
from gui.canvas.editor import CanvasEditor
from gui.canvas.inspector import Inspector
from gui.canvas.items import NodeItem
from gui.canvas.palette import Palette
from gui.canvas.scene import GraphScene
from gui.canvas.view import GraphView
from gui.runner import RunController
from gui.wiring import AddDock, ShowStatus


class CanvasEditing(QObject):
    def __init__(self, doc: Document, stack: QUndoStack, scene: GraphScene, view: GraphView,
                 runner: RunController, add_dock: AddDock, edit_menu: QMenu, view_menu: QMenu,
                 status: ShowStatus) -> None:
        super().__init__(view)
        self.scene, self.runner, self.status = scene, runner, status
        self.editor = CanvasEditor(doc, stack, scene, view, status)
        self.palette = Palette()
        self.inspector = Inspector(doc, stack)
        self.history = QUndoView(stack)
        self.history.setEmptyLabel("<opened>")

        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.ops_dock = add_dock("Ops", self.palette, left)
        self.history_dock = add_dock("History", self.history, left)
        self.inspector_dock = add_dock("Inspector", self.inspector,
                                       Qt.DockWidgetArea.RightDockWidgetArea)

        self.palette.add_requested.connect(self.editor.add_at_centre)
        scene.selectionChanged.connect(self._on_selection)
        self.editor.rename_requested.connect(self._rename)
        runner.finished.connect(self._on_run)
        # (after New/Open the file actions clear the stack: old commands would edit nodes
        # that are gone. A command that failed and was put back keeps the history.)
        self._fill_menus(stack, edit_menu, view_menu)

    def _fill_menus(self, stack: QUndoStack, edit: QMenu, view_menu: QMenu) -> None:
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addAction(undo)
        edit.addAction(redo)
        edit.addSeparator()
        for key in ("add", "duplicate", "rename", "toggle_output", "delete", "select_all"):
            edit.addAction(self.editor.actions[key])
        view_menu.addSeparator()
        for key in ("layout", "zoom_in", "zoom_out"):
            view_menu.addAction(self.editor.actions[key])

    def _on_selection(self) -> None:
        if not isValid(self.scene):  # the window is being destroyed
            return
        ids = self.editor.selected_ids()
        self.inspector.set_node(ids[0] if len(ids) == 1 else None)
        run = self.runner.last
        if len(ids) == 1 and run is not None and ids[0] in run.node_errors:
            self.status(run.node_errors[ids[0]].describe(run.names), 10000)

    def _rename(self, node_id: str) -> None:
        self.editor.select([node_id])
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.focus_name()

    def _on_run(self, run: Run) -> None:
        self.inspector.show_run(run)
        if run.node_errors and run.error is None:
            errors = [i for i in self.scene.nodes.values() if isinstance(i, NodeItem) and i.error]
            if errors:
                self.status(errors[0].error or "", 8000)
