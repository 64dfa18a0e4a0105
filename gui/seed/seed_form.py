"""The seed form: the `gradient=` vector v of every output, one editable cell per element.

Each output gets a block: its cells laid out by the output's shape, presets (ones, one-hot eᵢ,
1/n, random, zeros), a paste field, the "pass gradient=" switch and the line of PyTorch it
amounts to. Every change is one SetSeedCommand; text that is not a finite number is refused
at the cell and the last valid seed stays in force.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.document import DocEvent, Document
from engine.format import element_labels, number, shape_text
from engine.literal import LiteralError, Nested, format_literal, parse_literal, shape_of
from engine.seeds import as_floats, backward_call, count, flat_raw, flatten, is_number, nest
from engine.trace import Run
from gui import style
from gui.seed.seed_commands import SetSeedCommand

MAX_CELLS = 64  # above this the block takes pasted lists only
MAX_ONE_HOT_BUTTONS = 16
_STRUCTURE_FIELDS = {"is_output", "name"}


class SeedBlock(QGroupBox):
    """The seed of one output node."""

    def __init__(self, form: SeedForm, node_id: str, shape: tuple[int, ...] | None) -> None:
        super().__init__()
        self.form = form
        self.node_id = node_id
        self.shape = shape
        self.cells: list[QLineEdit] = []
        self.one_hot_buttons: list[QPushButton] = []
        self._session = itertools.count()
        self._edit_session = 0
        node = form.doc.node(node_id)
        self.setTitle(f"{node.name}  ·  v for {node.name}.backward")
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.check = QCheckBox("pass gradient=")
        self.check.setToolTip("Off: call bare backward(). torch then needs a scalar output and "
                              "seeds it with 1.0; a non-scalar output raises an error.")
        self.check.toggled.connect(self._on_toggled)
        top.addWidget(self.check)
        top.addStretch(1)
        self.shape_label = QLabel()
        self.shape_label.setMinimumWidth(0)
        self.shape_label.setToolTip("the output's shape from the last run: v must match it")
        top.addWidget(self.shape_label)
        layout.addLayout(top)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(4)
        layout.addLayout(self.grid)
        self._build_cells()

        self.presets = QHBoxLayout()
        for label, tip, fn in (
            ("ones", "v = 1 everywhere: the same as .sum().backward()", self._ones),
            ("1/n", "v = 1/n everywhere: the same as .mean().backward()", self._uniform),
            ("random", "v uniform in [−1, 1]", self._random),
            ("zeros", "v = 0: no gradient reaches the leaves", self._zeros),
        ):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(fn)
            self.presets.addWidget(button)
        layout.addLayout(self.presets)
        self.one_hot_row = QHBoxLayout()
        self._build_one_hot()
        layout.addLayout(self.one_hot_row)

        self.paste = QLineEdit()
        self.paste.setPlaceholderText("paste v as a list, e.g. [1, 0.5], and press Enter")
        self.paste.setToolTip("A whole seed at once: a number or a (nested) list of the "
                              "output's shape")
        self.paste.returnPressed.connect(self._on_paste)
        layout.addWidget(self.paste)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {style.VERMILLION};")
        self.message.hide()
        layout.addWidget(self.message)

        self.code = QLabel()
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setWordWrap(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.code.setFont(mono)
        self.code.setToolTip("the PyTorch call these settings amount to")
        layout.addWidget(self.code)
        self.refresh()

    # ---- building -------------------------------------------------------------------------
    def _build_cells(self) -> None:
        shape = self.shape
        if shape is None:
            self.grid.addWidget(QLabel("run the graph to see the output's shape; "
                                       "a pasted list works meanwhile"), 0, 0)
            return
        n = count(shape)
        if n > MAX_CELLS:
            self.grid.addWidget(QLabel(f"{n} elements: too many cells; paste a list below"),
                                0, 0)
            return
        labels = element_labels("v", shape)
        cols = shape[-1] if len(shape) >= 1 else 1
        for i in range(n):
            cell = QLineEdit()
            cell.setAlignment(Qt.AlignmentFlag.AlignRight)
            cell.setMinimumWidth(36)
            cell.setMaximumWidth(80)
            cell.setToolTip(f"{labels[i]}: the weight of output element {labels[i][1:]}"
                            if shape else "the seed of a scalar output (implicitly 1.0)")
            cell.textEdited.connect(lambda text, i=i: self._on_cell(i, text))
            cell.editingFinished.connect(self._end_session)
            self.grid.addWidget(cell, i // cols, i % cols)
            self.cells.append(cell)

    def _build_one_hot(self) -> None:
        if self.shape is None or not self.shape:
            return
        n = count(self.shape)
        self.one_hot_row.addWidget(QLabel("one-hot:"))
        if n > MAX_ONE_HOT_BUTTONS:  # too many for buttons: pick the element by index
            self.one_hot_index = QSpinBox()
            self.one_hot_index.setRange(0, n - 1)
            self.one_hot_index.setToolTip("flat (row-major) index i of the output element")
            pick = QPushButton("set v = eᵢ")
            pick.setToolTip("x.grad becomes row i of J")
            pick.clicked.connect(lambda: self._one_hot(self.one_hot_index.value()))
            self.one_hot_row.addWidget(self.one_hot_index)
            self.one_hot_row.addWidget(pick)
            self.one_hot_buttons.append(pick)
            self.one_hot_row.addStretch(1)
            return
        grid = QGridLayout()
        grid.setSpacing(3)
        cols = self.shape[-1] if len(self.shape) >= 2 else 8  # matrices: the cells' layout
        for i, label in enumerate(element_labels("e", self.shape)):
            button = QPushButton(label)
            button.setToolTip(f"v = {label}: x.grad becomes row {i} of J")
            button.clicked.connect(lambda _=False, i=i: self._one_hot(i))
            button.setMinimumWidth(30)
            button.setMaximumWidth(60)
            grid.addWidget(button, i // cols, i % cols)
            self.one_hot_buttons.append(button)
        self.one_hot_row.addLayout(grid)
        self.one_hot_row.addStretch(1)

    # ---- state ----------------------------------------------------------------------------
    def current_flat(self) -> list[float]:
        """The seed in force, flat (ones where the document keeps the default)."""
        node = self.form.doc.node(self.node_id)
        n = count(self.shape) if self.shape is not None else 0
        if node.seed is not None and (self.shape is None or shape_of(node.seed) == self.shape):
            return flatten(node.seed)
        return [1.0] * n

    def refresh(self) -> None:
        node = self.form.doc.node(self.node_id)
        self.check.blockSignals(True)
        self.check.setChecked(node.seed_enabled)
        self.check.blockSignals(False)
        shape = self.shape
        self.shape_label.setText(f"shape {shape_text(shape)}" if shape is not None
                                 else "shape unknown")
        flat = self.current_flat()
        for i, cell in enumerate(self.cells):
            cell.setEnabled(node.seed_enabled)
            if i < len(flat) and not (cell.hasFocus() and _parses_to(cell.text(), flat[i])):
                implicit = node.seed is None and shape == ()
                cell.setText("1.0" if implicit else number(flat[i], 6))
                cell.setStyleSheet("")
        for button in self.one_hot_buttons:
            button.setEnabled(node.seed_enabled)
        stored = shape_of(node.seed) if node.seed is not None else None
        if stored is not None and shape is not None and stored != shape:
            self._say(f"the stored gradient has shape {shape_text(stored)} but "
                      f"{node.name} has shape {shape_text(shape)}: pick a preset or paste a "
                      "list of the right shape")
        elif not self.message.property("sticky"):
            self.message.hide()
        self.code.setText(backward_call(node.name, node.seed, node.seed_enabled, shape))

    def _say(self, text: str, sticky: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("sticky", sticky)
        self.message.show()

    def _clear_message(self) -> None:
        self.message.setProperty("sticky", False)
        self.message.hide()

    # ---- edits ----------------------------------------------------------------------------
    def _push(self, seed: Nested | None, enabled: bool, text: str, merge_key: Any = None) -> None:
        self.form.undo_stack.push(SetSeedCommand(self.form.doc, self.node_id, seed, enabled,
                                                 text, merge_key))

    def _set_flat(self, flat: list[float], text: str, merge_key: Any = None) -> None:
        assert self.shape is not None
        self._clear_message()
        self._push(nest(flat, self.shape), True, text, merge_key)

    def _on_cell(self, index: int, text: str) -> None:
        cell = self.cells[index]
        name = element_labels("v", self.shape or ())[index]
        try:
            value = parse_literal(text)
        except LiteralError as exc:
            return self._refuse(cell, f"{name}: {exc}")
        if isinstance(value, list):  # a whole list pasted into one cell
            return self._apply_list(value, cell)
        if not is_number(value):
            return self._refuse(cell, f"{name}: {text.strip()!r} is not a number")
        flat = self.current_flat()
        flat[index] = float(value)
        cell.setStyleSheet("")
        self._set_flat(flat, f"Set {name} of the gradient",
                       (self.node_id, index, self._edit_session))

    def _end_session(self) -> None:
        self._edit_session = next(self._session) + 1
        for cell in self.cells:
            if cell.styleSheet():  # a refused text: show the seed still in force
                cell.setStyleSheet("")
        self.refresh()

    def _refuse(self, widget: QLineEdit, why: str) -> None:
        widget.setStyleSheet(f"border: 2px solid {style.VERMILLION};")
        now = format_literal(nest(self.current_flat(), self.shape)) if self.shape is not None \
            else "unchanged"
        self._say(f"{why} — refused; the gradient stays {now}", sticky=True)

    def _apply_list(self, value: Nested, widget: QLineEdit) -> None:
        shape = shape_of(value)
        if self.shape is not None:
            n = count(self.shape)
            if shape != self.shape:
                if count(shape) != n or isinstance(value, int | float):
                    return self._refuse(widget, f"{count(shape)} numbers do not fit: "
                                        f"{self.form.doc.node(self.node_id).name} has "
                                        f"{n} element(s), shape {shape_text(self.shape)}; "
                                        "gradient= must have the output's shape (torch "
                                        "refuses others with 'Mismatch in shape')")
            if any(isinstance(v, bool) for v in flat_raw(value)):
                return self._refuse(widget, "True/False are not numbers here")
            widget.setStyleSheet("")
            self._set_flat(flatten(value), "Paste gradient")
        else:
            widget.setStyleSheet("")
            self._clear_message()
            self._push(as_floats(value), True, "Paste gradient")

    def _on_paste(self) -> None:
        try:
            value = parse_literal(self.paste.text())
        except LiteralError as exc:
            return self._refuse(self.paste, str(exc))
        if is_number(value) and self.shape is not None and self.shape != ():
            return self._refuse(self.paste, f"one number does not fit shape "
                                f"{shape_text(self.shape)}: paste a list")
        self._apply_list(value, self.paste)
        if not self.message.isVisible():
            self.paste.clear()

    def _on_toggled(self, on: bool) -> None:
        node = self.form.doc.node(self.node_id)
        self._push(node.seed, on, "Pass gradient=" if on else "Call bare backward()")

    def _preset(self, flat: list[float], text: str) -> None:
        if self.shape is None:
            return self._say("run the graph first: the presets need the output's shape")
        self._set_flat(flat, text)

    def _ones(self) -> None:
        self._preset([1.0] * count(self.shape or ()), "Gradient: ones")

    def _zeros(self) -> None:
        self._preset([0.0] * count(self.shape or ()), "Gradient: zeros")

    def _uniform(self) -> None:
        n = count(self.shape or ())
        # an empty output (shape 0) has no element to weight: v is empty, as .mean() would need
        self._preset([1.0 / n] * n if n else [], "Gradient: 1/n")

    def _random(self) -> None:
        n = count(self.shape or ())
        self._preset([round(random.uniform(-1, 1), 2) for _ in range(n)], "Gradient: random")

    def _one_hot(self, index: int) -> None:
        n = count(self.shape or ())
        self._preset([1.0 if i == index else 0.0 for i in range(n)], "Gradient: one-hot")


def _parses_to(text: str, value: float) -> bool:
    try:
        parsed = parse_literal(text)
    except LiteralError:
        return False
    return isinstance(parsed, int | float) and is_number(parsed) and float(parsed) == value


class SeedForm(QScrollArea):
    """One SeedBlock per output node, rebuilt when outputs or their shapes change."""

    def __init__(self, doc: Document, undo_stack: QUndoStack) -> None:
        super().__init__()
        self.doc = doc
        self.undo_stack = undo_stack
        self.blocks: dict[str, SeedBlock] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self.hint = QLabel("v weights each element of an output: x.grad = vᵀJ. "
                           "Mark a node as output to give it a seed.")
        self.hint.setWordWrap(True)
        self._layout.addWidget(self.hint)
        self._layout.addStretch(1)
        self.setWidget(self._body)
        doc.subscribe(self._on_event)
        self.rebuild()

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            self.shapes.clear()
            self.rebuild()
        elif event.kind in ("node_added", "node_removed"):
            self.rebuild()
        elif event.kind == "node_changed":
            if _STRUCTURE_FIELDS & set(event.fields):
                self.rebuild()
            elif event.node_id in self.blocks:
                self.blocks[event.node_id].refresh()

    def _shape_for(self, node_id: str) -> tuple[int, ...] | None:
        if node_id in self.shapes:
            return self.shapes[node_id]
        seed = self.doc.node(node_id).seed
        return shape_of(seed) if seed is not None else None

    def rebuild(self) -> None:
        for block in self.blocks.values():
            self._layout.removeWidget(block)
            block.deleteLater()
        self.blocks.clear()
        outputs = self.doc.outputs()
        for i, node in enumerate(outputs):
            block = SeedBlock(self, node.id, self._shape_for(node.id))
            self._layout.insertWidget(1 + i, block)
            self.blocks[node.id] = block
        self.hint.setText("v weights each element of an output: x.grad = vᵀJ." if outputs else
                          "No output yet: mark a node as output to give it a seed v.")

    def show_run(self, run: Run | None) -> None:
        """Take the outputs' shapes from the run; keep the last known shape on a failure."""
        changed = False
        for node_id in (run.output_ids if run else []):
            value = run.values.get(node_id) if run else None
            if value is not None and self.shapes.get(node_id) != tuple(value.shape):
                self.shapes[node_id] = tuple(value.shape)
                changed = True
        if changed or set(self.blocks) != {n.id for n in self.doc.outputs()}:
            self.rebuild()
