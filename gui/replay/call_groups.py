"""The step list's rows for a program of several calls: a heading row per call (from
Replay.groups()), then that call's steps in trace order; a call that raised says so under
its heading, one that was not run says that. A one-call run keeps the plain list of steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.replay import Replay


@dataclass(frozen=True)
class Row:
    step: int | None  # None: a heading or a note, not a step one can go to
    text: str
    tip: str = ""
    heading: bool = False


def step_rows(replay: Replay) -> list[Row]:
    return [Row(k, replay.describe(k)) for k in range(len(replay) + 1)]


def rows(replay: Replay, words: Callable[[int], str | None] | None = None) -> list[Row]:
    """`words(i)`: call i as the seed panel heads it (None: the run's own label)."""
    groups = replay.groups()
    if len(groups) <= 1:
        return step_rows(replay)
    out: list[Row] = []
    for group in groups:
        state = "" if group.ran else "  — not run"
        said = words(group.index) if words is not None else None
        title = f"call {group.index + 1}: {said}" if said else group.title
        out.append(Row(None, title + state, "the steps of this call follow", True))
        if group.index == 0:
            out.append(Row(0, replay.describe(0)))
        out.extend(Row(k, replay.describe(k)) for k in group.steps)
        if group.error is not None:
            text = f"{group.error.type}: {group.error.message}"
            out.append(Row(None, f"✗ {_first_sentence(text)}",
                           f"torch raised this at this call; the calls after it are not "
                           f"run.\n{text}"))
        elif group.ran and not group.steps:
            out.append(Row(None, "(no autograd hook ran in this call)"))
    return out


def _first_sentence(text: str, limit: int = 110) -> str:
    """A long message's first sentence for one row (the tooltip has it whole)."""
    cut = text.find(". ")
    short = text if cut < 0 else text[: cut + 1]
    return short if len(short) <= limit else short[: limit - 1] + "…"
