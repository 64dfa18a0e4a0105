"""One call of the program in the seed panel: a heading in torch's words, its options, a v
form per output (the seed form's own blocks), what the call did in the latest run (the
.grad it left, what autograd.grad or functional.jacobian returned, torch's error verbatim,
or "not run"), and
buttons to move or remove it. Every edit is one undoable command on the document's calls
API; a refusal is shown here and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout

from engine.autograd_functional import answer_text
from engine.calls import BACKWARD, FUNCTIONAL, GRAD, JACOBIAN, ZERO_GRAD, Call, vectors_per
from engine.document import Document
from engine.format import preview
from engine.ops import CONSTANT, LEAF, NUMBER
from engine.snippets.codegen import call_code
from engine.trace import CallResult
from gui import style
from gui.canvas.commands import DocCommand, push
from gui.seed.call_commands import (
    MoveCallCommand,
    RemoveCallCommand,
    SetRunOptionsCommand,
    UpdateCallCommand,
)
from gui.seed.call_fields import Flag, NodeChecks, ResetHow
from gui.seed.seed_block import SeedBlock
from gui.seed.seed_form import SeedForm
from gui.seed.seed_target import CallSeed

Shape = tuple[int, ...]


def heading(doc: Document, index: int) -> str:
    """`call 2: loss.backward(retain_graph=True)`: the line a script would make."""
    return f"call {index + 1}: {call_code(doc, index)}"


def breakable(code: str) -> str:
    """Code that may wrap inside its long words (after `(`, `.`, `=`, `,`) in a narrow dock:
    a zero-width space marks each place; the words read the same."""
    for mark in "(.=,":
        code = code.replace(mark, mark + "\u200b")
    return code


class CallSection(QFrame):
    def __init__(self, form: SeedForm, index: int,
                 shape_of: Callable[[str], Shape | None]) -> None:
        super().__init__()
        self.form, self.doc, self.index = form, form.doc, index
        self.call: Call = self.doc.calls[index]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"call_{index + 1}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 4)  # the seed blocks inside need the width
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setBold(True)
        self.title.setFont(mono)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        n = len(self.doc.calls)
        self.up = self._button("↑", "Make this call earlier", index > 0,
                               lambda: self._move(index - 1))
        self.down = self._button("↓", "Make this call later", index < n - 1,
                                 lambda: self._move(index + 1))
        self.remove = self._button("✕", "Remove this call" if not self.call.primary else
                                   "The call on the marked outputs stays: unmark them on the "
                                   "graph instead", not self.call.primary, self._remove)
        for button in (self.up, self.down, self.remove):
            top.addWidget(button)
        layout.addLayout(top)
        self.fields: dict[str, Any] = {}
        self._add_fields(layout)
        self.blocks: list[SeedBlock] = []
        if self.call.kind in (BACKWARD, GRAD, FUNCTIONAL) and not self.call.primary:
            given = vectors_per(self.call) if self.call.kind == FUNCTIONAL else \
                self.call.outputs  # a functional call's v: per output (vjp) or input
            for k, node_id in enumerate(given):
                shape = shape_of(node_id)
                target = CallSeed(self.doc, form.undo_stack, index, k, shape)
                block = SeedBlock(form, node_id, shape, target)
                layout.addWidget(block)
                self.blocks.append(block)
        self.body = layout  # the primary call's section takes the seed form's own blocks here
        self.message = QLabel()  # a refused edit, calmly
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {style.GREY};")
        self.message.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(f"color: {style.VERMILLION}; font-weight: bold;")
        self.error.hide()
        self.tail = [self.message, self.error, self.result]
        self.refresh()

    def finish(self) -> None:
        """Put the message, error and result lines last (after any seed blocks)."""
        for widget in self.tail:
            self.body.addWidget(widget)

    def _button(self, text: str, tip: str, enabled: bool,
                slot: Callable[[], None]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setEnabled(enabled)
        button.clicked.connect(slot)
        return button

    # ---- the options of each kind -------------------------------------------------------
    def _add_fields(self, layout: QVBoxLayout) -> None:
        call, doc = self.call, self.doc
        leaves = [(n.id, n.name) for n in doc.leaves() if n.requires_grad]
        results = [(n.id, n.name) for n in doc.topological_nodes()
                   if n.op not in (LEAF, CONSTANT)]
        inputs_tip = ("inputs=[...]: accumulate .grad into these leaves only; off: into every "
                      "leaf the outputs depend on")
        retain_tip = ("retain_graph=True keeps the values autograd saved, so a later call can "
                      "go through the graph again; off: they are freed after this call")
        if call.kind == ZERO_GRAD:
            self.fields["leaves"] = NodeChecks("reset", leaves, call.leaves,
                                               lambda v: self._update("leaves", v, "Reset"),
                                               tip="the leaves whose .grad this call resets")
            self.fields["set_to_none"] = ResetHow(
                call.set_to_none, lambda v: self._update("set_to_none", v, "Reset how"))
        elif call.kind == JACOBIAN:
            self._jacobian_fields(layout, results)
        elif call.kind == FUNCTIONAL:  # f and v as the code gave them: edited there
            given = "" if call.function == "hessian" else \
                f", with v (below) per {'output' if call.function == 'vjp' else 'input'}"
            note = QLabel(f"torch.autograd.functional.{call.function} of f, the graph from "
                          f"the inputs to the outputs{given}; .grad untouched (f is changed "
                          "in the code)")
            note.setWordWrap(True)
            layout.addWidget(note)
        elif call.primary:
            options = doc.options
            outputs = ", ".join(n.name for n in doc.outputs()) or "none marked yet"
            note = QLabel(f"on the outputs marked on the graph: {outputs}")
            note.setToolTip("mark or unmark outputs on the canvas; each one's v is below")
            note.setWordWrap(True)
            layout.addWidget(note)
            self.fields["retain_graph"] = Flag(
                "retain_graph=True", retain_tip, options.retain_graph,
                lambda v: self._options("retain_graph", v))
            self.fields["inputs"] = NodeChecks(
                "", leaves, options.inputs, lambda v: self._options("inputs", v),
                switch="inputs=", tip=inputs_tip)
        else:
            word = "outputs" if call.kind == GRAD else "backward on"
            self.fields["outputs"] = NodeChecks(word, results, call.outputs, self._outputs,
                                                tip="the tensors this call differentiates")
            if call.kind == GRAD:
                self.fields["inputs"] = NodeChecks(
                    "inputs", leaves, call.inputs, lambda v: self._update("inputs", v),
                    tip="autograd.grad returns the gradient for each of these")
            else:
                self.fields["inputs"] = NodeChecks(
                    "", leaves, call.inputs, lambda v: self._update("inputs", v),
                    switch="inputs=", tip=inputs_tip)
            self.fields["retain_graph"] = Flag("retain_graph=True", retain_tip,
                                               call.retain_graph,
                                               lambda v: self._update("retain_graph", v))
        flags = [self.fields[f] for f in ("retain_graph", "inputs") if f in self.fields]
        for widget in self.fields.values():
            if widget not in flags:
                layout.addWidget(widget)
        if flags:  # one row: retain_graph, then inputs= with its leaves
            row = QHBoxLayout()
            for widget in flags:
                row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)

    def _jacobian_fields(self, layout: QVBoxLayout, results: list[tuple[str, str]]) -> None:
        """f's outputs and the inputs it is differentiated by; any tensor may be an input
        (torch differentiates a copy of it, whatever its requires_grad)."""
        note = QLabel("J of f, the graph from the inputs to the outputs; .grad untouched")
        note.setWordWrap(True)
        layout.addWidget(note)
        tensors = [(n.id, n.name) for n in self.doc.topological_nodes()
                   if not n.params.get(NUMBER)]
        self.fields["outputs"] = NodeChecks(
            "f returns", results, self.call.outputs, lambda v: self._jacobian("outputs", v),
            tip="the tensors f returns: J has a row per element of each")
        self.fields["inputs"] = NodeChecks(
            "inputs", tensors, self.call.inputs, lambda v: self._jacobian("inputs", v),
            tip="the tensors J is taken by: a column per element of each")

    # ---- edits ------------------------------------------------------------------------
    def _push(self, command: DocCommand) -> None:
        refused = push(self.form.undo_stack, command)
        if refused:
            self.message.setText(f"not changed: {refused}")
            self.message.show()
            self.refresh()  # the toggles show the document again
        else:
            self.message.hide()

    def _update(self, field: str, value: Any, text: str = "") -> None:
        value = tuple(value) if isinstance(value, list) else value
        self._push(UpdateCallCommand(self.doc, self.index,
                                     f"{text or field} of call {self.index + 1}",
                                     **{field: value}))

    def _outputs(self, ids: list[str] | None) -> None:
        """New outputs keep the gradient each kept output had; a new one starts with none."""
        old = dict(zip(self.call.outputs, self.call.seeds, strict=True))
        ids = ids or []
        self._push(UpdateCallCommand(self.doc, self.index, f"Outputs of call {self.index + 1}",
                                     outputs=tuple(ids),
                                     seeds=tuple(old.get(i) for i in ids)))

    def _jacobian(self, field: str, ids: list[str] | None) -> None:
        """New outputs or inputs of a jacobian call; several are a tuple, as torch gives them."""
        ids = ids or []
        flag = f"tuple_{field}"
        self._push(UpdateCallCommand(self.doc, self.index, f"{field.capitalize()} of call "
                                     f"{self.index + 1}", **{field: tuple(ids), flag:
                                     bool(getattr(self.call, flag) or len(ids) > 1)}))

    def _options(self, field: str, value: Any) -> None:
        self._push(SetRunOptionsCommand(self.doc, f"{field} of call {self.index + 1}",
                                        **{field: value}))

    def _move(self, new_index: int) -> None:
        self._push(MoveCallCommand(self.doc, self.index, new_index))

    def _remove(self) -> None:
        self._push(RemoveCallCommand(self.doc, self.index))

    # ---- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the document's call again (after an edit of its fields or options)."""
        self.call = self.doc.calls[self.index]
        self.heading_text = heading(self.doc, self.index)
        self.title.setText(breakable(self.heading_text))
        self.title.setToolTip(self.heading_text)
        call, options = self.call, self.doc.options
        values: dict[str, Any] = {"leaves": call.leaves, "set_to_none": call.set_to_none,
                                  "outputs": call.outputs, "inputs": call.inputs,
                                  "retain_graph": call.retain_graph}
        if call.primary:
            values.update(inputs=options.inputs, retain_graph=options.retain_graph)
        for name, widget in self.fields.items():
            widget.set_value(values[name])
        for block in self.blocks:
            block.refresh()

    def show_result(self, result: CallResult | None, names: dict[str, str],
                    failed_at: int | None) -> None:
        """What this call did in the latest run."""
        if result is None:
            self.result.setText("not run yet")
            self.error.hide()
            return
        if result.error is not None:
            self.error.setText(f"{result.error.type}: {result.error.message}")
            self.error.show()
        else:
            self.error.hide()
        self.result.setText(_result_text(result, names, failed_at, self.call.function))
        self.result.setVisible(bool(self.result.text()))


def _result_text(result: CallResult, names: dict[str, str], failed_at: int | None,
                 function: str = "") -> str:
    if not result.ran:
        if failed_at is not None and failed_at < result.index:
            return f"not run: call {failed_at + 1} raised an error, and a script stops there"
        return "not run"
    if result.error is not None:
        return ".grad is left as it was before this call"
    if result.kind == GRAD:
        answers = ", ".join(f"tensor({preview(g)})" if g is not None else "None"
                            for g in result.results.values())
        return f"returns ({answers},)  ·  .grad untouched"
    if result.kind == JACOBIAN:
        blocks = "; ".join(f"∂{names.get(o, o)}/∂{names.get(i, i)} = {preview(j)}"
                           for (o, i), j in result.jacobian.items())
        return f"returns J: {blocks}  ·  .grad untouched (J is in the Jacobian lens)"
    if result.kind == FUNCTIONAL:
        return f"returns {answer_text(function, result.answer)}  ·  .grad untouched"
    changed = [f"{names.get(i, i)}.grad = {preview(g)}" for i, g in result.grads_after.items()
               if not _same(g, result.grads_before.get(i))]
    if not changed:
        return ".grad unchanged"
    return "after this call: " + "; ".join(changed)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(a.tolist() == b.tolist())
