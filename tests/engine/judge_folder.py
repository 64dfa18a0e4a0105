"""Judge a folder of fresh snippets the way tests/engine/test_corpus.py judges the corpus:
each read by the importer and run by the engine, against plain torch in a subprocess.

    PYTHONPATH=$PWD:tests/engine QT_QPA_PLATFORM=offscreen \\
        .venv/bin/python tests/engine/judge_folder.py DIR [DIR ...]

Prints one line per snippet (agrees / refused: why / differs: what) and the totals, so a
round of snippets nobody has read yet measures how an unseen corpus would do."""

from __future__ import annotations

import sys
from pathlib import Path

from test_corpus import agrees, engine_side
from torch_reference import in_subprocess


def main(folders: list[str]) -> int:
    paths = sorted(p for folder in folders for p in Path(folder).glob("*.py"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    counts = {"agrees": 0, "refused": 0, "differs": 0, "crashes": 0}
    for path, text, theirs in zip(paths, texts, in_subprocess(texts), strict=True):
        try:
            ours = engine_side(text)
        except Exception as exc:  # noqa: BLE001 - an importer bug: counted, the round goes on
            counts["crashes"] += 1
            print(f"crashes  {path.stem}: {type(exc).__name__}: {exc}"[:300])
            continue
        verdict = agrees(ours, theirs)
        kind = "agrees" if verdict is None else (
            "refused" if verdict.startswith("refused") else "differs")
        counts[kind] += 1
        print(f"{kind:8} {path.stem}: {'' if verdict is None else verdict[:300]}")
    total = len(paths)
    print(f"\n{counts['agrees']}/{total} agree, {counts['refused']} refused, "
          f"{counts['differs']} differ, {counts['crashes']} crash")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
