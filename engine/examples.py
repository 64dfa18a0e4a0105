"""The example documents shipped in resources/examples/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "examples"
DEFAULT_EXAMPLE = "seed_3_tensor_loss_with_gradient"


@dataclass(frozen=True)
class ExampleInfo:
    path: Path
    title: str
    description: str


def list_examples() -> list[ExampleInfo]:
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(ExampleInfo(path, data.get("title", path.stem),
                                 data.get("description", "")))
    return found


def example_path(stem: str = DEFAULT_EXAMPLE) -> Path:
    return EXAMPLES_DIR / f"{stem}.json"
