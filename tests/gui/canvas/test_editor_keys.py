"""Keyboard and mouse gestures on the canvas: each is one undoable step, or no change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine.fileformat import dumps
from engine.layout import COLUMN_WIDTH
from gui.canvas.items import NODE_WIDTH
from gui.canvas.palette import OP_MIME
from tests.gui.canvas.canvas_driver import click, drag


def key(qtbot, win, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    win.view.setFocus()
    qtbot.keyClick(win.view, k, modifier)


def test_delete_duplicate_layout_by_keys_each_one_undo_step(qtbot, win):
    editor, doc, stack = win.editor, win.doc, win.undo_stack
    a = editor.add_node("leaf", QPointF(0, 0))
    b = editor.add_node("exp", QPointF(0, 0))  # lands beside a, not on it
    assert editor.connect_ports(a, b, "input")
    built = dumps(doc)

    click(qtbot, win.view, win.scene.nodes[a].mapToScene(QPointF(60, 10)))
    click(qtbot, win.view, win.scene.nodes[b].mapToScene(QPointF(60, 10)),
          Qt.KeyboardModifier.ControlModifier)
    assert sorted(editor.selected_ids()) == sorted([a, b])
    key(qtbot, win, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(doc) == 4 and len(list(doc.edges())) == 2
    assert sorted(n.name for n in doc.nodes()) == ["exp", "exp1", "x", "x1"]
    stack.undo()
    assert dumps(doc) == built

    editor.select([a])
    key(qtbot, win, Qt.Key.Key_Delete)
    assert [n.id for n in doc.nodes()] == [b] and not list(doc.edges())
    stack.undo()
    assert dumps(doc) == built  # the node and its edge are back

    doc_positions = {n.id: n.position for n in doc.nodes()}
    key(qtbot, win, Qt.Key.Key_L)
    # a chain: one column each, side by side on one row
    assert doc.node(a).position[0] == 0.0 and doc.node(b).position[0] == COLUMN_WIDTH
    assert doc.node(a).position[1] == doc.node(b).position[1]
    assert stack.undoText() == "Auto-layout"
    stack.undo()
    assert {n.id: n.position for n in doc.nodes()} == doc_positions


def test_edit_menu_says_what_undo_will_undo_and_ctrl_z_does_it(qtbot, win):
    win.editor.add_node("leaf", QPointF(0, 0))
    undo = next(a for a in win.edit_menu.actions() if a.text().startswith("&Undo"))
    assert undo.text() == "&Undo Add x"
    assert undo.shortcut().toString() == "Ctrl+Z"
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(win.doc) == 0
    key(qtbot, win, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(win.doc) == 1


def test_tab_opens_quick_add_at_cursor_and_arrows_pick(qtbot, win):
    key(qtbot, win, Qt.Key.Key_Tab)
    popup = win.editor.quick_add
    assert popup.isVisible()
    qtbot.keyClicks(popup.search, "s")
    first = popup.list.currentItem().text()
    qtbot.keyClick(popup.search, Qt.Key.Key_Down)
    second = popup.list.currentItem().data(Qt.ItemDataRole.UserRole)
    assert popup.list.currentItem().text() != first
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    assert [n.op for n in win.doc.nodes()] == [second]


def test_zoom_keys_and_space_drag_pan(qtbot, win):
    win.editor.add_node("leaf", QPointF(0, 0))
    zoom = win.view.zoom()
    key(qtbot, win, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert win.view.zoom() == pytest.approx(zoom * 1.25)
    key(qtbot, win, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert win.view.zoom() == pytest.approx(zoom)
    win.view.setSceneRect(-5000, -5000, 10000, 10000)
    before = win.view.mapToScene(win.view.viewport().rect().center())
    win.view.setFocus()
    qtbot.keyPress(win.view, Qt.Key.Key_Space)
    node_pos = win.scene.nodes[next(iter(win.scene.nodes))].pos()
    start = win.scene.nodes[next(iter(win.scene.nodes))].mapToScene(QPointF(60, 10))
    drag(qtbot, win.view, start, start + QPointF(100, 50))  # over a node: pans anyway
    qtbot.keyRelease(win.view, Qt.Key.Key_Space)
    after = win.view.mapToScene(win.view.viewport().rect().center())
    assert after.x() == pytest.approx(before.x() - 100, abs=3)
    assert after.y() == pytest.approx(before.y() - 50, abs=3)
    assert win.scene.nodes[next(iter(win.scene.nodes))].pos() == node_pos
    assert win.undo_stack.count() == 1  # panning changed nothing


def test_drop_from_palette_adds_where_dropped(qtbot, win):
    data = QMimeData()
    data.setData(OP_MIME, b"sigmoid")
    viewport = win.view.viewport()
    spot = viewport.rect().center()
    scene_spot = win.view.mapToScene(spot)
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    # what a drag from the palette delivers: enter, move, drop (Qt ignores a bare drop)
    enter = QDragEnterEvent(spot, *args)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDragMoveEvent(spot, *args))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(spot), *args))
    (node,) = list(win.doc.nodes())
    assert node.op == "sigmoid"
    assert node.position[0] == pytest.approx(scene_spot.x() - NODE_WIDTH / 2)


def test_inspector_refuses_bad_text_and_keeps_last_value(qtbot, win):
    a = win.editor.add_node("leaf", QPointF(0, 0))
    inspector = win.inspector
    assert inspector.node_id == a
    value = inspector.fields["value"]
    value.editor.setText("[1, 2], [3]")
    qtbot.keyClick(value.editor, Qt.Key.Key_Return)
    assert value.message.isVisibleTo(inspector) and value.message.text()
    assert win.doc.node(a).value == 0.0 and win.undo_stack.count() == 1
    value.editor.setText("[[1, 2], [3, 4]]")
    qtbot.keyClick(value.editor, Qt.Key.Key_Return)
    assert not value.message.isVisibleTo(inspector)
    assert win.doc.node(a).value == [[1, 2], [3, 4]]
    assert "shape: 2×2" in inspector.result.text()

    name = inspector.fields["name"]
    name.editor.setText("for")
    qtbot.keyClick(name.editor, Qt.Key.Key_Return)
    assert "not a usable name" in name.message.text()
    assert win.doc.node(a).name == "x"


def test_inspector_edits_op_params_by_kind(qtbot, win):
    s = win.editor.add_node("sum", QPointF(0, 0))
    fields = win.inspector.fields
    dim = fields["param:dim"].editor
    dim.setText("[0, 1]")
    qtbot.keyClick(dim, Qt.Key.Key_Return)
    assert win.doc.node(s).params["dim"] == (0, 1)
    dim.setText("x")
    qtbot.keyClick(dim, Qt.Key.Key_Return)
    assert fields["param:dim"].message.isVisibleTo(win.inspector)
    assert win.doc.node(s).params["dim"] == (0, 1)
    fields["param:keepdim"].editor.setChecked(True)
    assert win.doc.node(s).params["keepdim"] is True
    win.undo_stack.undo()
    assert win.doc.node(s).params["keepdim"] is False
    assert not fields["param:keepdim"].editor.isChecked()  # the form follows undo

    loss = win.editor.add_node("mse_loss", QPointF(0, 300))
    assert win.inspector.node_id == loss
    win.inspector.fields["param:reduction"].editor.setCurrentText("none")
    assert win.doc.node(loss).params["reduction"] == "none"
    r = win.editor.add_node("reshape", QPointF(0, 600))
    shape = win.inspector.fields["param:shape"].editor
    shape.setText("[2, -1]")
    qtbot.keyClick(shape, Qt.Key.Key_Return)
    assert win.doc.node(r).params["shape"] == (2, -1)


def test_right_click_on_a_node_offers_its_menu(qtbot, win, monkeypatch):
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QMenu

    a = win.editor.add_node("leaf", QPointF(0, 0))
    shown: list[QMenu] = []
    monkeypatch.setattr(win.editor, "show_menu", lambda menu, at: shown.append(menu))
    viewport = win.view.viewport()
    spot = win.view.mapFromScene(win.scene.nodes[a].mapToScene(QPointF(60, 40)))
    QApplication.sendEvent(viewport, QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, spot, viewport.mapToGlobal(spot)))
    (menu,) = shown
    texts = [action.text() for action in menu.actions() if action.text()]
    assert texts == ["Rename…\tF2", "Mark as output", "Duplicate\tCtrl+D", "Delete\tDel"]
    next(x for x in menu.actions() if x.text() == "Mark as output").trigger()
    assert win.doc.node(a).is_output
    assert win.undo_stack.undoText() == "Mark x as output"
    # a second menu offers the way back
    menu = win.editor.node_menu(a)
    next(x for x in menu.actions() if x.text() == "Unmark as output").trigger()
    assert not win.doc.node(a).is_output

    shown.clear()
    empty = viewport.rect().topLeft() + viewport.rect().center() / 4
    QApplication.sendEvent(viewport, QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, empty, viewport.mapToGlobal(empty)))
    assert [x.text() for x in shown[0].actions()][0] == "Add node…\tTab"
