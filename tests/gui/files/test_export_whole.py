"""Exports that go straight into slides: every picture holds the whole view (nothing cut at
a border, at every size), SVG is vector with the text a learner reads as <text>, the window
SVG clips each widget, and a huge graph still gives a picture within the size limit."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtGui import QColor, QGuiApplication, QImage

from engine.examples import example_path
from engine.fileformat import save
from engine.format import preview
from engine.limits import IMAGE_SIDE
from gui import style
from gui.app import main
from gui.files import image_export as export
from gui.files.image_render import background, source_rect

ROOT = Path(__file__).resolve().parents[3]
SVG = "{http://www.w3.org/2000/svg}"
TOUR_07 = str(example_path("tour_07_linear_layer"))
SEED_3 = str(example_path("seed_3_tensor_loss_with_gradient"))


def rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return raw[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def assert_edges_are(image: QImage, colour: QColor) -> None:
    """The outermost row and column on all four sides are the background: nothing drawn
    reaches the border, so nothing was cut there."""
    a = rgb(image).astype(int)
    want = np.array([colour.red(), colour.green(), colour.blue()])
    for name, edge in (("top", a[0]), ("bottom", a[-1]), ("left", a[:, 0]),
                       ("right", a[:, -1])):
        worst = int(np.abs(edge - want).max())
        assert worst <= 2, f"{name} edge has drawn pixels (off by {worst})"
    assert len(np.unique(a.reshape(-1, 3), axis=0)) > 8  # and the middle is not blank


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert not list(root.iter(f"{SVG}image")) or path.stem == "window"
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("view", ["window", "canvas", "chart", "jacobian"])
@pytest.mark.parametrize("size", [[], ["--scale", "2"], ["--width", "700"]])
def test_png_of_every_view_holds_the_whole_view(qtbot, tmp_path, view, size):
    out = tmp_path / f"{view}.png"
    assert main(["export", TOUR_07, "-o", str(out), "--view", view, *size]) == 0
    image = QImage(str(out))
    if size == ["--width", "700"]:
        assert image.width() == 700
    if view == "canvas":
        assert_edges_are(image, style.canvas_background())
    else:
        assert_edges_are(image, QGuiApplication.palette().window().color())


def test_every_chart_item_is_inside_the_export_even_in_a_narrow_dock(qtbot, window):
    """A dock narrower than the chart's title lays the plot out wider than the view: the
    screen crops the title and the last bar; the export must not."""
    chart = window.chart
    chart.setFixedSize(240, 180)
    qtbot.waitUntil(lambda: chart.width() == 240)
    chart.grab()  # pyqtgraph lays its axes out while painting
    scene_items = [i for i in chart.scene().items() if i.isVisible()
                   and not i.sceneBoundingRect().isEmpty()]
    shown = chart.mapToScene(chart.viewport().rect()).boundingRect()
    assert any(not shown.contains(i.sceneBoundingRect()) for i in scene_items), \
        "the set-up must reproduce a chart wider than its view"
    rect = source_rect(chart)
    outside = [type(i).__name__ for i in scene_items if not rect.contains(i.sceneBoundingRect())]
    assert outside == []
    image = export.image_of(chart, 2.0)
    assert_edges_are(image, background(chart))


def test_canvas_and_chart_svg_are_vector_with_the_numbers_as_text(qtbot, tmp_path):
    canvas, chart = tmp_path / "canvas.svg", tmp_path / "chart.svg"
    assert main(["export", TOUR_07, "-o", str(canvas), "--view", "canvas"]) == 0
    assert main(["export", TOUR_07, "-o", str(chart), "--view", "chart"]) == 0
    # independently: y = W x + b with v = [1, -2] (the example's seed), in plain torch
    W = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], requires_grad=True)
    b = torch.tensor([0.1, -0.2], requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    y = W @ x + b
    y.backward(gradient=torch.tensor([1.0, -2.0]))
    texts = svg_texts(canvas)
    assert "W" in texts and "y  (output)" in texts
    assert f"= {preview(y.detach())}" in texts
    read = " ".join(texts)  # a long value wraps after "],": its rows are text lines in order
    assert f".grad {preview(W.grad)}" in read and f".grad {preview(b.grad)}" in texts
    assert not list(ET.parse(canvas).getroot().iter(f"{SVG}image"))  # no bitmap cards
    chart_texts = svg_texts(chart)
    assert any(t.endswith("(dashed: v = ones)") for t in chart_texts)  # the whole title
    for tick in ("0,0", "1,2", "W", "b", "-5", "0"):  # x ticks (the last one too) and y ticks
        assert tick in chart_texts
    bar_values = {f"{v:g}".replace("-", "−") for v in [*W.grad.flatten().tolist(),
                                                       *b.grad.tolist()]}
    assert bar_values <= set(chart_texts)  # every bar's value label, the rightmost too
    assert 'font-family="Sans Serif"' not in canvas.read_text()  # a family browsers know
    # Qt places SVG 1.1 clip paths wrongly under a painter transform (grid and axis lines
    # vanished): scenes are written without clipping, the SVG viewport is the only clip
    assert "clip-path" not in chart.read_text() and "clip-path" not in canvas.read_text()


def test_window_svg_clips_each_widget_and_keeps_the_menu(qtbot, tmp_path):
    out = tmp_path / "window.svg"
    assert main(["export", TOUR_07, "-o", str(out), "--view", "window"]) == 0
    root = ET.parse(out).getroot()
    nested = [e for e in root.iter(f"{SVG}svg") if e is not root]
    assert len(nested) > 50 and all(e.get("overflow") == "hidden" for e in nested)
    texts = svg_texts(out)
    joined = "".join(texts)  # Qt writes a menu's mnemonic letter as its own <text>
    for word in ("FileEditView", "Jacobian lens", "Backward replay", "Input gradients"):
        assert word in joined
    from PySide6.QtSvg import QSvgRenderer

    assert QSvgRenderer(str(out)).isValid()


def test_a_1000_node_graph_exports_within_the_limit_and_says_so(tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    from graphs import dag_document

    big = tmp_path / "big.json"
    save(dag_document(1000, 2, layout=True), big)
    out = tmp_path / "big.png"
    done = subprocess.run([sys.executable, "-m", "gui.app", "export", str(big), "--view",
                           "canvas", "-o", str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no Qt noise on a successful export
    notes = [line for line in done.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and f"{IMAGE_SIDE.value:,} {IMAGE_SIDE.name}" in notes[0]
    image = QImage(str(out))
    assert 0 < max(image.width(), image.height()) <= IMAGE_SIDE.value
    # a size asked for beyond the limit is refused, naming the largest possible
    done = subprocess.run([sys.executable, "-m", "gui.app", "export", str(big), "--view",
                           "canvas", "-o", str(out), "--scale", "2"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 2 and "the largest possible is --scale" in done.stderr


def test_a_successful_headless_export_prints_nothing_on_stderr(tmp_path):
    out = tmp_path / "seed3.png"
    done = subprocess.run([sys.executable, "-m", "gui.app", "export", SEED_3, "-o", str(out),
                           "--view", "canvas", "--scale", "2"], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.strip() == f"wrote {out}"
    assert QImage(str(out)).width() > 300
