"""The Code panel: the current document as a PyTorch snippet that plain torch runs."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from engine.document import DocEvent, Document


class CodePanel(QWidget):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.status = QLabel()
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the snippet to the clipboard")
        copy.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text)
        layout.addLayout(row)
        self._timer = QTimer(self)  # a drag or a layout sends many events: write once
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.refresh)
        doc.subscribe(self._on_event)
        self.destroyed.connect(lambda: doc.unsubscribe(self._on_event))
        self._stale = True  # written when shown: codegen brings torch in, not before paint

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "node_changed" and event.fields == ("position",):
            return  # moving a node changes no line of code
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802, ANN001
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        from engine.snippets.codegen import CodegenError, generate

        self._stale = False
        try:
            code = generate(self.doc)
        except CodegenError as exc:
            self.status.setText(f"Not runnable yet: {exc}")
            return
        self.status.setText("Runs as-is with plain PyTorch")
        if code != self.text.toPlainText():
            self.text.setPlainText(code)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.status.setText("Copied")
