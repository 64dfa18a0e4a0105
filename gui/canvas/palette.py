"""Where new nodes come from: the op palette (a dock) and the quick-add popup (Tab).

Both are driven by the op registry, so a new op appears here without touching this file.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.ops import CATEGORIES, OPS, OpSpec

OP_MIME = "application/x-gradflow-op"
OP_ROLE = Qt.ItemDataRole.UserRole


def op_label(spec: OpSpec) -> str:
    return f"{spec.name}   {spec.symbol}" if spec.symbol != spec.name else spec.name


def matches(spec: OpSpec, query: str) -> bool:
    query = query.strip().lower()
    if not query:
        return True
    return any(query in text.lower()
               for text in (spec.name, spec.symbol, spec.description, spec.category))


def ranked(query: str) -> list[OpSpec]:
    """Ops matching `query`, names that start with it first."""
    query = query.strip().lower()
    hits = [s for s in OPS.values() if matches(s, query)]
    return sorted(hits, key=lambda s: (not s.name.startswith(query), query not in s.name,
                                       CATEGORIES.index(s.category)))



def children(group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [c for i in range(group.childCount()) if (c := group.child(i)) is not None]


class _OpTree(QTreeWidget):
    """The tree drags the op's name, which the canvas turns into a node where it is dropped.
    Enter on an op adds it too (itemActivated would also fire on double-click: two nodes)."""

    enter_pressed = Signal(QTreeWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.enter_pressed.emit(item)
            return
        super().keyPressEvent(event)

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        ops = [i.data(0, OP_ROLE) for i in items if i.data(0, OP_ROLE)]
        if ops:
            data.setData(OP_MIME, ops[0].encode())
            data.setText(ops[0])
        return data

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [OP_MIME]


class Palette(QWidget):
    """Ops grouped by category, with a search box. Drag an op onto the canvas, or
    double-click it to add it at the centre of the view."""

    add_requested = Signal(str)  # op name

    def __init__(self) -> None:
        super().__init__()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search ops…")
        self.search.setClearButtonEnabled(True)
        self.tree = _OpTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setToolTip("Drag an op onto the canvas, or double-click to add it")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.groups: dict[str, QTreeWidgetItem] = {}
        for category in CATEGORIES:
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.groups[category] = group
        for spec in OPS.values():
            item = QTreeWidgetItem(self.groups[spec.category], [op_label(spec)])
            item.setData(0, OP_ROLE, spec.name)
            item.setToolTip(0, f"{spec.name}: {spec.description}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
        self.tree.expandAll()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_visible)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.enter_pressed.connect(self._on_double_click)

    def item_for(self, op: str) -> QTreeWidgetItem:
        spec = OPS[op]
        group = self.groups[spec.category]
        for child in children(group):
            if child.data(0, OP_ROLE) == op:
                return child
        raise KeyError(op)

    def filter(self, text: str) -> None:
        for group in self.groups.values():
            shown = 0
            for child in children(group):
                hide = not matches(OPS[child.data(0, OP_ROLE)], text)
                child.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)

    def visible_ops(self) -> list[str]:
        return [c.data(0, OP_ROLE) for g in self.groups.values() if not g.isHidden()
                for c in children(g) if not c.isHidden()]

    def _add_first_visible(self) -> None:
        ops = self.visible_ops()
        if ops:
            self.add_requested.emit(ops[0])

    def _on_double_click(self, item: QTreeWidgetItem) -> None:
        op = item.data(0, OP_ROLE)
        if op:
            self.add_requested.emit(op)


class QuickAdd(QFrame):
    """A small searchable popup: type a few letters, Enter adds the highlighted op."""

    chosen = Signal(str)  # op name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Add op: type to search, Enter to add")
        self.list = QListWidget()
        self.list.setMinimumHeight(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.resize(280, 280)
        self.search.textChanged.connect(self._refill)
        self.search.returnPressed.connect(self._choose_current)
        self.list.itemActivated.connect(self._choose)
        self.list.itemClicked.connect(self._choose)
        self.search.installEventFilter(self)
        self._refill("")

    def open_at(self, global_pos: QPoint) -> None:
        self.search.clear()
        self._refill("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def _refill(self, text: str) -> None:
        self.list.clear()
        for spec in ranked(text):
            item = QListWidgetItem(f"{op_label(spec)}  — {spec.category}")
            item.setData(OP_ROLE, spec.name)
            item.setToolTip(spec.description)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802, ANN001
        # arrows in the search box move through the list, so hands stay on the keyboard
        from PySide6.QtCore import QEvent

        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(event.key())
            if step and self.list.count():
                row = (self.list.currentRow() + step) % self.list.count()
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def _choose_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        self.hide()
        self.chosen.emit(item.data(OP_ROLE))
