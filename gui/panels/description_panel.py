"""A small panel with the open graph's title and description (what an example teaches).

Text from a file can be anything: a 40 000-character title with no space in it would make the
label, and so the window, that wide. Long text is cut with "…" (the whole of it is in the
tooltip) and long words get break opportunities, so the panel wraps at any width."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from engine.document import DocEvent, Document

TITLE_CHARS = 200
DESCRIPTION_CHARS = 5_000
WORD_CHARS = 40  # a longer run without a space gets a break opportunity every so many
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_LONG_WORD = re.compile(rf"\S{{{WORD_CHARS + 1},}}")


def elide(text: str, limit: int) -> str:
    """One line of at most `limit` characters: control characters become spaces."""
    line = _CONTROL.sub(" ", text).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _breakable(escaped: str) -> str:
    """Zero-width spaces inside long words (of escaped HTML: never inside an &entity;)."""
    def split(match: re.Match[str]) -> str:
        parts = re.findall(r"&[#\w]+;|.", match[0])
        return "".join(p + ("\u200b" if (i + 1) % WORD_CHARS == 0 else "")
                       for i, p in enumerate(parts))
    return _LONG_WORD.sub(split, escaped)


class DescriptionPanel(QLabel):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMargin(8)
        # the text wraps to whatever width the dock has; it never asks for more
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        doc.subscribe(self._on_event)
        self.refresh()

    def _on_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            self.refresh()

    def refresh(self) -> None:
        title = self.doc.title or "untitled graph"
        body = self.doc.description or "No description."
        short_title, short_body = elide(title, TITLE_CHARS), body[:DESCRIPTION_CHARS]
        if len(body) > DESCRIPTION_CHARS:
            short_body += "…"
        self.setToolTip(title if short_title != title else "")
        self.setText(f"<b>{_breakable(html.escape(short_title))}</b>"
                     f"<p>{_breakable(html.escape(short_body))}</p>")
