"""`torch.save(model.state_dict(), "model.ckpt")` at the end of a training script, read as a
line that writes nothing here.

The script writes a file; Gradflow never writes what a snippet asks (it saves the graph
itself), so the call's arguments are evaluated in Python's order (what they raise is raised
there) and "About this graph" says the file was not written. Reading a file back
(`torch.load`) stays refused: its numbers are not in the snippet.
"""

from __future__ import annotations

import ast

from engine.snippets.plots import PlotReader
from engine.snippets.values import Py, Value

SAVE = "torch.save"


class SavedFiles(PlotReader):
    def call(self, node: ast.Call) -> Value:
        if self.module_path(node.func) == SAVE:
            self.arguments(node)
            note = (f"torch.save at line {node.lineno} writes a file in the script; Gradflow "
                    "wrote nothing.")
            if note not in self.doc.description:
                self.doc.description = f"{self.doc.description} {note}".strip()
            return Py(None)
        return super().call(node)

    def has_effects(self, call: ast.Call) -> bool:
        if self.module_path(call.func) == SAVE:
            return False
        return super().has_effects(call)


__all__ = ["SavedFiles"]
