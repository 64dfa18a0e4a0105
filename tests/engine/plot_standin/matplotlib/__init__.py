"""A stand-in for matplotlib where it is not installed, for the plain-torch side of the tests
only (torch_reference.py puts it on the path then): every plotting call draws nothing and
returns another stand-in, which is all a snippet's plot lines do to its numbers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


class Drawing:
    """A figure, axes, line or rcParams: any attribute or call gives another, an item set
    is kept nowhere; it unpacks like the axes of plt.subplots(1, n) would."""

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

    def __setitem__(self, key: Any, value: Any) -> None:
        """plt.rcParams['text.usetex'] = True: a setting of how it draws."""

    def __iter__(self) -> Any:
        return iter([Drawing() for _ in range(self.count)])


def use(*args: Any, **kwargs: Any) -> None:
    """matplotlib.use('Agg')."""


def __getattr__(name: str) -> Any:  # matplotlib.rcParams, matplotlib.rc, matplotlib.style
    if name.startswith("__"):
        raise AttributeError(name)
    if (Path(__file__).parent / f"{name}.py").exists():  # from matplotlib import pyplot
        return importlib.import_module(f"{__name__}.{name}")
    return Drawing()
