"""A long snippet (a training loop of many steps) is read in a thread of its own: the window
keeps handling events meanwhile, the dialog shows how far the reading got, Cancel stops it
with the text kept, and a reading left to finish imports the last step with torch's
numbers."""

from __future__ import annotations

import torch
from PySide6.QtCore import QTimer

from gui.code.import_dialog import ImportDialog

LONG = """import torch
w = torch.tensor([0.5, -0.25], requires_grad=True)
x = torch.tensor([1.0, 2.0])
for step in range({steps}):
    loss = ((w * x).sum() - 3.0) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
    w.grad = None
"""


def test_cancel_stops_a_long_reading_and_keeps_the_text(qtbot) -> None:
    text = LONG.format(steps=20000)
    dialog = ImportDialog(text=text)
    qtbot.addWidget(dialog)
    ticks: list[str] = []
    pulse = QTimer()
    pulse.timeout.connect(lambda: ticks.append(dialog.message.text()))
    pulse.start(50)
    QTimer.singleShot(600, dialog.cancel)  # the user presses Cancel while it reads
    assert not dialog.try_import()
    pulse.stop()
    assert len(ticks) >= 5  # the event loop went on while it read
    assert any(t.startswith("Reading… ") and "statements so far" in t for t in ticks)
    assert "reading stopped here, as asked" in dialog.message.text()
    assert dialog.document is None and dialog.editor.toPlainText() == text
    assert dialog.import_button.isEnabled() and not dialog.editor.isReadOnly()


def test_a_reading_left_to_finish_imports_the_last_step(qtbot) -> None:
    dialog = ImportDialog(text=LONG.format(steps=200))
    qtbot.addWidget(dialog)
    assert dialog.try_import()
    doc = dialog.document
    assert doc is not None and "200 weight updates" in doc.description
    w = torch.tensor([0.5, -0.25], requires_grad=True)
    x = torch.tensor([1.0, 2.0])
    for _ in range(199):
        (((w * x).sum() - 3.0) ** 2).backward()
        with torch.no_grad():
            w -= 0.01 * w.grad
        w.grad = None
    leaf = doc.node_by_name("w")
    assert leaf is not None and leaf.value == torch.Tensor.tolist(w.detach())
