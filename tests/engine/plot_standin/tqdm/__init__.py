"""A stand-in for tqdm where it is not installed, for the plain-torch side of the tests only
(torch_reference.py puts it on the path then): a bar iterates as what it wraps and prints
nothing to stdout, which is all a snippet's progress bars do to its numbers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class tqdm:  # noqa: N801 - tqdm's own name
    def __init__(self, iterable: Iterable[Any] | None = None, *args: Any,
                 **kwargs: Any) -> None:
        self.iterable = iterable
        self.n = 0

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            raise TypeError("'NoneType' object is not iterable")
        yield from self.iterable

    def __len__(self) -> int:
        return len(self.iterable)  # type: ignore[arg-type]

    def __enter__(self) -> tqdm:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None  # set_description, set_postfix, update, close

    @staticmethod
    def write(*args: Any, **kwargs: Any) -> None:
        return None


def trange(*args: Any, **kwargs: Any) -> tqdm:
    return tqdm(range(*args))
