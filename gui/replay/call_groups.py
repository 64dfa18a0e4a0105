"""The step list's rows for a program of several calls: a heading row per call (from
Replay.groups()), then that call's steps in trace order; a call that raised says so under
its heading, one that was not run says that. A one-call run keeps the plain list of steps."""

from __future__ import annotations

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


def rows(replay: Replay) -> list[Row]:
    groups = replay.groups()
    if len(groups) <= 1:
        return step_rows(replay)
    out: list[Row] = []
    for group in groups:
        state = "" if group.ran else "  — not run"
        out.append(Row(None, group.title + state, "the steps of this call follow", True))
        if group.index == 0:
            out.append(Row(0, replay.describe(0)))
        out.extend(Row(k, replay.describe(k)) for k in group.steps)
        if group.error is not None:
            out.append(Row(None, f"✗ {group.error.type}: {group.error.message}",
                           "torch raised this at this call; the calls after it are not run"))
        elif group.ran and not group.steps:
            out.append(Row(None, "(no autograd hook ran in this call)"))
    return out
