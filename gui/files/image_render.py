"""Drawing a view for export: the whole of it, sharp at any size.

- The canvas (a scene) is drawn from all its items plus a margin, with item caching switched
  off while drawing: a cached card is a bitmap of screen resolution, blurred in a 2× PNG and
  embedded as a 1× `<image>` in an SVG.
- The chart (a QGraphicsView) is drawn from its scene, over the union of what the screen shows
  and every item: a dock narrower than the chart's title lays the plot out wider than the view,
  which the screen crops on the right, and the x tick labels reach below the view.
- A widget (the window, the lens) is drawn with its children; as SVG each widget becomes a
  nested `<svg>` viewport at its place, so it is clipped to its own rectangle as on screen
  (Qt's SVG Tiny writer drops clipping: text ran over tabs, borders leaked into neighbours).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QFont, QFontInfo, QGuiApplication, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QWidget

CANVAS_MARGIN = 30.0
WIDGET_MARGIN = 8.0  # window, lens and chart: a band of background so nothing touches the edge
SVG_DPI = 96  # the screen's, not QSvgGenerator's default 90: text keeps its on-screen size

Target = QWidget | QGraphicsScene

_HINTS = (QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
          | QPainter.RenderHint.SmoothPixmapTransform)


def source_rect(target: Target) -> QRectF:
    """What the export shows, in the target's own coordinates (scene or widget)."""
    if isinstance(target, QGraphicsScene):
        rect = target.itemsBoundingRect()
        if rect.isEmpty():
            rect = QRectF(0, 0, 400, 300)
        return rect.adjusted(-CANVAS_MARGIN, -CANVAS_MARGIN, CANVAS_MARGIN, CANVAS_MARGIN)
    m = WIDGET_MARGIN
    if isinstance(target, QGraphicsView) and target.scene() is not None:
        return _view_contents(target).adjusted(-m, -m, m, m)
    return QRectF(-m, -m, max(target.width(), 1) + 2 * m, max(target.height(), 1) + 2 * m)


def _view_contents(view: QGraphicsView) -> QRectF:
    """The scene area the view shows, grown to every item (bounded: a stray huge item must
    not turn the chart into a speck)."""
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    items = view.scene().itemsBoundingRect()
    grown = shown.united(items)
    dx, dy = max(shown.width(), 400.0), max(shown.height(), 400.0)  # a title's width
    bound = shown.adjusted(-dx, -dy, dx, dy)
    return grown.intersected(bound)


def background(target: Target) -> QColor:
    if isinstance(target, QGraphicsScene):
        return target.backgroundBrush().color()
    return QGuiApplication.palette().window().color()


@contextmanager
def uncached(scenes: list[QGraphicsScene]) -> Iterator[None]:
    """Item caches off while drawing, so cards are drawn as shapes and text."""
    saved: list[tuple[QGraphicsItem, QGraphicsItem.CacheMode]] = []
    for scene in scenes:
        for item in scene.items():
            if item.cacheMode() != QGraphicsItem.CacheMode.NoCache:
                saved.append((item, item.cacheMode()))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in saved:
            item.setCacheMode(mode)


def _scenes_in(target: Target) -> list[QGraphicsScene]:
    if isinstance(target, QGraphicsScene):
        return [target]
    views = ([target] if isinstance(target, QGraphicsView) else []) + \
        target.findChildren(QGraphicsView)
    return [s for s in (v.scene() for v in views) if s is not None]


def paint(target: Target, painter: QPainter, size: QSizeF) -> None:
    """Draw the whole target filling `size` (device units) on an active painter."""
    source = source_rect(target)
    painter.setRenderHints(_HINTS)
    painter.fillRect(QRectF(0, 0, size.width(), size.height()), background(target))
    with uncached(_scenes_in(target)):
        if isinstance(target, QGraphicsScene):
            target.render(painter, QRectF(0, 0, size.width(), size.height()), source)
            return
        painter.scale(size.width() / source.width(), size.height() / source.height())
        painter.translate(-source.topLeft())
        if isinstance(target, QGraphicsView) and target.scene() is not None:
            contents = source.adjusted(WIDGET_MARGIN, WIDGET_MARGIN,
                                       -WIDGET_MARGIN, -WIDGET_MARGIN)
            target.scene().render(painter, contents, contents)
            return
        # QWidget.render explicitly: QGraphicsView overrides render() with another meaning
        QWidget.render(target, painter, QPoint(0, 0))


def render_image(target: Target, size: QSize, transparent: bool = False) -> QImage:
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    try:
        if transparent and isinstance(target, QGraphicsView) and target.scene() is not None:
            source = source_rect(target)
            painter.setRenderHints(_HINTS)
            with uncached(_scenes_in(target)):
                target.scene().render(painter, QRectF(0, 0, size.width(), size.height()),
                                      source)
        else:
            paint(target, painter, QSizeF(size))
    finally:
        painter.end()
    return image


# ---- SVG ----------------------------------------------------------------------------------
def svg_document(target: Target, title: str) -> str:
    """The target as one SVG document at its natural size (vector: text stays text)."""
    source = source_rect(target)
    size = source.size().toSize()
    if isinstance(target, QWidget) and not isinstance(target, QGraphicsView):
        colour = background(target).name()
        with uncached(_scenes_in(target)):
            body = _widget_svg(target, [0])
        m = WIDGET_MARGIN
        inner = (f'<rect x="0" y="0" width="{size.width()}" height="{size.height()}" '
                 f'fill="{colour}"/><svg x="{m:g}" y="{m:g}" width="{target.width()}" '
                 f'height="{target.height()}" overflow="hidden">{body}</svg>')
    else:
        inner = _fragment(lambda p: paint(target, p, QSizeF(size)), size, "c")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<svg width="{size.width()}" height="{size.height()}" '
            f'viewBox="0 0 {size.width()} {size.height()}" xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1">\n'
            f'<title>{_escape(title)}</title>\n{inner}\n</svg>\n')


def _widget_svg(widget: QWidget, counter: list[int]) -> str:
    """This widget's own drawing, then each visible child as a nested, clipping viewport."""
    counter[0] += 1
    size = QSize(max(widget.width(), 1), max(widget.height(), 1))
    prefix = f"w{counter[0]}_"
    flags = QWidget.RenderFlag.DrawWindowBackground
    parts = [_fragment(lambda p: QWidget.render(widget, p, QPoint(0, 0), QRegion(), flags),
                       size, prefix, clips=True)]
    if isinstance(widget, QGraphicsView) and widget.scene() is not None:
        viewport = widget.viewport()
        at = viewport.geometry()
        shown = widget.mapToScene(viewport.rect()).boundingRect()
        vsize = QSize(max(at.width(), 1), max(at.height(), 1))
        scene = widget.scene()

        def draw(p: QPainter) -> None:
            p.setRenderHints(_HINTS)
            p.fillRect(QRectF(0, 0, vsize.width(), vsize.height()), widget.backgroundBrush())
            scene.render(p, QRectF(0, 0, vsize.width(), vsize.height()), shown)

        parts.append(_nested(at.x(), at.y(), vsize, _fragment(draw, vsize, prefix + "v")))
        skip: QWidget | None = viewport
    else:
        skip = None
    for child in widget.children():
        if (not isinstance(child, QWidget) or child is skip or child.isWindow()
                or not child.isVisible()):
            continue
        g = child.geometry()
        parts.append(_nested(g.x(), g.y(), g.size(), _widget_svg(child, counter)))
    return "".join(parts)


def _nested(x: int, y: int, size: QSize, body: str) -> str:
    return (f'<svg x="{x}" y="{y}" width="{size.width()}" height="{size.height()}" '
            f'overflow="hidden">{body}</svg>')


_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')


def _fragment(draw: Callable[[QPainter], None], size: QSize, prefix: str,
              clips: bool = False) -> str:
    """What `draw` paints, as SVG elements without the document wrapper; ids are prefixed so
    fragments can share one document. `clips`: write the painter's clipping (SVG 1.1), which
    a widget's own painting needs (the menu bar fills its empty area through a clip); scenes
    are drawn without it, as Qt misplaces 1.1 clip paths under a painter transform (the
    chart's grid and axis lines vanished)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11 if clips
                              else QSvgGenerator.SvgVersion.SvgTiny12)
    generator.setOutputDevice(buffer)
    generator.setResolution(SVG_DPI)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError("cannot start the SVG writer")
    try:
        draw(painter)
    finally:
        painter.end()
    buffer.close()
    text = bytes(data.data()).decode("utf-8")
    start = text.find(">", text.find("<svg")) + 1
    body = text[start:text.rfind("</svg>")]
    body = re.sub(r"<title>.*?</title>|<desc>.*?</desc>", "", body, flags=re.S)
    body = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", body)
    return _FAMILY.sub(lambda m: f'font-family="{_css_family(m.group(1))}"', body)


_FAMILY = re.compile(r'font-family="([^"]*)"')


@functools.cache
def _css_family(qt_family: str) -> str:
    """Qt names its default font "Sans Serif", which no browser or slide program knows (they
    fall back to a serif font): name the font Qt really drew with, then the CSS generic."""
    info = QFontInfo(QFont(qt_family))
    generic = "monospace" if info.fixedPitch() else "sans-serif"
    return f"{_escape(info.family())}, {generic}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
