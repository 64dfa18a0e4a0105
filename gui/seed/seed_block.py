"""The seed of one output: the cells, presets, paste field and switch of its block, and what
each edit does. Every change is one undoable push through its SeedTarget; text that is not a
finite number is refused at the widget with why, and the last valid seed stays in force.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Protocol

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from engine.document import Document
from engine.format import element_labels, number, shape_text
from engine.literal import LiteralError, Nested, format_literal, parse_literal, shape_of
from engine.seeds import as_floats, count, flat_raw, flatten, is_number, nest
from gui import style
from gui.seed.seed_controls import (
    build_cells,
    build_one_hot,
    code_label,
    parses_to,
    preset_row,
    two_lines,
)
from gui.seed.seed_target import NodeSeed, SeedTarget


class SeedHost(Protocol):
    """What a block needs of the form it sits in (the SeedForm; typed so, the form's module
    imports this one and not the other way round)."""

    doc: Document
    undo_stack: QUndoStack


class SeedBlock(QGroupBox):
    """The seed of one output node."""

    def __init__(self, form: SeedHost, node_id: str, shape: tuple[int, ...] | None,
                 target: SeedTarget | None = None) -> None:
        super().__init__()
        self.form = form
        self.node_id = node_id
        self.shape = shape
        # the output's own seed, or its gradient in another call of the program
        self.target = target or NodeSeed(form.doc, form.undo_stack, node_id)
        self._session = itertools.count()
        self._edit_session = 0
        self.setTitle(self.target.title())
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
        self.cells = build_cells(self.grid, shape, self._on_cell, self._end_session)

        self.presets = preset_row([
            ("ones", "v = 1 everywhere: the same as .sum().backward()", self._ones),
            ("1/n", "v = 1/n everywhere: the same as .mean().backward()", self._uniform),
            ("random", "v uniform in [−1, 1]", self._random),
            ("zeros", "v = 0: no gradient reaches the leaves", self._zeros),
        ])
        layout.addLayout(self.presets)
        self.one_hot_row = QHBoxLayout()
        self.one_hot_buttons = build_one_hot(self.one_hot_row, shape, self._one_hot)
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

        self.code = code_label()
        layout.addWidget(self.code)
        self.refresh()

    # ---- state ----------------------------------------------------------------------------
    def current_flat(self) -> list[float]:
        """The seed in force, flat (ones where the document keeps the default)."""
        seed = self.target.seed()
        n = count(self.shape) if self.shape is not None else 0
        if seed is not None and (self.shape is None or shape_of(seed) == self.shape):
            return flatten(seed)
        return [1.0] * n

    def refresh(self) -> None:
        seed, enabled, name = self.target.seed(), self.target.enabled(), self.target.name()
        self.check.blockSignals(True)
        self.check.setChecked(enabled)
        self.check.blockSignals(False)
        shape = self.shape
        self.shape_label.setText(f"shape {shape_text(shape)}" if shape is not None
                                 else "shape unknown")
        flat = self.current_flat()
        for i, cell in enumerate(self.cells):
            cell.setEnabled(enabled)
            if i < len(flat) and not (cell.hasFocus() and parses_to(cell.text(), flat[i])):
                implicit = seed is None and shape == ()
                cell.setText("1.0" if implicit else number(flat[i], 6))
                cell.setStyleSheet("")
        for button in self.one_hot_buttons:
            button.setEnabled(enabled)
        stored = shape_of(seed) if seed is not None else None
        if stored is not None and shape is not None and stored != shape:
            self._say(f"the stored gradient has shape {shape_text(stored)} but "
                      f"{name} has shape {shape_text(shape)}: pick a preset or paste a "
                      "list of the right shape")
        elif not self.message.property("sticky"):
            self.message.hide()
        self.code.setText(two_lines(self.target.code(shape)))

    def _say(self, text: str, sticky: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("sticky", sticky)
        self.message.show()

    def _clear_message(self) -> None:
        self.message.setProperty("sticky", False)
        self.message.hide()

    # ---- edits ----------------------------------------------------------------------------
    def _push(self, seed: Nested | None, enabled: bool, text: str, merge_key: Any = None) -> None:
        refused = self.target.push(seed, enabled, text, merge_key)
        if refused:
            self._say(f"{refused} — refused; nothing changed", sticky=True)

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
                                        f"{self.target.name()} has "
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
        self._push(self.target.seed(), on, "Pass gradient=" if on else "Call bare backward()")

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
