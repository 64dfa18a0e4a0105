"""torch's default dtype while a snippet that sets it is read.

`torch.set_default_dtype(torch.float64)` at the top of a course's notebook makes every float
tensor after it float64: `torch.tensor([1.0])`, `torch.randn(3)`, an `nn.Linear`'s weights,
`torch.arange(3) / 2`. torch keeps that default for the whole process, not per thread, so the
reading switches it for real (torch then makes each tensor as the script's torch does) and
holds DEFAULTS from the switch to the end of the reading. Every run takes DEFAULTS too
(engine/run.py): a run on another thread (the window's, while a snippet is imported) waits
instead of seeing a default that is not its own, and the reading's own runs, on its thread,
see the snippet's. The document the reading leaves holds every dtype explicitly (each leaf
has its own), so it runs the same under torch's usual float32 default; reader.py checks that
it does.
"""

from __future__ import annotations

import threading
from typing import Any

import torch

DEFAULTS = threading.RLock()
_switched = threading.local()  # .held: this thread switched the default and holds DEFAULTS


def switch_default_dtype(dtype: torch.dtype) -> None:
    """torch.set_default_dtype(dtype) for the rest of this thread's reading."""
    if not switched():
        if dtype is torch.float32:
            return  # already torch's default: nothing to hold
        DEFAULTS.acquire()
        _switched.held = True
    torch.set_default_dtype(dtype)


def switched() -> bool:
    """Whether this thread's reading has switched torch's default dtype."""
    return bool(getattr(_switched, "held", False))


def restore_default_dtype() -> None:
    """torch's usual float32 default again, and DEFAULTS let go, if this thread switched."""
    if switched():
        torch.set_default_dtype(torch.float32)
        _switched.held = False
        DEFAULTS.release()


def dtype_left_to_default(doc: Any) -> str | None:
    """The first node of `doc` whose dtype comes from torch's default rather than from its
    inputs (`torch.arange(3) / 2` is float64 only under a float64 default), as "name
    (float64, float32 without the default)"; None when the document runs the same under
    torch's usual default. Called by a reading that switched the default, holding DEFAULTS."""
    from engine.run import GRADS, run  # deferred: run.py imports DEFAULTS from here

    switched_to = torch.get_default_dtype()
    under_switch = run(doc, level=GRADS).values
    torch.set_default_dtype(torch.float32)
    try:
        usual = run(doc, level=GRADS).values
    finally:
        torch.set_default_dtype(switched_to)
    for node_id, value in under_switch.items():
        other = usual.get(node_id)
        if isinstance(value, torch.Tensor) and isinstance(other, torch.Tensor) and \
                value.dtype != other.dtype:
            name = doc.node(node_id).name
            return (f"{name} ({str(value.dtype).removeprefix('torch.')}, "
                    f"{str(other.dtype).removeprefix('torch.')} without the default)")
    return None
