"""The first-start window at a laptop and a desktop size, for every example: the canvas has
room, its text is readable at the default view, no widget cuts its own text, no wire runs
under a card, and starting the replay leaves the view where it was."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QScrollBar

from engine.examples import list_examples
from engine.fileformat import load
from gui.canvas.items import NODE_WIDTH, PORT_LABEL_WIDTH
from gui.canvas.view import CARD_TEXT_PX, PORT_LABEL_PX
from gui.launch import open_offscreen
from gui.replay.tag_spots import BLOCKED, cost
from tests.gui.readability import canvas_text_px, clipped_texts

SIZES = [(1366, 768), (1920, 1080)]
EXAMPLES = list_examples()


@pytest.fixture(params=[(i, s) for i in EXAMPLES for s in SIZES],
                ids=[f"{i.path.stem}-{w}x{h}" for i in EXAMPLES for w, h in SIZES])
def first_start(request, qapp):
    info, size = request.param
    window = open_offscreen(load(info.path), size)
    assert window.runner.last is not None, "the first run did not finish"
    yield window
    window.discard_quietly()


def test_canvas_has_half_the_window_and_readable_text(first_start):
    window = first_start
    area = window.width() * window.height()
    # the canvas region: the view with its scroll bars, and above it the error banner when
    # torch raised (torch's whole message: the hint to fix it is often its last sentence)
    canvas = window.centralWidget()
    assert canvas.width() * canvas.height() >= area / 2
    assert window.view.height() >= 0.4 * window.height()
    card, port = canvas_text_px(window)
    assert card >= CARD_TEXT_PX and port >= PORT_LABEL_PX
    # after F (fit all) too
    window.view.fit_all()
    card, port = canvas_text_px(window)
    assert card >= CARD_TEXT_PX and port >= PORT_LABEL_PX


def test_the_learning_panels_are_on_screen_and_nothing_is_clipped(first_start):
    window = first_start
    for widget in (window.seed_form, window.chart, window.backward_replay.controls):
        # a panel behind another tab is hidden; a squeezed one has no room to show anything
        assert widget.isVisible() and widget.width() >= 300 and widget.height() >= 90
    form = window.seed_form
    assert form.widget().width() <= form.viewport().width()  # no text runs off its right edge
    assert clipped_texts(window) == []


def test_no_card_covers_another(first_start):
    from tests.gui.canvas.test_cards_apart import overlapping_cards

    assert overlapping_cards(first_start) == []


def _wire_points(item, samples=60):
    path = item.path()
    return [path.pointAtPercent(k / samples) for k in range(samples + 1)]


def test_no_wire_runs_under_a_card(first_start):
    scene = first_start.scene
    for edge, item in scene.edges.items():
        for node_id, node in scene.nodes.items():
            if node_id in (edge.source, edge.target):
                continue
            card = node.mapRectToScene(QRectF(-PORT_LABEL_WIDTH, 0,
                                              NODE_WIDTH + PORT_LABEL_WIDTH, node.height()))
            crossing = [p for p in _wire_points(item) if card.contains(p)]
            assert not crossing, f"{edge} passes under {node.node.name} at {crossing[0]}"


def _scrollbars(view) -> tuple[bool, bool]:
    bars: list[QScrollBar] = [view.horizontalScrollBar(), view.verticalScrollBar()]
    return bars[0].isVisible(), bars[1].isVisible()


def test_replay_keeps_the_view_and_hides_no_wire_port_or_port_name(first_start, qapp):
    window = first_start
    view, animator, overlay = window.view, window.replay, window.replay.overlay
    before = (view.transform(), _scrollbars(view), view.mapToScene(view.viewport().rect()
                                                                    .center()))
    assert animator.steps() > 0 or window.runner.last.error is not None
    for step in range(animator.steps() + 1):
        animator.go_to(step)
        qapp.processEvents()
        assert (view.transform(), _scrollbars(view),
                view.mapToScene(view.viewport().rect().center())) == before
        shown = [t for t in (*overlay.labels.values(), *overlay.sums.values(), *overlay.seeds)
                 if t.isVisible()]
        labels = set(shown)
        for tag in shown:
            rect = tag.sceneBoundingRect().adjusted(1, 1, -1, -1)
            assert cost(window.scene, rect, labels - {tag}) < BLOCKED, (
                f"step {step}: {tag.text!r} covers a wire, a port, a port name or a label")
            visible = view.mapToScene(view.viewport().rect()).boundingRect()
            card = tag.parentItem().sceneBoundingRect() if tag in overlay.seeds else None
            if card is not None and visible.contains(card):  # its output is on screen: so is it
                assert visible.contains(rect), f"the seed label {tag.text!r} is cut by the view"


def test_a_tag_on_a_wire_would_be_caught(first_start):
    """The check above can fail: a label put on a wire's middle is blocked."""
    scene = first_start.scene
    assert scene.edges  # every shipped example has a wire
    item = next(iter(scene.edges.values()))
    middle = item.path().pointAtPercent(0.5)
    assert cost(scene, QRectF(middle - QPointF(20, 8), middle + QPointF(20, 8)),
                set()) >= BLOCKED


def _tab_rows(window) -> list[tuple[str, ...]]:
    from PySide6.QtWidgets import QTabBar

    return [tuple(bar.tabText(i) for i in range(bar.count()))
            for bar in window.findChildren(QTabBar) if bar.isVisible() and bar.count()]


def test_a_saved_layout_comes_back_once_and_an_earlier_versions_gives_way(qtbot):
    from PySide6.QtCore import QSettings

    from gui.files.settings import save_window_state
    from gui.main_window import MainWindow

    def start() -> MainWindow:
        window = MainWindow(load(EXAMPLES[0].path), restore_layout=True)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    first = start()
    assert not first.layout_restored  # nothing saved yet: the first-start layout
    first.chart_dock.hide()
    save_window_state(first)
    second = start()
    assert second.layout_restored and second.chart_dock.isHidden()
    rows = _tab_rows(second)
    assert rows and len(rows) == len(set(rows))  # each tab group drawn once, no ghost bars
    QSettings().setValue("window/state", first.saveState())  # what version 1 stored
    third = start()
    assert not third.layout_restored
    assert not third.chart_dock.isHidden()  # the old layout's choice was not applied
    for window in (first, second, third):
        window.discard_quietly()


@pytest.mark.parametrize("saved", [False, True], ids=["first-start", "saved-layout"])
def test_the_apps_own_start_shows_the_learning_panels(qtbot, saved):
    """The app paints the canvas first and builds its docks after that paint
    (gui/launch.py): docks added to a window already on screen must still come up, in the
    first-start layout and in a saved one."""
    from gui.files.settings import save_window_state
    from gui.launch import finish_start
    from gui.main_window import MainWindow

    if saved:
        earlier = MainWindow(load(EXAMPLES[0].path), restore_layout=True)
        qtbot.addWidget(earlier)
        earlier.show()
        qtbot.waitExposed(earlier)
        save_window_state(earlier)
        earlier.discard_quietly()
    window = MainWindow(load(EXAMPLES[0].path), panels=False, restore_layout=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    finish_start(window, None, None)
    qtbot.waitUntil(lambda: window.runner.last is not None, timeout=60_000)
    assert window.layout_restored == saved
    for dock in (window.seed_dock, window.chart_dock, window.backward_replay.dock):
        assert dock.isVisible(), dock.windowTitle()
        assert dock.width() > 200 and dock.height() > 100, dock.windowTitle()
    assert not window.code_dock.isVisible()  # on demand: View → Code
    assert not window.backward_replay.autograd_dock.isVisible()
    window.discard_quietly()
