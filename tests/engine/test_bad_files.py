"""Every broken file gives the one FileFormatError with a message that names the problem."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from engine import fileformat
from engine.examples import example_path, list_examples
from engine.fileformat import FileFormatError, dumps, load, loads, save
from engine.limits import FILE_BYTES, Limit

GOOD = json.loads(example_path("tour_05_fan_out").read_text(encoding="utf-8"))


def mutated(change) -> str:
    data = copy.deepcopy(GOOD)
    change(data)
    return json.dumps(data)


def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


CASES = {
    "invalid json": ('{"format": "gradflow-graph",\n "version": 1,,}', "line 2"),
    "not an object": ("[1, 2]", "the file must be an object"),
    "unknown format": (mutated(_set(["format"], "other-app")), "not a Gradflow graph"),
    "unknown version": (mutated(_set(["version"], 99)), "unknown version 99"),
    "unknown op": (mutated(_set(["nodes", 1, "op"], "frobnicate")), "unknown op 'frobnicate'"),
    "dangling edge": (mutated(_set(["edges", 0, "source"], "404")), "'404' that does not exist"),
    "duplicate ids": (mutated(_set(["nodes", 1, "id"], GOOD["nodes"][0]["id"])),
                      "already exists"),
    "duplicate names": (mutated(_set(["nodes", 1, "name"], "x")), "already used"),
    "duplicate keys": ('{"format": "gradflow-graph", "format": "x"}', "duplicate key 'format'"),
    "nan": (json.dumps(GOOD).replace("0.5", "NaN", 1), "NaN is not allowed"),
    "infinity": (json.dumps(GOOD).replace("0.5", "-Infinity", 1), "Infinity is not allowed"),
    "1e999": (json.dumps(GOOD).replace("0.5", "1e999", 1), "1e999 is out of range"),
    "huge int": (json.dumps(GOOD).replace("0.5", "9" * 5000, 1), "too large"),
    "ragged tensor": (mutated(_set(["nodes", 0, "value"], [[1.0, 2.0], [3.0]])), "node 'x'"),
    "string in tensor": (mutated(_set(["nodes", 0, "value"], [1.0, "two"])), "node 'x'"),
    "tensor over the cap": (mutated(_set(["nodes", 0, "value"], [0.0] * 1_000_001)),
                            "over the limit"),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    "wrong type": (mutated(_set(["nodes"], {"a": 1})), '"nodes" must be a list'),
    "bad position": (mutated(_set(["nodes", 0, "position"], ["a", 1])), "two numbers"),
    "bad param": (mutated(_set(["nodes", 4, "params"], {"dim": "x"})), "dim must be"),
    "unknown param": (mutated(_set(["nodes", 4, "params"], {"banana": 1})), "banana"),
    "bad dtype": (mutated(_set(["nodes", 0, "dtype"], "float7")), "unknown dtype"),
    "bad port": (mutated(_set(["edges", 0, "port"], "nope")), "no input port 'nope'"),
    "bad inputs option": (mutated(_set(["options", "inputs"], ["404"])), "'404'"),
    "bom and garbage": ("\ufeff{oops", "not valid JSON"),
}


def _cycle() -> str:
    data = copy.deepcopy(GOOD)
    ids = {n["name"]: n["id"] for n in data["nodes"]}
    data["edges"].append({"source": ids["loss"], "target": ids["a"], "port": "input"})
    data["edges"] = [e for e in data["edges"]
                     if not (e["target"] == ids["a"] and e["source"] == ids["x"])]
    return json.dumps(data)


CASES["cycle"] = (_cycle(), "would make a cycle")


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_broken_file_names_its_problem(name):
    text, expected = CASES[name]
    with pytest.raises(FileFormatError) as info:
        loads(text)
    assert expected in str(info.value)
    assert "Traceback" not in str(info.value)


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(fileformat, "FILE_BYTES", Limit(FILE_BYTES.name, 1000))
    big = tmp_path / "big.json"
    big.write_text(" " * 2000 + json.dumps(GOOD))
    with pytest.raises(FileFormatError, match="limit"):
        load(big)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(FileFormatError, match="cannot read"):
        load(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FileFormatError, match="not UTF-8"):
        load(tmp_path / "bin.json")


def test_save_is_atomic_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    doc = load(example_path())
    target = tmp_path / "mine.json"
    save(doc, target)
    before = target.read_text(encoding="utf-8")
    doc.title = "changed"

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(fileformat.os, "replace", fail)
    with pytest.raises(OSError):
        save(doc, target)
    assert target.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["mine.json"]  # no temp file left


# ---- fuzz: whatever the damage, one error type -------------------------------------------
def _damage(rng: random.Random, text: str) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return text[: rng.randrange(len(text))]
    if kind == 1:
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return raw.decode("utf-8", errors="replace")
    data = json.loads(text)
    nodes, edges = data["nodes"], data["edges"]
    node = rng.choice(nodes)
    junk = rng.choice([None, 1, -1, 1.5, "x", [], {}, [[1], 2], True, "leaf", [1e308] * 3])
    if kind == 2:
        node.pop(rng.choice(list(node)))
    elif kind == 3:
        node[rng.choice(["id", "op", "name", "value", "position", "params", "output",
                         "dtype", "requires_grad"])] = junk
    elif kind == 4:
        data[rng.choice(["format", "version", "nodes", "edges", "options", "title"])] = junk
    elif kind == 5:
        node["value"] = [0.5] * (1_000_001 if rng.random() < 0.06 else 10)
    elif kind == 6:
        return json.dumps(data).replace("0.5", rng.choice(["NaN", "Infinity", "1e999"]), 1) \
            if "0.5" in json.dumps(data) else "NaN"
    elif kind == 7 and edges:
        edge = rng.choice(edges)
        edge[rng.choice(["source", "target", "port"])] = rng.choice([junk, "99", edge["target"]])
    else:
        a, b = rng.choice(nodes)["id"], rng.choice(nodes)["id"]
        edges.append({"source": a, "target": b, "port": rng.choice(["input", "other"])})
    return json.dumps(data)


def _swap_a_type(rng: random.Random, text: str) -> str:
    """Replace one JSON value anywhere in the file by a value of another type."""
    data = json.loads(text)
    spots: list[tuple[object, object]] = []
    stack: list[object] = [data]
    while stack:
        item = stack.pop()
        keys = (range(len(item)) if isinstance(item, list)
                else list(item) if isinstance(item, dict) else [])
        for key in keys:
            spots.append((item, key))
            stack.append(item[key])  # type: ignore[index]
    if not spots:
        return text
    holder, key = rng.choice(spots)
    holder[key] = rng.choice([None, True, 0, -7, 2.5, 10 ** 19, "", "x" * 300, "²", "\ud800",
                              [], [None], {}, {"id": 1}, [[[[[[[[[[1]]]]]]]]]]])  # type: ignore[index]
    return json.dumps(data)


def _splice(rng: random.Random, text: str, other: str) -> str:
    a, b = sorted(rng.randrange(len(text)) for _ in range(2))
    c, d = sorted(rng.randrange(len(other)) for _ in range(2))
    return text[:a] + other[c:d] + text[b:]


HOSTILE = [
    '"' + '\\"' * 200_000,  # every quote starts a string that never ends
    '"\\\n' * 100_000,
    "[" * 5000 + "]" * 4999,
    '{"format": "gradflow-graph", "version": 1, "nodes": [' + '{"id": "1"},' * 50_000 + "1]}",
    "\ufeff" * 3 + "{}",
    "9" * 4400,
    "-" + "0" * 5000,
    "1e" + "9" * 5000,
]


def test_fuzzed_files_only_ever_raise_file_format_error():
    rng = random.Random(1234)
    texts = [dumps(load(info.path)) for info in list_examples()]
    outcomes = {"refused": 0, "loaded": 0}
    cases = list(HOSTILE)
    for i in range(1200):
        text = rng.choice(texts)
        kind = i % 4
        if kind < 2:
            cases.append(_damage(rng, text))
        elif kind == 2:
            cases.append(_swap_a_type(rng, text))
        else:
            cases.append(_splice(rng, text, rng.choice(texts)))
    for text in cases:
        try:
            loads(text)
            outcomes["loaded"] += 1  # some damage is harmless (e.g. a dropped optional key)
        except FileFormatError as exc:
            assert str(exc)
            assert len(str(exc)) < 400  # a message, not the file repeated back
            outcomes["refused"] += 1
    assert outcomes["refused"] > 600
    assert outcomes["loaded"] > 50  # the mutations are not all trivially fatal


def test_loading_a_bad_file_leaves_an_open_document_unchanged(tmp_path: Path):
    doc = load(example_path())
    before = dumps(doc)
    for text, _ in CASES.values():
        with pytest.raises(FileFormatError):
            doc.replace_with(loads(text))
    assert dumps(doc) == before
