"""Pictures of the window, the canvas, the chart or the Jacobian lens: PNG at 1×, 2× or a
chosen width, SVG through QSvgGenerator (pyqtgraph 0.14's SVGExporter is broken), or the
clipboard. The canvas exports the whole graph, not just the part scrolled into view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QImage,
    QImageWriter,
    QKeySequence,
    QPainter,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsScene,
    QMenu,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from gui.wiring import ShowStatus

VIEWS = {"window": "Whole window", "canvas": "Canvas (whole graph)",
         "chart": "Input-gradient chart", "jacobian": "Jacobian lens"}
MAX_SIDE = 16_000  # pixels: a bigger image is almost surely a typo and costs gigabytes
CANVAS_MARGIN = 30.0


class ExportError(Exception):
    """Why a picture cannot be made. The message is for the user."""


Target = QWidget | QGraphicsScene
# every exportable view by VIEWS key; absent ones (e.g. a lens not built into a window) are None
Targets = dict[str, Target | None]


def target_of(targets: Targets, name: str) -> Target:
    if name not in VIEWS:
        raise ExportError(f"unknown view {name!r}; choose one of {', '.join(VIEWS)}")
    target = targets.get(name)
    if target is None:
        raise ExportError(f"the {VIEWS[name]} is not part of this window, so it cannot be "
                          "exported")
    return target


def _source_rect(target: Target) -> QRectF:
    if isinstance(target, QGraphicsScene):
        rect = target.itemsBoundingRect()
        if rect.isEmpty():
            rect = QRectF(0, 0, 400, 300)
        return rect.adjusted(-CANVAS_MARGIN, -CANVAS_MARGIN, CANVAS_MARGIN, CANVAS_MARGIN)
    return QRectF(0, 0, max(target.width(), 1), max(target.height(), 1))


def natural_size(target: Target) -> QSizeF:
    return _source_rect(target).size()


def output_size(target: Target, scale: float | None = None, width: int | None = None) -> QSize:
    base = natural_size(target)
    if width is not None:
        if width < 1:
            raise ExportError(f"the width must be at least 1 pixel, not {width}")
        factor = width / base.width()
    else:
        factor = 1.0 if scale is None else scale
        if not factor > 0:
            raise ExportError(f"the scale must be above 0, not {scale}")
    size = QSize(round(base.width() * factor), round(base.height() * factor))
    if max(size.width(), size.height()) > MAX_SIDE:
        raise ExportError(f"{size.width()}×{size.height()} pixels is over the limit of "
                          f"{MAX_SIDE} on a side")
    return size.expandedTo(QSize(1, 1))


def image_megabytes(size: QSize) -> int:
    return size.width() * size.height() * 4 // 1_000_000


def paint(target: Target, painter: QPainter, size: QSizeF) -> None:
    """Draw the target filling `size` (device units) on an already active painter."""
    source = _source_rect(target)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    if isinstance(target, QGraphicsScene):
        target.render(painter, QRectF(0, 0, size.width(), size.height()), source,
                      Qt.AspectRatioMode.IgnoreAspectRatio)
        return
    painter.scale(size.width() / source.width(), size.height() / source.height())
    # QWidget.render explicitly: a QGraphicsView (the chart) overrides render() with another
    # meaning (its scene only), and the window must be drawn with all its children
    QWidget.render(target, painter, QPoint(0, 0))


def render_image(target: Target, scale: float | None = None,
                 width: int | None = None) -> QImage:
    size = output_size(target, scale, width)
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    if image.isNull():
        raise ExportError(f"a {size.width()}×{size.height()} image needs "
                          f"{image_megabytes(size)} MB of memory, which could not be had")
    image.fill(QGuiApplication.palette().window().color())
    painter = QPainter(image)
    try:
        paint(target, painter, QSizeF(size))
    finally:
        painter.end()
    return image


def write_svg(target: Target, path: Path, title: str = "Gradflow Studio") -> None:
    size = natural_size(target).toSize()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    # the screen's 96 dpi, not QSvgGenerator's default 90: text then keeps its on-screen size
    generator.setResolution(96)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError(f"cannot write {path}")
    try:
        paint(target, painter, QSizeF(size))
    finally:
        painter.end()


def export_image(target: Target, path: str | Path, scale: float | None = None,
                 width: int | None = None) -> Path:
    """Write PNG or SVG by the file's suffix. Raises ExportError with a user message."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        write_svg(target, path)
    elif suffix == ".png":
        # Qt picks PNG by the suffix (the stubs want a bytes format, the binding a str)
        image = render_image(target, scale, width)
        writer = QImageWriter(str(path), b"png")
        if not writer.write(image):
            why = (f"the folder {path.parent} does not exist" if not path.parent.is_dir()
                   else f"{writer.errorString()} (a {image.width()}×{image.height()} PNG)")
            raise ExportError(f"cannot write {path}: {why}")
    else:
        raise ExportError(f"{path.name}: choose a .png or .svg file name")
    if not path.exists():
        raise ExportError(f"cannot write {path}")
    return path


def copy_image(target: Target, scale: float = 2.0) -> QImage:
    image = render_image(target, scale)
    QGuiApplication.clipboard().setImage(image)
    return image


# ---- the dialog --------------------------------------------------------------------------
class ExportDialog(QDialog):
    """Which view and how big; the file name (and so PNG or SVG) is asked next."""

    def __init__(self, parent: QWidget, available: Targets,
                 default_view: str = "canvas") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export image")
        self.view = QComboBox()
        for key, label in VIEWS.items():
            self.view.addItem(label if available.get(key) is not None else f"{label} (absent)", key)
        self.view.setCurrentIndex(list(VIEWS).index(default_view))
        self.size_choice = QComboBox()
        self.size_choice.addItem("1× (screen size)", 1.0)
        self.size_choice.addItem("2× (sharp on slides)", 2.0)
        self.size_choice.addItem("Width in pixels…", None)
        self.size_choice.setCurrentIndex(1)
        self.width_box = QSpinBox()
        self.width_box.setRange(16, MAX_SIDE)
        self.width_box.setValue(1920)
        self.width_box.setSuffix(" px")
        self.width_box.setEnabled(False)
        self.size_choice.currentIndexChanged.connect(
            lambda _i: self.width_box.setEnabled(self.size_choice.currentData() is None))
        form = QFormLayout(self)
        form.addRow("View:", self.view)
        form.addRow("PNG size:", self.size_choice)
        form.addRow("Width:", self.width_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, float | None, int | None]:
        scale = self.size_choice.currentData()
        return (self.view.currentData(), scale,
                None if scale is not None else self.width_box.value())

    @staticmethod
    def ask(parent: QWidget, available: Targets) -> tuple[str, float | None, int | None] | None:
        dialog = ExportDialog(parent, available)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def export_interactive(parent: QWidget, targets: Targets, status: ShowStatus) -> Path | None:
    choice = ExportDialog.ask(parent, targets)
    if choice is None:
        return None
    view, scale, width = choice
    try:
        target = target_of(targets, view)
        output_size(target, scale, width)  # refuse a bad size before asking for a name
    except ExportError as exc:
        QMessageBox.warning(parent, "Export image", str(exc))
        return None
    name, _ = QFileDialog.getSaveFileName(parent, "Export image", f"{view}.png",
                                          "PNG image (*.png);;SVG image (*.svg)")
    if not name:
        return None
    try:
        path = export_image(target, name, scale, width)
    except ExportError as exc:
        QMessageBox.warning(parent, "Export image", str(exc))
        return None
    status(f"Exported {path.name}", 6000)
    return path


def copy_interactive(parent: QWidget, targets: Targets, status: ShowStatus,
                     view: str = "canvas") -> bool:
    try:
        copy_image(target_of(targets, view))
    except ExportError as exc:
        QMessageBox.warning(parent, "Copy image", str(exc))
        return False
    status(f"Copied the {VIEWS[view].lower()} as an image", 4000)
    return True


def add_export_actions(parent: QWidget, targets: Callable[[], Targets], status: ShowStatus,
                       menu: QMenu, before: QAction) -> list[QAction]:
    """"Export image…" and "Copy image" in `menu`; `targets` is asked at the moment of use."""
    export = QAction("&Export image…", parent)
    export.setShortcut(QKeySequence("Ctrl+E"))
    export.setStatusTip("Save the window, canvas, chart or Jacobian lens as PNG or SVG")
    export.triggered.connect(lambda _c=False: export_interactive(parent, targets(), status))
    copy_menu = QMenu("&Copy image", parent)
    for key, label in VIEWS.items():
        action = QAction(label, parent)
        action.triggered.connect(
            lambda _c=False, key=key: copy_interactive(parent, targets(), status, key))
        copy_menu.addAction(action)
    copy_menu.actions()[1].setShortcut(QKeySequence("Ctrl+Shift+C"))
    menu.insertAction(before, export)
    menu.insertMenu(before, copy_menu)
    return [export, copy_menu.menuAction()]
