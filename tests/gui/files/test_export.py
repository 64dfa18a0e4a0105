"""Pictures: PNG of the requested size that is not blank, SVG that Qt can load, for every
view, from the command line and from the app."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.examples import example_path
from gui.app import main
from gui.files import image_export as export

EXAMPLE = str(example_path("tour_07_linear_layer"))


def export_main(argv: list[str]) -> int:
    """`gradflow export ARGV` through the entry point: the window built offscreen."""
    return main(["export", *argv])


def distinct_colours(image: QImage, step: int = 7) -> int:
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


@pytest.mark.parametrize("view", ["window", "canvas", "chart"])
def test_cli_png_of_requested_width_and_svg_for_every_view(qtbot, tmp_path, view):
    png, svg = tmp_path / f"{view}.png", tmp_path / f"{view}.svg"
    assert export_main([EXAMPLE, "-o", str(png), "--view", view, "--width", "640"]) == 0
    image = QImage(str(png))
    assert image.width() == 640 and image.height() > 100
    assert distinct_colours(image) > 8  # drawn content, not one flat colour
    assert export_main([EXAMPLE, "-o", str(svg), "--view", view]) == 0
    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid() and renderer.defaultSize().width() > 100


def test_cli_scale_doubles_the_natural_size(qtbot, tmp_path):
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    assert export_main([EXAMPLE, "-o", str(one), "--view", "canvas"]) == 0
    assert export_main([EXAMPLE, "-o", str(two), "--view", "canvas", "--scale", "2"]) == 0
    a, b = QImage(str(one)), QImage(str(two))
    assert (b.width(), b.height()) == (2 * a.width(), 2 * a.height())


def test_cli_exports_the_jacobian_lens(qtbot, tmp_path):
    out = tmp_path / "lens.png"
    assert export_main([EXAMPLE, "-o", str(out), "--view", "jacobian", "--width", "500"]) == 0
    image = QImage(str(out))
    assert image.width() == 500
    assert len({image.pixel(x, y) for x in range(0, 500, 7)
                for y in range(0, image.height(), 7)}) > 3  # not blank


@pytest.mark.parametrize("argv, message", [
    (["missing.json", "-o", "x.png"], "cannot read"),
    ([EXAMPLE, "-o", "x.bmp"], "must end in .png, .svg, .html, .gif, .mp4, .webm"),
    ([EXAMPLE, "-o", "x.png", "--gradient", "y=[1, 2, 3"], "--gradient"),
    ([EXAMPLE, "-o", "x.png", "--gradient", "nope=[1, 2]"], "is not an output"),
    ([EXAMPLE, "-o", "x.png", "--width", "99999"], "the largest possible is --scale"),
    ([EXAMPLE, "-o", "x.png", "--scale", "0"], "the scale must be above 0"),
    ([EXAMPLE, "--step", "2", "-o", "x.svg"], "--step K needs -o OUT.png"),
    ([EXAMPLE, "--gif", "x.png"], "must end in .gif"),
    ([EXAMPLE, "--view", "chart"], "say what to write"),
])
def test_cli_bad_input_exits_2_with_one_message(qtbot, tmp_path, capsys, monkeypatch,
                                                 argv, message):
    monkeypatch.chdir(tmp_path)
    assert export_main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_cli_applies_gradient_and_reports_torch_errors(qtbot, tmp_path, capsys):
    out = tmp_path / "chart.png"
    assert export_main([EXAMPLE, "-o", str(out), "--view", "chart",
                        "--gradient", "y=[0, 3]"]) == 0
    # a seed of the wrong shape: torch refuses, the picture still shows it, exit 1
    assert export_main([EXAMPLE, "-o", str(out), "--gradient", "[1, 2, 3]"]) == 1
    assert "Mismatch in shape" in capsys.readouterr().err
    assert out.exists()


def test_cli_chart_shows_the_given_gradient(qtbot, tmp_path, monkeypatch):
    """The run the picture shows is the one with --gradient applied (checked on the chart)."""
    from gui.main_window import MainWindow

    seen = []
    original = MainWindow.show_run

    def spy(self, run):
        original(self, run)
        seen.append(self.bars_heights())

    monkeypatch.setattr(MainWindow, "show_run", spy)
    assert export_main([EXAMPLE, "-o", str(tmp_path / "c.png"), "--view", "chart",
                        "--gradient", "y=[0, 3]"]) == 0
    # v = [0, 3]: W.grad = v xᵀ = [[0, 0, 0], [3, 6, 9]], b.grad = v
    assert seen[-1] == pytest.approx([0, 0, 0, 3, 6, 9, 0, 3])


def test_app_export_dialog_flow_and_clipboard(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(export.ExportDialog, "ask", staticmethod(lambda *a: ("chart", 2.0, None)))
    target = tmp_path / "from_app.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert export.export_interactive(window, window.export_targets(), window.show_status) == target
    natural = export.natural_size(window.chart).width()
    assert QImage(str(target)).width() == round(2 * natural)
    assert natural > window.chart.width()  # the chart's whole drawing, with a margin
    assert export.copy_interactive(window, window.export_targets(), window.show_status,
                                   "canvas")
    assert not QGuiApplication.clipboard().image().isNull()


def test_app_export_of_an_absent_view_says_so(qtbot, window, monkeypatch):
    monkeypatch.setattr(window, "jacobian", None, raising=False)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    monkeypatch.setattr(export.ExportDialog, "ask",
                        staticmethod(lambda *a: ("jacobian", 1.0, None)))
    assert export.export_interactive(window, window.export_targets(), window.show_status) is None
    assert shown == ["the Jacobian lens is not part of this window, so it cannot be exported"]


def test_export_dialog_reports_its_choice(qtbot, window):
    dialog = export.ExportDialog(window, window.export_targets())
    qtbot.addWidget(dialog)
    assert dialog.choice() == ("canvas", 2.0, None)
    dialog.size_choice.setCurrentIndex(2)
    dialog.width_box.setValue(800)
    assert dialog.choice() == ("canvas", None, 800) and dialog.width_box.isEnabled()
