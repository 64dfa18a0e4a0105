"""The stand-in's pyplot (see __init__.py): calls draw nothing."""

from __future__ import annotations

from typing import Any

from matplotlib import Drawing


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Drawing, Drawing]:
    axes = nrows if nrows > 1 else ncols
    return Drawing(), Drawing(axes) if axes > 1 else Drawing()


def __getattr__(name: str) -> Any:  # plt.plot, plt.show, plt.figure, ...
    if name.startswith("__"):
        raise AttributeError(name)
    return Drawing()
