"""Pictures of the window, the canvas, the chart or the Jacobian lens: PNG at 1×, 2× or a
chosen width, vector SVG (pyqtgraph 0.14's SVGExporter is broken; see image_render.py), or the
clipboard. Each shows the whole view: the canvas its whole graph, the chart every label.

A PNG larger than the limit on a side (engine/limits.py) is scaled down to fit when no size
was asked for, with a one-line note; an asked-for size over the limit is refused, naming the
largest size possible."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, QSizeF
from PySide6.QtGui import QAction, QGuiApplication, QImage, QImageWriter, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMenu,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from engine.export_options import EXPORT_VIEWS
from engine.limits import IMAGE_SIDE
from gui.files.image_render import Target, render_image, source_rect, svg_document
from gui.wiring import ShowStatus

# the views the command line offers (engine/cli.py), with their names in the dialog
VIEWS = dict(zip(EXPORT_VIEWS, ("Whole window", "Canvas (whole graph)", "Input-gradient chart",
                                "Jacobian lens"), strict=True))
MAX_SIDE = IMAGE_SIDE.value


class ExportError(Exception):
    """Why a picture cannot be made. The message is for the user."""


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


def natural_size(target: Target) -> QSizeF:
    return source_rect(target).size()


@dataclass(frozen=True)
class Sizing:
    size: QSize
    note: str = ""  # set when the picture was scaled down to fit the limit


def plan_size(target: Target, scale: float | None = None, width: int | None = None,
              fit: bool | None = None) -> Sizing:
    """The PNG size for these options. `fit` (default: no size asked for) scales a picture
    over the limit down to fit; otherwise such a size is refused naming the largest one."""
    base = natural_size(target)
    if fit is None:
        fit = scale is None and width is None
    if width is not None:
        if width < 1:
            raise ExportError(f"the width must be at least 1 pixel, not {width}")
        factor = width / base.width()
    else:
        factor = 1.0 if scale is None else scale
        if not factor > 0:
            raise ExportError(f"the scale must be above 0, not {scale}")
    largest = MAX_SIDE / max(base.width(), base.height())  # the factor that just fits
    note = ""
    if factor > largest:
        w, h = round(base.width() * factor), round(base.height() * factor)
        if not fit:
            raise ExportError(
                f"{w}×{h} pixels is {IMAGE_SIDE.message()}; the largest possible is "
                f"--scale {int(largest * 100) / 100:g} (--width "
                f"{int(base.width() * largest)})")
        factor = largest
        note = (f"note: scaled to {factor:.3g}× ({round(base.width() * factor)}×"
                f"{round(base.height() * factor)} pixels) to stay within "
                f"{IMAGE_SIDE.value:,} {IMAGE_SIDE.name}")
    size = QSize(min(MAX_SIDE, round(base.width() * factor)),
                 min(MAX_SIDE, round(base.height() * factor)))
    return Sizing(size.expandedTo(QSize(1, 1)), note)


def output_size(target: Target, scale: float | None = None, width: int | None = None) -> QSize:
    return plan_size(target, scale, width).size


def image_of(target: Target, scale: float | None = None, width: int | None = None,
             fit: bool | None = None) -> QImage:
    sizing = plan_size(target, scale, width, fit)
    return render_image(target, sizing.size)


def write_svg(target: Target, path: Path, title: str = "Gradflow Studio") -> None:
    try:
        path.write_text(svg_document(target, title), encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def export_image(target: Target, path: str | Path, scale: float | None = None,
                 width: int | None = None, fit: bool | None = None) -> str:
    """Write PNG or SVG by the file's suffix; returns the note of a scaled-down picture ("" if
    none). Raises ExportError with a user message."""
    path = Path(path)
    suffix = path.suffix.lower()
    note = ""
    if suffix == ".svg":
        write_svg(target, path)
    elif suffix == ".png":
        sizing = plan_size(target, scale, width, fit)
        note = sizing.note
        # Qt picks PNG by the suffix (the stubs want a bytes format, the binding a str)
        image = render_image(target, sizing.size)
        if image.isNull():
            raise ExportError(f"a {sizing.size.width()}×{sizing.size.height()} image needs "
                              f"{sizing.size.width() * sizing.size.height() * 4 // 1_000_000} "
                              "MB of memory, which could not be had")
        writer = QImageWriter(str(path), b"png")
        if not writer.write(image):
            why = (f"the folder {path.parent} does not exist" if not path.parent.is_dir()
                   else f"{writer.errorString()} (a {image.width()}×{image.height()} PNG)")
            raise ExportError(f"cannot write {path}: {why}")
    else:
        raise ExportError(f"{path.name}: choose a .png or .svg file name")
    if not path.exists():
        raise ExportError(f"cannot write {path}")
    return note


def copy_image(target: Target, scale: float = 2.0) -> QImage:
    image = image_of(target, scale, fit=True)
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
        plan_size(target, scale, width, fit=width is None)  # refuse before asking a name
    except ExportError as exc:
        QMessageBox.warning(parent, "Export image", str(exc))
        return None
    name, _ = QFileDialog.getSaveFileName(parent, "Export image", f"{view}.png",
                                          "PNG image (*.png);;SVG image (*.svg)")
    if not name:
        return None
    try:
        # the 1× and 2× presets fit a big graph into the limit; a typed width is refused
        note = export_image(target, name, scale, width, fit=width is None)
    except ExportError as exc:
        QMessageBox.warning(parent, "Export image", str(exc))
        return None
    path = Path(name)
    status(f"Exported {path.name}" + (f" ({note.removeprefix('note: ')})" if note else ""),
           6000)
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
