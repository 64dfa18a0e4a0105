"""A new user builds the seed's Example 3 on an empty canvas with mouse and keyboard; a teacher
builds a second derivative with the palette's gradient op."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from engine.document import Document
from engine.grad_op import GRAD_OP
from gui.canvas.commands import UpdateNodeCommand, push
from tests.gui.canvas.canvas_driver import click, drag


@pytest.fixture
def empty_window(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow(Document())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.shutdown()


def header(item) -> QPointF:
    return item.mapToScene(QPointF(60, 10))


def test_build_example_3_from_empty_canvas(qtbot, empty_window):
    win = empty_window
    view, scene, doc = win.view, win.scene, win.doc
    viewport = view.viewport()

    # 1. double-click empty canvas: the quick-add popup; type "leaf", Enter
    centre = viewport.rect().center()
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    popup = win.editor.quick_add
    assert popup.isVisible()
    qtbot.keyClicks(popup.search, "leaf")
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    assert not popup.isVisible()
    (leaf,) = list(doc.nodes())
    assert leaf.op == "leaf" and leaf.name == "x"

    # 2. the palette: double-click "mul" adds it at the view centre, beside the leaf
    tree = win.editing.palette.tree
    entry = win.editing.palette.item_for("mul")
    tree.scrollToItem(entry)
    spot = tree.visualItemRect(entry).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=spot)  # select it
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    mul = next(n for n in doc.nodes() if n.op == "mul")
    x_item, mul_item = scene.nodes[leaf.id], scene.nodes[mul.id]
    card = mul_item.sceneBoundingRect().adjusted(8, 8, -8, -8)  # without the margin
    assert not x_item.sceneBoundingRect().intersects(card)

    # 3. wire x's output port into both inputs of mul, by dragging port to port
    drag(qtbot, view, x_item.output_port.scene_centre(),
         mul_item.input_ports["input"].scene_centre())
    # the second one the other way round: from the input port back to the output port
    drag(qtbot, view, mul_item.input_ports["other"].scene_centre(),
         x_item.output_port.scene_centre())
    assert sorted((e.source, e.target, e.port) for e in doc.edges()) == [
        (leaf.id, mul.id, "input"), (leaf.id, mul.id, "other")]

    # 4. click the leaf, type its value in the inspector
    click(qtbot, view, header(x_item))
    assert win.inspector.node_id == leaf.id
    value_field = win.inspector.fields["value"].editor
    value_field.clear()
    qtbot.keyClicks(value_field, "[2, 3]")
    qtbot.keyClick(value_field, Qt.Key.Key_Return)
    assert doc.node(leaf.id).value == [2, 3]

    # 5. click mul, F2 renames it (focus goes to the inspector's name field)
    click(qtbot, view, header(mul_item))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    name_field = win.inspector.fields["name"].editor
    assert name_field.hasFocus()
    qtbot.keyClicks(name_field, "y")  # the name was selected: typing replaces it
    qtbot.keyClick(name_field, Qt.Key.Key_Return)
    assert doc.node(mul.id).name == "y"

    # 6. mark y as output from its context menu; seed through the undoable update
    menu = win.editor.node_menu(mul.id)
    next(a for a in menu.actions() if a.text() == "Mark as output").trigger()
    assert doc.node(mul.id).is_output
    assert push(win.undo_stack, UpdateNodeCommand(doc, mul.id, "Set seed", seed=[1.0, 0.5])) is None

    # the answer, independently from torch
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=torch.tensor([1.0, 0.5]))
    expected = x.grad.tolist()
    assert expected == [4.0, 3.0]
    qtbot.waitUntil(lambda: win.bars_heights() == pytest.approx(expected), timeout=30_000)
    assert win.chart.labels == ["x[0]", "x[1]"]

    # every step is undoable, one by one, down to the empty document
    steps = win.undo_stack.count()
    assert steps == 8  # add x, add mul, 2 connects, value, rename, output, seed
    for _ in range(steps):
        win.undo_stack.undo()
    assert len(doc) == 0 and not scene.nodes and not scene.edges


def test_refused_connection_changes_nothing_and_says_why(qtbot, empty_window):
    from engine.fileformat import dumps

    win = empty_window
    editor, doc, view, scene = win.editor, win.doc, win.view, win.scene
    a = editor.add_node("leaf", QPointF(0, 0))
    b = editor.add_node("exp", QPointF(400, 0))
    drag(qtbot, view, scene.nodes[a].output_port.scene_centre(),
         scene.nodes[b].input_ports["input"].scene_centre())
    before, steps = dumps(doc), win.undo_stack.count()
    # b's output back into... b itself: a self-loop
    drag(qtbot, view, scene.nodes[b].output_port.scene_centre(),
         scene.nodes[b].input_ports["input"].scene_centre())
    assert dumps(doc) == before and win.undo_stack.count() == steps
    # a second edge into an occupied port
    c = editor.add_node("leaf", QPointF(0, 300))
    before, steps = dumps(doc), win.undo_stack.count()
    drag(qtbot, view, scene.nodes[c].output_port.scene_centre(),
         scene.nodes[b].input_ports["input"].scene_centre())
    assert dumps(doc) == before and win.undo_stack.count() == steps
    assert "already fed by" in win.statusBar().currentMessage()
    # a cycle: b → m → e, then e's output into m's free port
    m = editor.add_node("mul", QPointF(800, 0))
    drag(qtbot, view, scene.nodes[b].output_port.scene_centre(),
         scene.nodes[m].input_ports["input"].scene_centre())
    e = editor.add_node("exp", QPointF(1200, 0))
    drag(qtbot, view, scene.nodes[m].output_port.scene_centre(),
         scene.nodes[e].input_ports["input"].scene_centre())
    before, steps = dumps(doc), win.undo_stack.count()
    drag(qtbot, view, scene.nodes[e].output_port.scene_centre(),
         scene.nodes[m].input_ports["other"].scene_centre())
    assert dumps(doc) == before and win.undo_stack.count() == steps
    assert "cycle" in win.statusBar().currentMessage()


def test_dragging_an_edge_end_off_its_port_disconnects_and_undoes(qtbot, empty_window):
    from engine.fileformat import dumps

    win = empty_window
    editor, doc, view, scene = win.editor, win.doc, win.view, win.scene
    a = editor.add_node("leaf", QPointF(0, 0))
    b = editor.add_node("exp", QPointF(400, 0))
    drag(qtbot, view, scene.nodes[a].output_port.scene_centre(),
         scene.nodes[b].input_ports["input"].scene_centre())
    connected = dumps(doc)
    port = scene.nodes[b].input_ports["input"].scene_centre()
    drag(qtbot, view, port, port + QPointF(0, 200))  # into empty canvas
    assert list(doc.edges()) == [] and not scene.edges
    win.undo_stack.undo()
    assert dumps(doc) == connected and len(scene.edges) == 1
    assert scene.edges[next(iter(doc.edges()))].isVisible()


def test_drag_of_many_nodes_is_one_undo_step(qtbot, empty_window):
    win = empty_window
    editor, doc, view, scene = win.editor, win.doc, win.view, win.scene
    a = editor.add_node("leaf", QPointF(0, 0))
    b = editor.add_node("leaf", QPointF(0, 300))
    editor.select([a, b])
    before = {i: doc.node(i).position for i in (a, b)}
    steps = win.undo_stack.count()
    start = header(scene.nodes[a])
    drag(qtbot, view, start, start + QPointF(120, 40), steps=6)
    after = {i: doc.node(i).position for i in (a, b)}
    for i in (a, b):
        assert after[i][0] == pytest.approx(before[i][0] + 120, abs=2)
        assert after[i][1] == pytest.approx(before[i][1] + 40, abs=2)
    assert win.undo_stack.count() == steps + 1
    win.undo_stack.undo()
    assert {i: doc.node(i).position for i in (a, b)} == before
    assert scene.nodes[a].pos() == QPointF(*before[a])


def test_undo_during_a_wire_drag_leaves_a_drawable_canvas(qtbot, empty_window):
    from tests.gui.canvas.canvas_driver import LEFT, move

    win = empty_window
    editor, view, scene = win.editor, win.view, win.scene
    a = editor.add_node("leaf", QPointF(0, 0))
    start = view.mapFromScene(scene.nodes[a].output_port.scene_centre())
    qtbot.mousePress(view.viewport(), LEFT, pos=start)
    move(view, start + QPointF(80, 0).toPoint())
    win.undo_stack.undo()  # the node the wire starts from disappears
    move(view, start + QPointF(160, 0).toPoint())
    qtbot.mouseRelease(view.viewport(), LEFT, pos=start + QPointF(160, 0).toPoint())
    assert editor.wire is None and len(win.doc) == 0
    assert [i for i in scene.items()] == []
    view.grab()  # paints without error


def add_by_tab(qtbot, win, op: str) -> str:
    """Tab at the canvas, type the op's name, Enter: the new node's id."""
    before = set(win.doc.graph.nodes)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Tab)
    qtbot.keyClicks(win.editor.quick_add.search, op)
    qtbot.keyClick(win.editor.quick_add.search, Qt.Key.Key_Return)
    (new,) = set(win.doc.graph.nodes) - before
    assert win.doc.node(new).op == op
    return new


def set_value(qtbot, win, node_id: str, text: str) -> None:
    click(qtbot, win.view, header(win.scene.nodes[node_id]))
    field = win.inspector.fields["value"].editor
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def wire(qtbot, win, source: str, target: str, port: str) -> None:
    scene = win.scene
    drag(qtbot, win.view, scene.nodes[source].output_port.scene_centre(),
         scene.nodes[target].input_ports[port].scene_centre())


def test_build_example_1_scalar_loss_by_keyboard_and_mouse(qtbot, empty_window):
    win = empty_window
    x = add_by_tab(qtbot, win, "leaf")
    y = add_by_tab(qtbot, win, "mul")
    three = add_by_tab(qtbot, win, "constant")
    loss = add_by_tab(qtbot, win, "mul")
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_L)  # auto-layout keeps the ports apart
    win.view.fit_all()
    set_value(qtbot, win, x, "2.0")
    set_value(qtbot, win, three, "3")
    wire(qtbot, win, x, y, "input")
    wire(qtbot, win, x, y, "other")
    wire(qtbot, win, y, loss, "input")
    wire(qtbot, win, three, loss, "other")
    win.editor.select([loss])
    win.editor.actions["toggle_output"].trigger()
    assert win.doc.node(loss).is_output

    t = torch.tensor(2.0, requires_grad=True)
    ((t * t) * 3).backward()
    qtbot.waitUntil(lambda: win.bars_heights() == pytest.approx([t.grad.item()]),
                    timeout=30_000)
    assert t.grad.item() == 12.0


def test_wires_and_scene_follow_the_cards_while_they_are_dragged(qtbot, empty_window):
    from tests.gui.canvas.canvas_driver import LEFT, move, viewport_point

    win = empty_window
    editor, doc, view, scene = win.editor, win.doc, win.view, win.scene
    a = editor.add_node("leaf", QPointF(0, 0))
    b = editor.add_node("exp", QPointF(300, 0))
    c = editor.add_node("leaf", QPointF(0, 200))
    doc.add_edge(a, b, "input")
    editor.select([b, c])  # c is dragged along with b
    wire = scene.edges[next(iter(doc.edges()))]
    start = header(scene.nodes[b])
    b_before, c_before = doc.node(b).position, doc.node(c).position
    viewport = view.viewport()
    qtbot.mousePress(viewport, LEFT, pos=viewport_point(view, start))
    move(view, viewport_point(view, start + QPointF(60, 250)))
    # mid-drag: the document has not changed yet, the picture has
    assert doc.node(b).position == b_before
    assert scene.nodes[b].pos().y() == pytest.approx(b_before[1] + 250, abs=2)
    assert scene.nodes[c].pos().y() == pytest.approx(c_before[1] + 250, abs=2)
    port = scene.nodes[b].input_ports["input"].scene_centre()
    end = wire.path().pointAtPercent(1.0)
    assert (end.x(), end.y()) == pytest.approx((port.x(), port.y()), abs=0.5)
    assert scene.sceneRect().contains(scene.nodes[c].sceneBoundingRect())
    qtbot.mouseRelease(viewport, LEFT, pos=viewport_point(view, start + QPointF(60, 250)))
    assert doc.node(b).position[1] == pytest.approx(b_before[1] + 250, abs=2)


# A teacher builds a second derivative: x → x³ → Σ, the ∂ op from the palette's "gradients"
# group (output y, input x, seed 1), then Σ of it as the output. The chart shows
# d²(x³)/dx² = 6x, as torch computes it with create_graph=True.
def test_second_derivative_built_from_the_palette(qtbot, empty_window) -> None:
    win = empty_window
    editor, doc, stack = win.editor, win.doc, win.undo_stack
    palette = win.editing.palette
    entry = palette.item_for(GRAD_OP)
    assert entry.parent() is palette.groups["gradients"]
    assert "create_graph=True" in entry.toolTip(0)

    x = editor.add_node("leaf", QPointF(0, 0))
    three = editor.add_node("constant", QPointF(0, 200))
    cube = editor.add_node("pow", QPointF(250, 0))
    y = editor.add_node("sum", QPointF(500, 0))
    v = editor.add_node("constant", QPointF(500, 200))
    g = editor.add_node(GRAD_OP, QPointF(750, 0))
    o = editor.add_node("sum", QPointF(1000, 0))
    assert None not in (x, three, cube, y, v, g, o)
    for node_id, value in ((x, [2.0, -1.0]), (three, 3.0), (v, 1.0)):
        assert push(stack, UpdateNodeCommand(doc, node_id, "Set value", value=value)) is None
    for source, target, port in ((x, cube, "input"), (three, cube, "exponent"),
                                 (cube, y, "input"), (y, g, "output"), (x, g, "input"),
                                 (v, g, "seed"), (g, o, "input")):
        assert editor.connect_ports(source, target, port)
    editor.set_output(o, True)

    t = torch.tensor([2.0, -1.0], requires_grad=True)
    (first,) = torch.autograd.grad((t ** 3).sum(), t, create_graph=True)
    first.sum().backward()
    assert t.grad.tolist() == [12.0, -6.0]
    qtbot.waitUntil(lambda: win.bars_heights() == pytest.approx(t.grad.tolist()),
                    timeout=30_000)
