"""The program of calls in the seed panel: one section per call, in order, and "+ Add call".

A one-call document keeps the plain seed form (its blocks, then the add button). With several
calls every call gets a section (gui/seed/call_section.py); the document's own backward call's
section holds the seed form's blocks, so the form keeps editing Node.seed as before. Sections
are rebuilt when the program's shape changes (a call added, removed, moved, outputs changed, an
output's shape learnt) and refreshed in place otherwise, so a cell being typed into survives.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QMenu, QToolButton

from engine.calls import (
    BACKWARD,
    FUNCTIONAL,
    GRAD,
    JACOBIAN,
    Call,
    backward,
    functional,
    grad,
    jacobian,
    zero_grad,
)
from engine.document import DocEvent
from engine.ops import CONSTANT, LEAF, NUMBER
from engine.seeds import count, nest
from engine.trace import Run
from gui.canvas.commands import push
from gui.seed.call_commands import AddCallCommand
from gui.seed.call_section import CallSection, Shape
from gui.seed.seed_form import SeedForm


class ProgramPanel:
    def __init__(self, form: SeedForm) -> None:
        self.form, self.doc = form, form.doc
        self.run: Run | None = None
        self.shapes: dict[str, Shape] = {}
        self.sections: list[CallSection] = []
        self._keys: list[tuple[object, ...]] = []
        self._shown_failure: int | None = None  # scrolled to once per new failure
        self.add_button = QToolButton()
        self.add_button.setText("+ Add call")
        self.add_button.setToolTip("Make another call after the forward: backward again, "
                                   "reset .grad, ask autograd.grad, take the whole J, or "
                                   "torch's vjp of the graph")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.add_button)
        self.menu.addAction("backward again", lambda: self.add(BACKWARD))
        self.menu.addAction("zero_grad (reset .grad)", lambda: self.add("zero_grad"))
        self.menu.addAction("torch.autograd.grad", lambda: self.add(GRAD))
        self.menu.addAction("torch.autograd.functional.jacobian",
                            lambda: self.add(JACOBIAN))
        self.menu.addAction("torch.autograd.functional.vjp (vᵀJ, v editable)",
                            lambda: self.add(FUNCTIONAL))
        self.add_button.setMenu(self.menu)
        self.refusal = QLabel()
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        layout = form.body_layout
        layout.insertWidget(layout.indexOf(form.primary) + 1, self.add_button)
        layout.insertWidget(layout.indexOf(self.add_button) + 1, self.refusal)
        self.doc.subscribe(self._on_event)
        self.sync()

    # ---- what the document and the runs say ----------------------------------------------
    def _on_event(self, event: DocEvent) -> None:
        if event.kind in ("calls_changed", "options_changed", "reset", "node_added",
                          "node_removed") or (event.kind == "node_changed" and set(
                              event.fields) & {"name", "is_output", "requires_grad", "seed",
                                               "seed_enabled"}):
            if event.kind == "reset":
                self.run, self.shapes = None, {}
            self.sync()

    def show_run(self, run: Run | None) -> None:
        self.run = run
        if run is not None:
            for node_id, value in run.values.items():
                self.shapes[node_id] = tuple(value.shape)
        self.sync()

    def shape_of(self, node_id: str) -> Shape | None:
        return self.shapes.get(node_id)

    # ---- building -------------------------------------------------------------------------
    def _key(self, call: Call) -> tuple[object, ...]:
        return (call.kind, call.primary, call.outputs,
                tuple(self.shapes.get(i) for i in call.outputs),
                tuple(n.id for n in self.doc.leaves()), tuple(n.id for n in self.doc.nodes()))

    def sync(self) -> None:
        calls = self.doc.calls
        keys = [self._key(c) for c in calls] if len(calls) > 1 else []
        if keys != self._keys:
            self._rebuild(keys)
        for section in self.sections:
            section.refresh()
        self._show_results()

    def _rebuild(self, keys: list[tuple[object, ...]]) -> None:
        form, layout = self.form, self.form.body_layout
        layout.insertWidget(1, form.primary)  # out of the old primary section, before it goes
        for section in self.sections:
            layout.removeWidget(section)
            section.deleteLater()
        self.sections, self._keys = [], keys
        if not keys:
            return
        for index, call in enumerate(self.doc.calls):
            section = CallSection(form, index, self.shape_of)
            if call.primary:
                section.body.addWidget(form.primary)
            section.finish()
            layout.insertWidget(1 + index, section)
            section.show()  # now, not at the next event loop turn: read at once after a run
            self.sections.append(section)

    def _show_results(self) -> None:
        run = self.run
        if run is None or len(run.calls) != len(self.sections):
            for section in self.sections:
                section.show_result(None, {}, None)
            return
        failed = next((c.index for c in run.calls if c.error is not None), None)
        for section, result in zip(self.sections, run.calls, strict=True):
            section.show_result(result, run.names, failed)
        if failed is not None and failed != self._shown_failure:
            # the call that raised, in view: the banner names it, its section says it
            QTimer.singleShot(0, self.form, lambda: self._scroll_to(failed))  # once laid out
        self._shown_failure = failed

    def _scroll_to(self, index: int, tries: int = 20) -> None:
        """Scroll down (never sideways) to the section of the call that raised: all of it
        if it fits, else down to its error line. While the form is not laid out yet (its
        scroll range short of the place, as when the window has only just been shown), again
        a little later."""
        if index >= len(self.sections):
            return
        content = self.form.widget()
        laid_out = content.layout() if content is not None else None
        if laid_out is not None:
            laid_out.activate()  # the sections' places now, not at a later turn
        section, room = self.sections[index], self.form.viewport().height()
        bottom = section.y() + section.error.geometry().bottom() + 6
        top = section.y()
        bar = self.form.verticalScrollBar()
        target = top if bottom - top <= room else bottom - room
        bar.setValue(target)
        if bar.value() != target and tries:
            QTimer.singleShot(50, self.form, lambda: self._scroll_to(index, tries - 1))

    # ---- adding ---------------------------------------------------------------------------
    def add(self, kind: str) -> None:
        word = "vjp" if kind == FUNCTIONAL else kind
        refused = push(self.form.undo_stack, AddCallCommand(self.doc, self._new_call(kind),
                                                            text=f"Add {word} call"))
        self.refusal.setText(f"not added: {refused}" if refused else "")
        self.refusal.setVisible(bool(refused))

    def _new_call(self, kind: str) -> Call:
        """A call that makes sense on this graph: on the marked outputs (else the last op),
        with a gradient of ones for a non-scalar output, into every leaf."""
        doc = self.doc
        outputs = [n.id for n in doc.outputs()] or [
            n.id for n in doc.topological_nodes() if n.op not in (LEAF, CONSTANT)][-1:]
        seeds = [None if self.shapes.get(i, ()) == () else
                 nest([1.0] * count(self.shapes[i]), self.shapes[i]) for i in outputs]
        if kind == BACKWARD:
            return backward(outputs, seeds)
        if kind == GRAD:
            return grad(outputs, [n.id for n in doc.leaves() if n.requires_grad], seeds)
        inputs = [n.id for n in doc.leaves()] or [  # every leaf, else every tensor of numbers
            n.id for n in doc.nodes() if n.op == CONSTANT and not n.params.get(NUMBER)]
        if kind == JACOBIAN:
            return jacobian(outputs, inputs)
        if kind == FUNCTIONAL:  # vjp(f, inputs, v): v of ones per output, as backward's
            return functional("vjp", outputs, inputs, seeds)
        return zero_grad()
