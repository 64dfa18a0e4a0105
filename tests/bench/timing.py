"""Medians of repeated timings, and the table row every figure is reported as."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Row:
    section: str
    figure: str
    value: float
    reference: str
    reference_value: float | None
    unit: str = "ms"
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.reference_value in (None, 0):
            return None
        return self.value / self.reference_value

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def repeats_for(n_ops: int, elements: int) -> int:
    work = n_ops * elements
    return 15 if work <= 1e5 else 5 if work <= 1e7 else 1
