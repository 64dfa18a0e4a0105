"""The widgets of one seed block, built for an output's shape: the cell grid, the preset row,
the one-hot row and the line of PyTorch the settings amount to. Each is handed the block's
callbacks, so the edits themselves stay in gui/seed/seed_block.py.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox

from engine.format import element_labels
from engine.literal import LiteralError, parse_literal
from engine.seeds import count, is_number

MAX_CELLS = 64  # above this the block takes pasted lists only
MAX_ONE_HOT_BUTTONS = 16


def build_cells(grid: QGridLayout, shape: tuple[int, ...] | None,
                on_cell: Callable[[int, str], None],
                on_done: Callable[[], None]) -> list[QLineEdit]:
    """One cell per element laid out by the shape (rows of its last dimension), or a line
    saying why there are none."""
    cells: list[QLineEdit] = []
    if shape is None:
        grid.addWidget(QLabel("run the graph to see the output's shape; "
                              "a pasted list works meanwhile"), 0, 0)
        return cells
    n = count(shape)
    if n > MAX_CELLS:
        grid.addWidget(QLabel(f"{n} elements: too many cells; paste a list below"), 0, 0)
        return cells
    labels = element_labels("v", shape)
    cols = shape[-1] if len(shape) >= 1 else 1
    for i in range(n):
        cell = QLineEdit()
        cell.setAlignment(Qt.AlignmentFlag.AlignRight)
        cell.setMinimumWidth(36)
        cell.setMaximumWidth(80)
        cell.setToolTip(f"{labels[i]}: the weight of output element {labels[i][1:]}"
                        if shape else "the seed of a scalar output (implicitly 1.0)")
        cell.textEdited.connect(lambda text, i=i: on_cell(i, text))
        cell.editingFinished.connect(on_done)
        grid.addWidget(cell, i // cols, i % cols)
        cells.append(cell)
    return cells


def preset_row(presets: list[tuple[str, str, Callable[[], None]]]) -> QHBoxLayout:
    """A button per (label, tooltip, action), each as narrow as its text."""
    row = QHBoxLayout()
    for label, tip, fn in presets:
        button = QPushButton(label)
        button.setToolTip(tip)
        button.clicked.connect(fn)
        _fit_text(button)
        row.addWidget(button)
    return row


def build_one_hot(row: QHBoxLayout, shape: tuple[int, ...] | None,
                  pick: Callable[[int], None]) -> list[QPushButton]:
    """A button per element eᵢ (laid out as the cells), or past MAX_ONE_HOT_BUTTONS an index
    box and one button; nothing for a scalar or an unknown shape."""
    buttons: list[QPushButton] = []
    if shape is None or not shape:
        return buttons
    n = count(shape)
    row.addWidget(QLabel("one-hot:"))
    if n > MAX_ONE_HOT_BUTTONS:  # too many for buttons: pick the element by index
        index = QSpinBox()
        index.setRange(0, n - 1)
        index.setToolTip("flat (row-major) index i of the output element")
        button = QPushButton("set v = eᵢ")
        button.setToolTip("x.grad becomes row i of J")
        button.clicked.connect(lambda: pick(index.value()))
        row.addWidget(index)
        row.addWidget(button)
        buttons.append(button)
        row.addStretch(1)
        return buttons
    grid = QGridLayout()
    grid.setSpacing(3)
    cols = shape[-1] if len(shape) >= 2 else 8  # matrices: the cells' layout
    for i, label in enumerate(element_labels("e", shape)):
        button = QPushButton(label)
        button.setToolTip(f"v = {label}: x.grad becomes row {i} of J")
        button.clicked.connect(lambda _=False, i=i: pick(i))
        button.setMinimumWidth(30)
        button.setMaximumWidth(60)
        grid.addWidget(button, i // cols, i % cols)
        buttons.append(button)
    row.addLayout(grid)
    row.addStretch(1)
    return buttons


def code_label() -> QLabel:
    """The selectable, monospaced line of PyTorch the block's settings amount to."""
    code = QLabel()
    code.setTextFormat(Qt.TextFormat.PlainText)  # keeps the indent of line two
    code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    code.setWordWrap(True)
    mono = QFont("monospace")
    mono.setStyleHint(QFont.StyleHint.Monospace)
    code.setFont(mono)
    code.setToolTip("the PyTorch call these settings amount to")
    return code


def _fit_text(button: QPushButton) -> None:
    """As narrow as the button's text allows (the style's 80 px minimum would push four
    presets past a narrow dock's edge)."""
    button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 18)


def two_lines(call: str) -> str:
    """The call with its argument on a line of its own: still valid Python when copied, and
    the long `gradient=torch.tensor([...])` can wrap between numbers instead of being cut."""
    return call.replace(".backward(gradient=", ".backward(\n    gradient=", 1)


def parses_to(text: str, value: float) -> bool:
    try:
        parsed = parse_literal(text)
    except LiteralError:
        return False
    return isinstance(parsed, int | float) and is_number(parsed) and float(parsed) == value
