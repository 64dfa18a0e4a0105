"""A random family of snippets: `gradflow compute --json` equals plain torch, generated code
run by plain torch equals the engine, and code → document → code → document is stable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from snippet_family import make_snippet
from torch_reference import in_subprocess

from engine import cli
from engine.document import Document
from engine.fileformat import load, save, to_dict
from engine.run import run
from engine.snippets.codegen import CodegenError, generate
from engine.snippets.reader import import_snippet

SEEDS = range(36)
EXAMPLES = sorted((Path(__file__).parents[2] / "resources" / "examples").glob("*.json"))


@pytest.fixture(scope="module")
def family() -> dict[str, Any]:
    """Every snippet and its generated code, each run once by plain torch in one process."""
    snippets = [make_snippet(seed) for seed in SEEDS]
    generated = [generate(import_snippet(code)) for code in snippets]
    example_code = [generate(load(path)) for path in EXAMPLES]
    results = in_subprocess(snippets + generated + example_code)
    n = len(snippets)
    return {"snippets": snippets, "generated": generated, "example_code": example_code,
            "torch": results[:n], "torch_generated": results[n:2 * n],
            "torch_examples": results[2 * n:]}


def compute_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = cli.main(["compute", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("index", list(range(len(SEEDS))))
def test_compute_json_of_snippet_equals_plain_torch(index: int, family: dict[str, Any],
                                                    tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    expected = family["torch"][index]
    assert expected["error"] is None
    path = tmp_path / "snippet.py"
    path.write_text(family["snippets"][index], encoding="utf-8")
    code, data = compute_json(path, capsys)
    assert (code, data["error"]) == (0, None)
    assert data["grads"] == expected["grads"]
    assert any(g is not None for g in data["grads"].values())


@pytest.mark.parametrize("index", list(range(len(SEEDS))))
def test_generated_code_run_by_torch_gives_the_engines_grads(index: int,
                                                             family: dict[str, Any]) -> None:
    doc = import_snippet(family["snippets"][index])
    engine = cli.report(doc, run(doc))
    assert family["torch_generated"][index]["error"] is None
    assert family["torch_generated"][index]["grads"] == json.loads(json.dumps(engine))["grads"]


def canonical(doc: Document) -> dict[str, Any]:
    """to_dict by names instead of ids, positions and title left out."""
    data = to_dict(doc)
    names = {n["id"]: n["name"] for n in data["nodes"]}
    nodes = {}
    for n in data["nodes"]:
        n = {k: v for k, v in n.items() if k not in ("id", "position")}
        nodes[n.pop("name")] = n
    edges = sorted((names[e["source"]], names[e["target"]], e["port"]) for e in data["edges"])
    options = dict(data["options"])
    if options["inputs"] is not None:
        options["inputs"] = [names[i] for i in options["inputs"]]
    every_leaf = [n.name for n in doc.leaves() if n.requires_grad]
    program = []
    for call in data.get("calls", []):  # ids as names; "every leaf" as the leaves it means
        call = dict(call)
        for field in ("outputs", "inputs", "leaves"):
            if call.get(field) is not None:
                call[field] = [names[i] for i in call[field]]
        if call.get("kind") == "zero_grad" and call.get("leaves") is None:
            call["leaves"] = every_leaf
        program.append(call)
    return {"nodes": nodes, "edges": edges, "options": options, "calls": program}


@pytest.mark.parametrize("index", list(range(len(SEEDS))))
def test_round_trip_through_code_keeps_the_document(index: int, family: dict[str, Any]) -> None:
    doc = import_snippet(family["snippets"][index])
    again = import_snippet(family["generated"][index])
    assert canonical(again) == canonical(doc)
    assert generate(again) == family["generated"][index]


@pytest.mark.parametrize("index", list(range(len(EXAMPLES))))
def test_examples_round_trip_and_run_in_torch(index: int, family: dict[str, Any],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    doc = load(EXAMPLES[index])
    assert canonical(import_snippet(family["example_code"][index])) == canonical(doc)
    code, data = compute_json(EXAMPLES[index], capsys)
    torch_side = family["torch_examples"][index]
    assert data["grads"] == torch_side["grads"]
    if data["error"] is not None:  # a bare backward torch refuses: printed, not raised
        assert code == 1
        assert f"RuntimeError: {data['error']['message']}" in torch_side["stdout"]


def test_generated_code_writes_plain_numbers_inline() -> None:
    code = generate(import_snippet("import torch\na = torch.tensor([2., 3.], requires_grad=True)\n"
                                   "Q = 3*a**3 - a**-2\nQ.sum().backward()\n"))
    assert "pow = a ** 3\nmul = 3 * pow\npow_2 = a ** (-2)\n" in code
    assert "\ntry:\n    sum.backward()\nexcept RuntimeError as error:\n" in code


def test_compute_runs_as_a_command_on_the_articles_third_example(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "seed_article.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n")[3].split("```")[0]
    path = tmp_path / "example3.py"
    path.write_text(snippet, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "engine.cli", "compute", str(path), "--json"],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    expected = in_subprocess([snippet])[0]["grads"]
    assert data["grads"] == expected == {"x": [4.0, 3.0]}
    assert data["outputs"]["loss"] == {"shape": [2], "value": [4.0, 9.0],
                                       "gradient": [1.0, 0.5]}


def test_code_command_prints_the_generated_snippet(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.py"
    path.write_text(make_snippet(3), encoding="utf-8")
    assert cli.main(["code", str(path)]) == 0
    assert capsys.readouterr().out == generate(import_snippet(make_snippet(3)))


def test_code_refuses_an_unconnected_input(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    doc = Document()
    x = doc.add_node("leaf", "x", value=[1.0])
    mul = doc.add_node("mul", "y", is_output=True)
    doc.add_edge(x.id, mul.id, "input")
    with pytest.raises(CodegenError, match="input 'other' of y"):
        generate(doc)
    save(doc, tmp_path / "g.json")
    assert cli.main(["code", str(tmp_path / "g.json")]) == 2
    assert "input 'other' of y (mul) is not connected" in capsys.readouterr().err


def test_compute_refuses_a_bad_snippet_with_exit_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.py"
    path.write_text("import torch\nimport subprocess\n", encoding="utf-8")
    assert cli.main(["compute", str(path), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]  # --json answers in JSON, exit 2 too
    assert error["type"] == "UsageError"
    assert "bad.py: line 2, column 1: importing subprocess is not supported" in error["message"]


def test_compute_gradient_flag_overrides_a_snippets_seed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.py"
    path.write_text("import torch\nx = torch.tensor([2.0, 3.0], requires_grad=True)\n"
                    "y = x * x\ny.backward(torch.ones_like(y))\n", encoding="utf-8")
    assert cli.main(["compute", str(path), "--json", "--gradient", "[1, 0.5]"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grads"] == {"x": [4.0, 3.0]}
    assert data["outputs"]["y"]["gradient"] == [1.0, 0.5]
