"""The options of one call, as toggles: retain_graph, inputs= (a checkbox per leaf), the
outputs a call is made on, which leaves a zero_grad resets and how. Each toggle produces the
call's new field values; the section pushes them as one undoable edit."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QWidget,
)

COLUMNS = 4  # checkboxes per row in a node list


class NodeChecks(QWidget):
    """One checkbox per node, in a grid; `changed(ids)` with the ticked ids in the given
    order. With `switch` text, a leading checkbox turns the whole list on or off (off: None,
    e.g. backward without inputs=)."""

    def __init__(self, label: str, nodes: Sequence[tuple[str, str]],
                 chosen: Sequence[str] | None, changed: Callable[[list[str] | None], None],
                 switch: str = "", tip: str = "") -> None:
        super().__init__()
        self.ids = [node_id for node_id, _ in nodes]
        self._changed = changed
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.switch: QCheckBox | None = None
        if switch:
            self.switch = QCheckBox(switch)
            self.switch.setToolTip(tip)
            self.switch.toggled.connect(self._emit)
            row.addWidget(self.switch)
        elif label:
            title = QLabel(label)
            title.setToolTip(tip)
            row.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        self.boxes: list[QCheckBox] = []
        for k, (_, name) in enumerate(nodes):
            box = QCheckBox(name)
            box.toggled.connect(self._emit)
            grid.addWidget(box, k // COLUMNS, k % COLUMNS)
            self.boxes.append(box)
        row.addLayout(grid)
        row.addStretch(1)
        self.set_value(chosen)

    def set_value(self, chosen: Sequence[str] | None) -> None:
        for widget in [self.switch, *self.boxes]:
            if widget is not None:
                widget.blockSignals(True)
        if self.switch is not None:
            self.switch.setChecked(chosen is not None)
        picked = set(self.ids if chosen is None and self.switch is None else chosen or ())
        for node_id, box in zip(self.ids, self.boxes, strict=True):
            box.setChecked(node_id in picked or (chosen is None and self.switch is not None))
            box.setEnabled(self.switch is None or chosen is not None)
        for widget in [self.switch, *self.boxes]:
            if widget is not None:
                widget.blockSignals(False)

    def value(self) -> list[str] | None:
        if self.switch is not None and not self.switch.isChecked():
            return None
        return [i for i, box in zip(self.ids, self.boxes, strict=True) if box.isChecked()]

    def _emit(self) -> None:
        self._changed(self.value())


class Flag(QCheckBox):
    """A yes/no option such as retain_graph=True."""

    def __init__(self, text: str, tip: str, on: bool, changed: Callable[[bool], None]) -> None:
        super().__init__(text)
        self.setToolTip(tip)
        self.set_value(on)
        self.toggled.connect(changed)

    def set_value(self, on: bool) -> None:
        self.blockSignals(True)
        self.setChecked(on)
        self.blockSignals(False)


class ResetHow(QWidget):
    """zero_grad's two ways: `.grad.zero_()` keeps a tensor of zeros, `.grad = None` drops it."""

    def __init__(self, set_to_none: bool, changed: Callable[[bool], None]) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.zero = QRadioButton(".grad.zero_()")
        self.zero.setToolTip(".grad becomes a tensor of zeros; the next backward adds to it")
        self.none = QRadioButton(".grad = None")
        self.none.setToolTip(".grad is dropped; the next backward writes a fresh tensor")
        self.group = QButtonGroup(self)
        self.group.addButton(self.zero)
        self.group.addButton(self.none)
        row.addWidget(self.zero)
        row.addWidget(self.none)
        row.addStretch(1)
        self.set_value(set_to_none)
        self.none.toggled.connect(changed)

    def set_value(self, set_to_none: bool) -> None:
        for button in (self.zero, self.none):
            button.blockSignals(True)
        (self.none if set_to_none else self.zero).setChecked(True)
        for button in (self.zero, self.none):
            button.blockSignals(False)
