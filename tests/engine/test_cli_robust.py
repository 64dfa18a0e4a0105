"""The CLI answers every odd input with a message and the contract's exit code, never a
traceback or a hang."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.cli import main
from engine.document import Document
from engine.fileformat import FileFormatError, dumps, load, loads
from engine.limits import ELEMENTS_PER_TENSOR, ELEMENTS_TOTAL
from tests.engine.helpers import const, leaf, op

ROOT = Path(__file__).resolve().parents[2]


def _file(tmp_path: Path, doc: Document, name: str = "g.json") -> str:
    path = tmp_path / name
    path.write_text(dumps(doc), encoding="utf-8")
    return str(path)


def _graph_with_ids(*ids: str) -> str:
    nodes = [{"id": ids[0], "op": "leaf", "name": "x", "value": [1.0, 2.0],
              "dtype": "float32", "requires_grad": True},
             {"id": ids[1], "op": "sum", "name": "y", "output": {"seed": None}}]
    return json.dumps({"format": "gradflow-graph", "version": 1, "nodes": nodes,
                       "edges": [{"source": ids[0], "target": ids[1], "port": "input"}]})


def test_odd_node_ids_run_or_are_refused_by_name(tmp_path, capsys):
    path = tmp_path / "sup.json"
    path.write_text(_graph_with_ids("²", "3"), encoding="utf-8")  # "²".isdigit() is True
    assert main(["compute", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grads"] == {"x": [1.0, 1.0]}
    path.write_text(_graph_with_ids("9" * 5000, "1"), encoding="utf-8")
    assert main(["compute", str(path)]) == 2
    err = capsys.readouterr().err
    assert "over the limit of 64 characters in a node id (5,000)" in err
    assert len(err) < 300


def test_numeric_ids_still_sort_numerically():
    from engine.names import id_key
    ids = ["10", "9", "abc", "007", "100000000000000000000", "²", "2"]
    assert sorted(ids, key=id_key) == ["2", "007", "9", "10", "100000000000000000000",
                                       "abc", "²"]


def test_a_lone_surrogate_title_prints_without_a_traceback(tmp_path):
    doc = loads(json.dumps({"format": "gradflow-graph", "version": 1,
                            "title": "half \ud800 pair", "nodes": []}))
    leaf(doc, "x", 2.0)
    path = _file(tmp_path, doc)
    for command in (["compute", path], ["code", path], ["compute", path, "--json"]):
        done = subprocess.run([sys.executable, "-m", "engine.cli", *command], cwd=ROOT,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 0, done.stderr
        if "--json" not in command:  # the JSON report holds no title
            assert "half \\ud800 pair" in done.stdout


def test_safe_print_to_an_ascii_console(monkeypatch):
    from engine import cli
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    cli._print("ｘ \ud800 ok", file=out)
    out.flush()
    assert out.buffer.getvalue() == b"\\uff58 \\ud800 ok\n"  # type: ignore[attr-defined]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_not_read_forever(device, capsys):
    if not Path(device).exists():
        pytest.skip(f"{device} is not on this system")
    with pytest.raises(FileFormatError, match="a device or a pipe, not a file"):
        load(device)
    assert main(["compute", device]) == 2
    assert "a device or a pipe" in capsys.readouterr().err


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(FileFormatError, match="a device or a pipe, not a file"):
        load(fifo)
    snippet_fifo = tmp_path / "pipe.py"
    os.mkfifo(snippet_fifo)
    assert main(["compute", str(snippet_fifo)]) == 2
    assert "a device or a pipe" in capsys.readouterr().err


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(FileFormatError, match="a folder"):
        load(tmp_path)


def test_an_unconnected_input_is_the_apps_message_and_bad_input(tmp_path, capsys):
    doc = Document()
    x = leaf(doc, "x", [1.0, 2.0])
    m = doc.add_node("mul", "mul").id
    doc.add_edge(x, m, "input")
    s = op(doc, "sum", "loss", m)
    doc.update_node(s, is_output=True)
    path = _file(tmp_path, doc)
    assert main(["compute", path, "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["error"] == {"type": "GraphIncomplete", "node": "mul", "call": None,
                             "message": "input 'other' of mul is not connected"}
    assert main(["compute", path]) == 2
    out = capsys.readouterr().out
    assert "error (at mul): GraphIncomplete: input 'other' of mul is not connected" in out
    assert "_MissingInput" not in out


def test_a_torch_error_still_exits_1(tmp_path, capsys):
    doc = Document()
    a = leaf(doc, "a", [1.0, 2.0])
    b = leaf(doc, "b", [1.0, 2.0, 3.0])
    s = op(doc, "add", "s", a, b)
    doc.update_node(s, is_output=True, seed=[1.0, 1.0])
    assert main(["compute", _file(tmp_path, doc), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    with pytest.raises(RuntimeError) as torch_says:
        torch.tensor([1.0, 2.0]) + torch.tensor([1.0, 2.0, 3.0])
    assert error["type"] == "RuntimeError"
    assert error["message"] == str(torch_says.value)


def test_a_broadcast_past_the_tensor_limit_is_refused_before_it_runs(tmp_path, capsys):
    doc = Document()
    a = const(doc, "a", [[1.0]] * 35_000)  # 35000×1 and 1×35000: 1.2 billion elements
    b = const(doc, "b", [[1.0] * 35_000])
    s = op(doc, "add", "s", a, b)
    doc.update_node(s, is_output=True)
    assert main(["compute", _file(tmp_path, doc), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "LimitExceeded"
    assert error["message"] == (
        "s (add) would make a 35000×35000 tensor (1,225,000,000 elements): "
        f"over the limit of {ELEMENTS_PER_TENSOR.value:,} elements in one tensor")
    assert ELEMENTS_TOTAL.value  # named in the other refusal, tested in test_sizes
