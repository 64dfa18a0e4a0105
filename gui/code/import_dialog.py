"""File → Import PyTorch code…: paste a snippet, get the graph. The snippet is read, never
run (engine/snippets/reader.py); on a refusal the line is marked and the text is kept. When
torch itself raised at a line (`TorchRaised`), that is the snippet's own error, not a refusal:
the graph of the statements before it is loaded, as far as plain python gets, and torch's
words go with it: every run of that document reports them (the error banner, as for any
torch error), as `gradflow compute` does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QFontDatabase, QKeySequence, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.document import Document
from engine.trace import RunError
from gui import style

PLACEHOLDER = """import torch

x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x * x
y.backward(gradient=torch.tensor([1.0, 0.5]))
print(x.grad)"""


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Import PyTorch code")
        self.resize(640, 480)
        self.document: Document | None = None
        self.raised_error: RunError | None = None  # torch's error at a line, for the runs
        self.editor = QPlainTextEdit(text)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.textChanged.connect(self._clear_error)
        self.message = QLabel("Paste a PyTorch snippet. It is read, never run: tensors, the "
                              "registry's ops, backward calls, .grad.zero_() and "
                              "torch.autograd.grad are understood.")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        self.import_button.setToolTip("Build the graph from this code (Ctrl+Enter)")
        self.import_button.setShortcut("Ctrl+Return")
        buttons.accepted.connect(self.try_import)
        buttons.rejected.connect(self.cancel)
        self.reading: Reading | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def try_import(self) -> bool:
        # imported here: the importer brings torch in, which must not delay the first paint
        from engine.snippets.reader import ImportError_, TorchRaised, import_snippet

        reading = self.reading = Reading(import_snippet, self.editor.toPlainText())
        if not reading.finish_within(0.05):  # a long read (a training loop): show how far
            self.import_button.setEnabled(False)
            self.editor.setReadOnly(True)
            if not self.isVisible():  # a file opened from the command line: show the reading
                self.show()
            try:
                reading.wait_showing(self.message)
            finally:
                self.import_button.setEnabled(True)
                self.editor.setReadOnly(False)
        self.reading = None
        try:
            self.document = reading.result()
            self.raised_error = None
        except TorchRaised as exc:  # the snippet's own error: python stops there too
            assert isinstance(exc.document, Document)
            self.document = exc.document
            self.raised_error = RunError(exc.error_type, exc.torch_message, None, "forward",
                                         line=exc.line)
        except ImportError_ as exc:
            self.show_error(str(exc), exc.line, exc.col)
            return False
        self.accept()
        return True

    def cancel(self) -> None:
        """Cancel stops a reading under way (the text stays to edit), else closes."""
        if self.reading is not None:
            self.reading.watch.stop.set()
        else:
            self.reject()

    def reject(self) -> None:  # Esc too
        if self.reading is not None:
            self.reading.watch.stop.set()
            return
        super().reject()

    @property
    def raised(self) -> str | None:
        """torch's error at a line, as python would print it."""
        error = self.raised_error
        return None if error is None else f"line {error.line}: {error.type}: {error.message}"

    def show_error(self, text: str, line: int | None, col: int | None) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {style.VERMILLION}; font-weight: bold;")
        if not line:
            return
        block = self.editor.document().findBlockByLineNumber(line - 1)
        cursor = QTextCursor(block)
        if col:
            cursor.movePosition(QTextCursor.MoveOperation.Right, n=max(col - 1, 0))
        self.editor.setTextCursor(cursor)
        mark = QTextEdit.ExtraSelection()
        mark.format.setBackground(QColor(style.VERMILLION).lighter(170))
        mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        mark.cursor = QTextCursor(block)
        self.editor.setExtraSelections([mark])
        self.editor.setFocus()

    def _clear_error(self) -> None:
        if self.editor.extraSelections():
            self.editor.setExtraSelections([])
            self.message.setStyleSheet("")


class Reading:
    """One snippet read by the importer in a thread of its own, so the window stays alive
    while a long snippet (a training loop of thousands of steps) is read: its progress is
    shown and Cancel stops it at the next statement."""

    def __init__(self, read: Callable[..., Document], text: str) -> None:
        from engine.snippets.reader import ReadWatch

        self.watch = ReadWatch()
        self._outcome: Document | BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(read, text),
                                        name="gradflow-import", daemon=True)
        self._thread.start()

    def _work(self, read: Callable[..., Document], text: str) -> None:
        try:
            self._outcome = read(text, watch=self.watch)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as it is
            self._outcome = exc
        finally:
            self._done.set()

    def finish_within(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def wait_showing(self, label: QLabel) -> None:
        """Until the reading ends, with the GUI's events going on and its progress on
        `label` (restored after)."""
        before, style_before = label.text(), label.styleSheet()
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(100)

        def tick() -> None:
            if self._done.is_set():
                loop.quit()
                return
            stopping = " — stopping…" if self.watch.stop.is_set() else " (Cancel stops it)"
            label.setText(f"Reading… {self.watch.statements:,} statements so far, line "
                          f"{self.watch.line}{stopping}")

        timer.timeout.connect(tick)
        timer.start()
        tick()
        if not self._done.is_set():
            loop.exec()
        timer.stop()
        label.setText(before)
        label.setStyleSheet(style_before)

    def result(self) -> Document:
        self._done.wait()
        outcome = self._outcome
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None
        return outcome


OpenUntitled = Callable[[Document, str], bool]  # a new document and a status line; False: kept
Carry = Callable[[RunError], None]  # the runs of the new document report this error


def import_code(parent: QWidget, open_untitled: OpenUntitled, carry: Carry | None = None,
                dialog: ImportDialog | None = None) -> bool:
    """Ask for a snippet; on success it replaces the document (asking to save first).
    `dialog`: one already filled in and accepted (tests), else a new one is shown."""
    if dialog is None:
        dialog = ImportDialog(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
    if dialog.document is None:
        return False
    doc = dialog.document
    if dialog.raised_error is not None:
        opened = open_untitled(doc, f"Imported {len(doc)} nodes, up to where torch raised "
                                    f"at {dialog.raised}")
        if opened and carry is not None:
            carry(dialog.raised_error)  # after the new document's reset, before its run
        return opened
    names = ", ".join(n.name for n in doc.outputs()) or "no output"
    calls = f" and {len(doc.calls) - 1} more calls" if len(doc.calls) > 1 else ""
    about = f" — {doc.description.split(':')[0].lower()}: see About this graph" \
        if doc.description else ""  # a training loop: which step the graph is
    return open_untitled(doc, f"Imported {len(doc)} nodes from code; backward on "
                              f"{names}{calls}{about}")


def import_action(parent: QWidget, open_untitled: OpenUntitled,
                  carry: Carry | None = None) -> QAction:
    """File → Import PyTorch code… (Ctrl+I)."""
    action = QAction("&Import PyTorch code…", parent)
    action.setShortcut(QKeySequence("Ctrl+I"))
    action.setToolTip("Paste a PyTorch snippet and get its graph (it is never run)")
    action.triggered.connect(lambda: import_code(parent, open_untitled, carry))
    return action


def import_file(parent: QWidget, path: Path, open_untitled: OpenUntitled,
                carry: Carry | None = None) -> bool:
    """`gradflow snippet.py`: the snippet read as File → Import reads pasted code. A snippet
    the importer refuses opens in the import dialog with its line marked, nothing lost."""
    from engine.cli import InputError, snippet_text

    try:
        text = snippet_text(path)
    except InputError as exc:
        QMessageBox.warning(parent, "Gradflow Studio", f"Could not open {path}: {exc}")
        return False
    dialog = ImportDialog(parent, text)
    if not dialog.try_import() and dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return import_code(parent, open_untitled, carry, dialog=dialog)
