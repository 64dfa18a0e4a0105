"""Errors the app itself reports about a run: not torch's, so never dressed as torch's.

A run keeps torch's exceptions verbatim (type and message). When the app refuses to compute
something itself, the run reports one of these instead, under its own type name; the CLI
counts it as bad input (exit 2), not as torch raising (exit 1).
"""

from __future__ import annotations


class Refusal(Exception):
    """The app refuses to compute a node; `kind` is the error type shown to the user."""

    kind = "Refused"


class GraphIncomplete(Refusal):
    """An op input is not connected."""

    kind = "GraphIncomplete"


class LimitExceeded(Refusal):
    """A tensor would be over a size limit of engine.limits."""

    kind = "LimitExceeded"


KINDS = frozenset(c.kind for c in (Refusal, GraphIncomplete, LimitExceeded))
