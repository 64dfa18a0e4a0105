"""The Jacobian lens as views read it: J stacked over outputs × leaves, with v and vᵀJ.

Kept apart from engine.jacobian (which computes it) so a Run can hold one without the
trace depending on the code that differentiates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
