"""A small panel with the open graph's title and description (what an example teaches)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine.document import DocEvent, Document


class DescriptionPanel(QLabel):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMargin(8)
        doc.subscribe(self._on_event)
        self.refresh()

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            self.refresh()

    def refresh(self) -> None:
        title = html.escape(self.doc.title or "untitled graph")
        body = html.escape(self.doc.description or "No description.")
        self.setText(f"<b>{title}</b><p>{body}</p>")
