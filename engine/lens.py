"""The Jacobian lens as views read it: J stacked over outputs × leaves, with v and vᵀJ.

Kept apart from engine.jacobian (which computes it) so a Run can hold one without the
trace depending on the code that differentiates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.format import number

if TYPE_CHECKING:
    import torch


@dataclass
class Lens:
    """J stacked over all outputs (rows) and all leaves (columns), with v and vᵀJ."""

    row_labels: list[str] = field(default_factory=list)
    col_labels: list[str] = field(default_factory=list)
    col_groups: list[tuple[str, int, int]] = field(default_factory=list)  # leaf id, start, stop
    row_groups: list[tuple[str, int, int]] = field(default_factory=list)  # output id, start, stop
    jacobian: torch.Tensor | None = None  # rows × cols
    v: torch.Tensor | None = None  # rows; None when a bare backward() had no implicit 1
    vjp: torch.Tensor | None = None  # cols: vᵀJ
    contributions: torch.Tensor | None = None  # rows × cols: vᵢ·Jᵢ
    # the check against the run's own .grad: None = not comparable (see note)
    matches: bool | None = None
    max_difference: float = 0.0
    worst_column: int | None = None
    note: str = ""  # why something is missing or what to keep in mind
    # the call of the program whose J and v these are (index into Run.calls), its heading
    # ("call 2: backward([loss])", empty for a one-call program) and what vᵀJ was checked
    # against (".grad of the backward run", "call 2's own share of .grad", ...)
    call: int | None = None
    kind: str = ""  # that call's kind (engine.calls): "jacobian" has J only, no v
    label: str = ""
    compared_with: str = ""
    # the run's lens (that of the first backward call) also holds every other backward or
    # autograd.grad call's, by call index: a view that shows one call picks it (`for_call`)
    others: dict[int, Lens] = field(default_factory=dict)

    @property
    def whole_j(self) -> bool:
        """A jacobian call's lens: J by its inputs, no v, no vᵀJ (it returned J itself)."""
        return self.kind == "jacobian"

    def check_line(self) -> str:
        """The check in words: `vᵀJ = call 2's own share of .grad  ✓`, `J = what call 1's
        torch.autograd.functional.jacobian returned  ✓`, where they differ, or nothing."""
        if self.matches is None or (self.vjp is None and not self.whole_j):
            return ""
        what = "J" if self.whole_j else "vᵀJ"
        against = self.compared_with or ".grad of the backward run"
        if self.matches:
            return f"{what} = {against}  ✓"
        where = self.col_labels[self.worst_column] if self.worst_column is not None else "?"
        return (f"{what} ≠ {against}: largest difference {number(self.max_difference)} "
                f"{'in column' if self.whole_j else 'at'} {where}")

    def for_call(self, index: int | None) -> Lens:
        """The lens of call `index` (None, or a call with no J of its own: this one)."""
        return self.others.get(index, self) if index is not None else self
