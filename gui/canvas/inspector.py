"""The inspector dock: edit the selected node's name, value, flags and op parameters.

Every commit is one UpdateNodeCommand. Text that does not parse, or that the document
refuses, is kept in the field with the reason beside it; the node keeps its last valid value.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from engine.document import DocEvent, Document, Node
from engine.format import preview, shape_text
from engine.literal import LiteralError, format_literal, parse_literal, shape_of
from engine.ops import DTYPES, FLOAT_DTYPES, LEAF, Param, check_param, get_op, is_source
from engine.trace import Run
from gui import style
from gui.canvas.commands import UpdateNodeCommand, push


def parse_param(param: Param, text: str) -> Any:
    """Text typed for `param` → its value; ValueError with a readable reason otherwise."""
    stripped = text.strip()
    if param.kind in ("text", "expression"):  # einsum's equation, a hook's gradient
        return check_param(param, stripped)  # expression: the text itself, no literal
    if param.kind in ("dims", "bound") and stripped in ("", "None", "none"):
        return None
    if param.kind == "order":  # a norm's p: a number, or inf / -inf as Python writes them
        infinity = _infinity(stripped)
        if infinity is not None:
            return infinity
    try:
        value = parse_literal(stripped)
    except LiteralError as exc:
        if param.kind == "order":
            raise ValueError(f"{param.name} must be a number, inf or -inf, not "
                             f"{stripped!r}") from None
        raise ValueError(str(exc)) from None
    if param.kind == "shape" and not isinstance(value, list):
        value = [value]
    return check_param(param, value)


_INFINITIES = ("inf", "float('inf')", "math.inf", "torch.inf", "np.inf", "numpy.inf")


def _infinity(text: str) -> float | None:
    """inf or -inf for the ways Python writes them (inf, -inf, float('inf'), float('-inf'),
    math.inf, -torch.inf, ...); None for any other text."""
    plain = text.replace(" ", "").replace('"', "'").lower()
    if plain == "float('-inf')":
        return -math.inf
    if plain.startswith(("-", "+")) and plain[1:] in _INFINITIES:
        return -math.inf if plain[0] == "-" else math.inf
    return math.inf if plain in (*_INFINITIES, "float('+inf')") else None


def param_text(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, float) and math.isinf(value):  # a norm's p: as it is typed
        return "inf" if value > 0 else "-inf"
    if isinstance(value, tuple | list):
        return format_literal(list(value))
    return format_literal(value)


class _Field(QWidget):
    """An editor widget with a red message line under it."""

    def __init__(self, editor: QWidget) -> None:
        super().__init__()
        self.editor = editor
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {style.VERMILLION};")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.message)

    def show_error(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))


class Inspector(QWidget):
    def __init__(self, doc: Document, stack: QUndoStack) -> None:
        super().__init__()
        self.doc, self.stack = doc, stack
        self.node_id: str | None = None
        self.run: Run | None = None
        self.fields: dict[str, _Field] = {}
        self.title = QLabel("Select a node to edit it")
        self.title.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.result = QLabel()
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.form_host)
        layout.addWidget(self.result)
        layout.addStretch(1)
        doc.subscribe(self._on_event)

    # ---- which node -----------------------------------------------------------------------
    def set_node(self, node_id: str | None) -> None:
        if node_id is not None and node_id not in self.doc.graph:
            node_id = None
        self.node_id = node_id
        self._build()

    def focus_name(self) -> None:
        name = self.fields.get("name")
        if name is not None:
            editor = name.editor
            assert isinstance(editor, QLineEdit)
            editor.setFocus()
            editor.selectAll()

    def show_run(self, run: Run | None) -> None:
        self.run = run
        self._show_result()

    def reset(self) -> None:
        """The document was replaced: no node selected, no run yet."""
        self.run = None
        self.set_node(None)

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "node_removed" and event.node_id == self.node_id:
            self.set_node(None)
        elif event.kind == "node_changed" and event.node_id == self.node_id:
            if set(event.fields) - {"position"}:
                self._refresh(event.fields)

    # ---- building the form ----------------------------------------------------------------
    def _build(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        if self.node_id is None:
            self.title.setText("Select a node to edit it")
            self.result.clear()
            return
        node = self.doc.node(self.node_id)
        spec = get_op(node.op)
        self.title.setText(f"<b>{spec.name}</b> {spec.symbol} — {spec.description}")
        self._add_line("name", "Name", "Letters, digits and _; used in code and on the chart")
        if is_source(node.op):
            self._add_line("value", "Value", "A number or nested list, e.g. [[1, 2], [3, 4]]")
            combo = QComboBox()
            combo.addItems(list(DTYPES))
            combo.currentTextChanged.connect(lambda text: self._commit("dtype", text))
            self._add_row("dtype", "dtype", combo)
            if node.op == LEAF:
                box = QCheckBox("requires_grad")
                box.setToolTip("With requires_grad, backward fills this tensor's .grad")
                box.toggled.connect(self._commit_requires_grad)
                self._add_row("requires_grad", "", box)
                self._add_line("grad", "Starts with .grad",
                               "The .grad this leaf holds before the first call, as a training "
                               "loop's earlier steps left it; empty: no .grad, as torch starts")
        for param in spec.params:
            self._add_param(param)
        output = QCheckBox("output (backward target)")
        output.setToolTip("backward() is called on outputs, with their seed as gradient=")
        output.toggled.connect(lambda on: self._commit("is_output", on))
        self._add_row("is_output", "", output)
        self._refresh(None)

    def _add_row(self, key: str, label: str, editor: QWidget) -> _Field:
        field = _Field(editor)
        self.fields[key] = field
        self.form.addRow(label, field)
        field.show()  # now, not at the next event loop turn: a refusal may show at once
        return field

    def _add_line(self, key: str, label: str, tip: str) -> None:
        line = QLineEdit()
        line.setToolTip(tip)
        line.editingFinished.connect(lambda: self._commit_text(key))
        self._add_row(key, label, line)

    def _add_param(self, param: Param) -> None:
        key = f"param:{param.name}"
        editor: QWidget
        if param.kind == "bool":
            box = QCheckBox(param.label or param.name)
            box.toggled.connect(lambda on: self._commit_param(param, on))
            editor = box
            label = ""
        elif param.kind in ("choice", "dtype"):  # a dtype param: `to`'s target dtype
            combo = QComboBox()
            combo.addItems(list(param.choices))
            combo.currentTextChanged.connect(lambda text: self._commit_param(param, text))
            editor, label = combo, param.label or param.name
        else:
            line = QLineEdit()
            line.editingFinished.connect(lambda: self._commit_text(key))
            editor, label = line, param.label or param.name
        editor.setToolTip(param.help or param.name)
        self._add_row(key, label, editor)

    # ---- showing values -------------------------------------------------------------------
    def _refresh(self, changed: tuple[str, ...] | None) -> None:
        """Put the node's values into the fields (only `changed` ones, or all if None)."""
        if self.node_id is None:
            return
        node = self.doc.node(self.node_id)
        spec = get_op(node.op)
        for key, field in self.fields.items():
            attr = "params" if key.startswith("param:") else key
            if changed is not None and attr not in changed:
                continue
            value = self._value_of(node, key)
            editor = field.editor
            editor.blockSignals(True)
            if isinstance(editor, QLineEdit):
                editor.setText(self._text_of(node, key, value))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentText(str(value))
            editor.blockSignals(False)
            field.show_error(None)
        if "requires_grad" in self.fields:
            self.fields["requires_grad"].editor.setEnabled(node.dtype in FLOAT_DTYPES
                                                           or node.requires_grad)
        del spec
        self._show_result()

    @staticmethod
    def _value_of(node: Node, key: str) -> Any:
        if key.startswith("param:"):
            return node.params.get(key.split(":", 1)[1])
        return getattr(node, key)

    @staticmethod
    def _text_of(node: Node, key: str, value: Any) -> str:
        if key == "name":
            return node.name
        if key in ("value", "grad"):
            return format_literal(value) if value is not None else ""
        return param_text(value)

    def _show_result(self) -> None:
        if self.node_id is None or self.node_id not in self.doc.graph:
            self.result.clear()
            return
        node = self.doc.node(self.node_id)
        lines: list[str] = []
        if "value" in self.fields and node.value is not None:
            lines.append(f"shape: {shape_text(shape_of(node.value))}")
        run = self.run
        if run is not None:
            error = run.node_errors.get(node.id)
            if error is not None and error.incomplete:
                lines.append(_escape(error.message))
            elif error is not None:
                lines.append(f"<span style='color:{style.VERMILLION}'>"
                             f"{_escape(error.describe(run.names))}</span>")
            value = run.values.get(node.id)
            if value is not None:
                if "value" not in self.fields:  # an op: its dtype is torch's, not a field's
                    lines.append(f"shape: {shape_text(tuple(value.shape))}")
                    lines.append(f"dtype: {str(value.dtype).removeprefix('torch.')}")
                lines.append(f"value: {_escape(preview(value))}")
            if node.written is not None:  # `x.data *= 100` after the graph used x
                lines.append("<i>written into its memory after forward, through .data: "
                             "forward computed with its earlier numbers; backward read "
                             "these where autograd saved them</i>")
            grad = run.leaf_grads.get(node.id) if node.op == LEAF else run.node_grads.get(node.id)
            if grad is not None:
                label = ".grad" if node.op == LEAF else "gradient"
                lines.append(f"<span style='color:{style.grad_colour().name()}'>"
                             f"{label}: {_escape(preview(grad))}</span>")
        self.result.setText("<br>".join(lines))

    # ---- committing -----------------------------------------------------------------------
    def _commit_text(self, key: str) -> None:
        if self.node_id is None:
            return
        field = self.fields[key]
        editor = field.editor
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        node = self.doc.node(self.node_id)
        try:
            if key == "name":
                value: Any = text.strip()
            elif key == "value":
                value = parse_literal(text)
            elif key == "grad":
                value = parse_literal(text) if text.strip() else None
            else:
                param = get_op(node.op).param(key.split(":", 1)[1])
                self._commit_param(param, parse_param(param, text))
                return
        except (LiteralError, ValueError) as exc:
            field.show_error(str(exc))
            return
        self._commit(key, value)

    def _commit_requires_grad(self, on: bool) -> None:
        """Turning requires_grad off also drops the .grad the leaf started with (only a
        tensor that requires grad holds one): one step, undone together."""
        if self.node_id is None:
            return
        node = self.doc.node(self.node_id)
        if on or node.grad is None:
            self._commit("requires_grad", on)
            return
        reason = push(self.stack, UpdateNodeCommand(
            self.doc, node.id, f"Set {node.name}.requires_grad = False", requires_grad=False,
            grad=None))
        self.fields["requires_grad"].show_error(reason)
        if reason:
            self._revert_toggle(self.fields["requires_grad"])

    def _commit_param(self, param: Param, value: Any) -> None:
        if self.node_id is None:
            return
        node = self.doc.node(self.node_id)
        if node.params.get(param.name) == value:
            self.fields[f"param:{param.name}"].show_error(None)
            return
        self._commit("params", {**node.params, param.name: value},
                     field_key=f"param:{param.name}",
                     text=f"Set {node.name}.{param.name} = {param_text(value)}")

    def _commit(self, attr: str, value: Any, field_key: str | None = None,
                text: str | None = None) -> None:
        if self.node_id is None:
            return
        node = self.doc.node(self.node_id)
        field = self.fields.get(field_key or attr)
        if getattr(node, attr) == value:
            if field is not None:
                field.show_error(None)
            return
        if text is None:
            text = _describe(node, attr, value)
        if len(text) > 60:
            text = text[:57] + "…"
        reason = push(self.stack, UpdateNodeCommand(self.doc, node.id, text, **{attr: value}))
        if field is not None:
            field.show_error(reason)
        if reason:
            self._revert_toggle(field)

    def _revert_toggle(self, field: _Field | None) -> None:
        """A refused checkbox/combo goes back to the node's value; text stays for fixing."""
        if field is None or isinstance(field.editor, QLineEdit) or self.node_id is None:
            return
        key = next(k for k, f in self.fields.items() if f is field)
        message = field.message.text()
        self._refresh(("params",) if key.startswith("param:") else (key,))
        field.show_error(message)


def _describe(node: Node, attr: str, value: Any) -> str:
    """The undo-history line for setting `attr` of `node` to `value`."""
    if attr == "name":
        return f"Rename {node.name} to {value}"
    if attr == "value":
        return f"Set {node.name} = {format_literal(value)}"
    if attr == "is_output":
        return f"Mark {node.name} as output" if value else f"Unmark output {node.name}"
    return f"Set {node.name}.{attr} = {value}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
