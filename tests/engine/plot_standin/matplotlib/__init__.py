"""A stand-in for matplotlib where it is not installed, for the plain-torch side of the tests
only (torch_reference.py puts it on the path then): every plotting call draws nothing and
returns another stand-in, which is all a snippet's plot lines do to its numbers."""

from __future__ import annotations

from typing import Any


class Drawing:
    """A figure, axes or line: any attribute or call gives another; it unpacks like the
    axes of plt.subplots(1, n) would."""

    def __init__(self, count: int = 1) -> None:
        self.count = count

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return Drawing()

    def __call__(self, *args: Any, **kwargs: Any) -> Drawing:
        return Drawing()

    def __getitem__(self, key: Any) -> Drawing:
        return Drawing()

    def __iter__(self) -> Any:
        return iter([Drawing() for _ in range(self.count)])


def use(*args: Any, **kwargs: Any) -> None:
    """matplotlib.use('Agg')."""
