"""Colours and sizes shared by the views. Okabe–Ito hues read for colour-blind users and on
dark and light backgrounds alike."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

BLUE = "#0072B2"  # leaves; positive gradients
ORANGE = "#E69F00"  # negative gradients
VERMILLION = "#D55E00"  # errors
GREEN = "#009E73"  # ops
PURPLE = "#CC79A7"  # outputs / seeds
GREY = "#8C8C8C"  # constants, no gradient
SKY = "#56B4E9"  # gradient text on dark backgrounds
# gradient text on light backgrounds: vermillion darkened to 5.6:1 contrast on white (the
# hue itself is 3.9:1, under the 4.5:1 small text needs)
GRAD_TEXT = "#A64A00"

POSITIVE = BLUE
NEGATIVE = ORANGE

MIN_TEXT_PX = 10  # no label is drawn smaller: below this a learner cannot read it

KIND_COLOURS = {"leaf": BLUE, "constant": GREY, "op": GREEN, "output": PURPLE}


def is_dark() -> bool:
    app = QApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def text_colour() -> QColor:
    return QColor("#EEEEEE") if is_dark() else QColor("#1A1A1A")


def grad_colour() -> QColor:
    """The second colour for gradients next to values."""
    return QColor(SKY) if is_dark() else QColor(GRAD_TEXT)


def canvas_background() -> QColor:
    return QColor("#26282B") if is_dark() else QColor("#FAFAF7")


def node_fill() -> QColor:
    return QColor("#34373B") if is_dark() else QColor("#FFFFFF")
