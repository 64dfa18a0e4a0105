"""Turns the read-only canvas into an editor: wiring ports, moving, adding, deleting.

It watches the view's mouse and keys through event filters and turns gestures into undo
commands; it never changes the document or the items' content itself (the scene redraws
from document events). While a node is dragged Qt moves the item; the one MoveNodesCommand
is pushed on release, so a drag of many nodes is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QCursor,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QUndoStack,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QMenu

from engine.document import Document
from gui.canvas.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    DuplicateCommand,
    LayoutCommand,
    MoveNodesCommand,
    RemoveNodesCommand,
    UpdateNodeCommand,
    push,
)
from gui.canvas.items import NODE_WIDTH, EdgeItem, NodeItem, PortItem
from gui.canvas.palette import OP_MIME, QuickAdd
from gui.canvas.scene import GraphScene
from gui.canvas.wire_drag import WireDrag
from gui.wiring import ShowStatus


class CanvasEditor(QObject):
    rename_requested = Signal(str)  # node id

    def __init__(self, doc: Document, stack: QUndoStack, scene: GraphScene, view: QGraphicsView,
                 status: ShowStatus) -> None:
        super().__init__(view)
        self.doc, self.stack, self.scene, self.view = doc, stack, scene, view
        self.status = status
        self.wire: WireDrag | None = None
        self.quick_add = QuickAdd(view)
        self._quick_at = QPointF()
        self.quick_add.chosen.connect(lambda op: self.add_node(op, self._quick_at))
        # kept so the filter compares identities only: while Qt destroys the view, calling
        # any method on it raises
        self._viewport = view.viewport()
        view.setAcceptDrops(True)
        self._viewport.setAcceptDrops(True)
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)
        self.actions = self._make_actions()

    # ---- actions --------------------------------------------------------------------------
    def _make_actions(self) -> dict[str, QAction]:
        specs: list[tuple[str, str, str | QKeySequence.StandardKey, str,
                          Callable[[], object]]] = [
            ("add", "&Add node…", "Tab", "Search for an op and add it at the cursor (Tab)",
             self.open_quick_add),
            ("delete", "&Delete", QKeySequence.StandardKey.Delete, "Delete the selected nodes",
             self.delete_selected),
            ("duplicate", "D&uplicate", "Ctrl+D", "Copy the selected nodes", self.duplicate),
            ("rename", "&Rename…", "F2", "Rename the selected node", self.rename_selected),
            ("toggle_output", "Mark/unmark as &output", "",
             "Make the selected nodes backward targets, or stop them being ones",
             self.toggle_output_selected),
            ("select_all", "Select &all", QKeySequence.StandardKey.SelectAll, "",
             self.select_all),
            ("layout", "Auto-&layout", "L", "Arrange the graph left to right (L)", self.layout),
            ("zoom_in", "Zoom &in", "Ctrl+=", "Zoom in (Ctrl+=, wheel)",
             lambda: self._zoom(1.25)),
            ("zoom_out", "Zoom o&ut", "Ctrl+-", "Zoom out (Ctrl+-, wheel)",
             lambda: self._zoom(0.8)),
        ]
        actions: dict[str, QAction] = {}
        for key, text, shortcut, tip, slot in specs:
            action = QAction(text, self.view)
            if shortcut and key != "add":  # Tab is caught by the view itself (focus keys)
                action.setShortcut(QKeySequence(shortcut))
                # keys act on the canvas only: Del in a text field must not delete nodes
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.view.addAction(action)
            if key == "add":
                action.setText("&Add node…\tTab")
            if key == "delete":  # Backspace too: laptops without a Delete key
                action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete),
                                     QKeySequence("Backspace")])
            if key == "zoom_in":
                action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            actions[key] = action
        return actions

    # ---- queries --------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        return [i.node_id for i in self.scene.selectedItems() if isinstance(i, NodeItem)]

    def select(self, node_ids: list[str]) -> None:
        self.scene.clearSelection()
        for node_id in node_ids:
            if node_id in self.scene.nodes:
                self.scene.nodes[node_id].setSelected(True)

    def view_centre(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def _cursor_scene_pos(self) -> QPointF:
        local = self.view.viewport().mapFromGlobal(QCursor.pos())
        if not self.view.viewport().rect().contains(local):
            return self.view_centre()
        return self.view.mapToScene(local)

    # ---- edits ----------------------------------------------------------------------------
    def add_node(self, op: str, at: QPointF) -> str | None:
        """Add an `op` node centred near `at` (scene coordinates); select it."""
        x, y = at.x() - NODE_WIDTH / 2, at.y() - 30
        for _ in range(50):  # never hide a new card under another one: step right
            spot = QRectF(x, y, NODE_WIDTH, 80)
            if not any(isinstance(i, NodeItem) for i in self.scene.items(spot)):
                break
            x += NODE_WIDTH + 70  # the gap holds the next card's port names
        command = AddNodeCommand(self.doc, op, (x, y))
        reason = push(self.stack, command)
        if reason:
            self.status(reason, 6000)
            return None
        assert command.node_id is not None
        self.select([command.node_id])
        self.status(f"added {command.node.name if command.node else op}", 2000)
        return command.node_id

    def add_at_centre(self, op: str) -> str | None:
        return self.add_node(op, self.view_centre())

    def open_quick_add(self, at: QPointF | None = None) -> None:
        self._quick_at = at if at is not None else self._cursor_scene_pos()
        view_pos = self.view.mapFromScene(self._quick_at)
        self.quick_add.open_at(self.view.viewport().mapToGlobal(view_pos))

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            push(self.stack, RemoveNodesCommand(self.doc, ids))

    def duplicate(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        command = DuplicateCommand(self.doc, ids)
        reason = push(self.stack, command)
        if reason:
            self.status(reason, 6000)
        else:
            self.select(command.copy_ids)

    def rename_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.rename_requested.emit(ids[0])
        else:
            self.status("select one node to rename it", 3000)

    def set_output(self, node_id: str, is_output: bool) -> None:
        name = self.doc.node(node_id).name
        text = f"Mark {name} as output" if is_output else f"Unmark output {name}"
        reason = push(self.stack, UpdateNodeCommand(self.doc, node_id, text,
                                                    is_output=is_output))
        if reason:
            self.status(reason, 6000)

    def toggle_output_selected(self) -> None:
        for node_id in self.selected_ids():
            self.set_output(node_id, not self.doc.node(node_id).is_output)

    def select_all(self) -> None:
        for item in self.scene.nodes.values():
            item.setSelected(True)

    def layout(self) -> None:
        command = LayoutCommand(self.doc)
        if command.moves:
            push(self.stack, command)

    def connect_ports(self, source: str, target: str, port: str) -> bool:
        """Connect, or say in the status bar why not (and change nothing)."""
        reason = self.doc.can_connect(source, target, port)
        if reason:
            self.status(f"Cannot connect: {reason}", 6000)
            return False
        push(self.stack, ConnectCommand(self.doc, source, target, port))
        return True

    def _zoom(self, factor: float) -> None:
        zoom_by = getattr(self.view, "zoom_by", None)
        if zoom_by is not None:
            anchor = self.view.transformationAnchor()
            self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            zoom_by(factor)
            self.view.setTransformationAnchor(anchor)

    # ---- menus ----------------------------------------------------------------------------
    def node_menu(self, node_id: str) -> QMenu:
        node = self.doc.node(node_id)
        menu = QMenu(self.view)
        menu.addAction("Rename…\tF2", lambda: self.rename_requested.emit(node_id))
        output = menu.addAction("Unmark as output" if node.is_output else "Mark as output",
                                lambda: self.set_output(node_id, not node.is_output))
        output.setToolTip("backward() is called on outputs, with their seed as gradient=")
        menu.addAction("Duplicate\tCtrl+D", self.duplicate)
        menu.addSeparator()
        menu.addAction("Delete\tDel", self.delete_selected)
        return menu

    def canvas_menu(self, at: QPointF) -> QMenu:
        menu = QMenu(self.view)
        menu.addAction("Add node…\tTab", lambda: self.open_quick_add(at))
        menu.addAction(self.actions["layout"])
        menu.addAction(self.actions["select_all"])
        return menu

    def edge_menu(self, edge: EdgeItem) -> QMenu:
        menu = QMenu(self.view)
        target, port = edge.target.node_id, edge.port
        menu.addAction("Disconnect",
                       lambda: push(self.stack, DisconnectCommand(self.doc, target, port)))
        return menu

    # ---- events ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.view:
            return self._view_event(event)
        if watched is self._viewport:
            return self._viewport_event(event)
        return False

    def _view_event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusOut and not self.view.isInteractive():
            # Space was released elsewhere: never leave the canvas stuck in pan mode
            self.view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.view.setInteractive(True)
            return False
        if not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if kind == QEvent.Type.KeyPress:
            if key == Qt.Key.Key_Tab and not event.modifiers():
                self.open_quick_add()
                return True
            if key == Qt.Key.Key_Space and not event.isAutoRepeat():
                self.view.setInteractive(False)  # Space+drag pans, even over a node
                self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
                return True
            if key == Qt.Key.Key_Escape and self.wire is not None:
                self._end_wire()
                return True
        elif kind == QEvent.Type.KeyRelease:
            if key == Qt.Key.Key_Space and not event.isAutoRepeat():
                self.view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
                self.view.setInteractive(True)
                return True
        return False

    def _viewport_event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            return self._press(event)
        if self.wire is not None and not self.wire.alive():
            self._end_wire()  # an undo or a new document took its port away mid-drag
        if isinstance(event, QMouseEvent):
            return self._mouse_event(kind, event)
        if isinstance(event, QContextMenuEvent):
            self._context_menu(event.pos(), event.globalPos())
            return True
        if isinstance(event, QDragMoveEvent):  # DragEnter is a DragMove too
            if event.mimeData().hasFormat(OP_MIME):
                event.acceptProposedAction()
                return True
            return False
        if isinstance(event, QDropEvent) and event.mimeData().hasFormat(OP_MIME):
            op = bytes(event.mimeData().data(OP_MIME).data()).decode()
            event.acceptProposedAction()
            self.add_node(op, self.view.mapToScene(event.position().toPoint()))
            return True
        return False

    def _mouse_event(self, kind: QEvent.Type, event: QMouseEvent) -> bool:
        if kind == QEvent.Type.MouseMove and self.wire is not None:
            self.wire.drag(event.position(), self._item_at)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            if self.wire is not None:
                wire = self.wire
                target = wire.target(event.position(), self._item_at)  # the line still skipped
                self._end_wire()
                wire.apply(target, self.connect_ports)
                return True
            if event.button() == Qt.MouseButton.LeftButton:
                self._commit_moves()
            return False
        if kind == QEvent.Type.MouseButtonDblClick:
            return self._double_click(event.position())
        return False

    def _item_at(self, pos: QPointF) -> QGraphicsItem | None:
        for item in self.view.items(pos.toPoint()):
            if self.wire is None or item is not self.wire.line:
                return item
        return None

    def _node_at(self, pos: QPointF | QPoint) -> NodeItem | None:
        point = pos if isinstance(pos, QPointF) else QPointF(pos)
        item = self._item_at(point)
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        return item

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        item = self._item_at(event.position())
        if not isinstance(item, PortItem) or not self.view.isInteractive():
            return False
        self.wire = WireDrag(self.doc, self.stack, self.scene, self.view, self.status, item)
        self.wire.drag(event.position(), self._item_at)
        return True

    def _end_wire(self) -> None:
        assert self.wire is not None
        self.wire.end()
        self.wire = None

    def _commit_moves(self) -> None:
        moves = {}
        for item in self.scene.selectedItems():
            if isinstance(item, NodeItem) and item.node_id in self.doc.graph:
                old = self.doc.node(item.node_id).position
                new = (item.pos().x(), item.pos().y())
                if old != new:
                    moves[item.node_id] = (old, new)
        if moves:
            push(self.stack, MoveNodesCommand(self.doc, moves))

    def _double_click(self, pos: QPointF) -> bool:
        node = self._node_at(pos)
        if node is not None:
            self.select([node.node_id])
            self.rename_requested.emit(node.node_id)
            return True
        if self._item_at(pos) is None:
            self.open_quick_add(self.view.mapToScene(pos.toPoint()))
            return True
        return False

    def show_menu(self, menu: QMenu, global_pos: QPoint) -> None:
        """Run a context menu (modal); one place to replace in tests."""
        menu.exec(global_pos)

    def _context_menu(self, pos: QPoint, global_pos: QPoint) -> None:
        node = self._node_at(pos)
        if node is not None:
            if not node.isSelected():
                self.select([node.node_id])
            self.show_menu(self.node_menu(node.node_id), global_pos)
            return
        item = self._item_at(QPointF(pos))
        if isinstance(item, EdgeItem):
            self.show_menu(self.edge_menu(item), global_pos)
            return
        self.show_menu(self.canvas_menu(self.view.mapToScene(pos)), global_pos)
