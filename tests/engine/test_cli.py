"""`gradflow compute` on the seed article's examples, per the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.examples import example_path

ROOT = Path(__file__).resolve().parents[2]


def compute(capsys, *args: str) -> tuple[int, dict]:
    code = main(["compute", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_example_1(capsys):
    code, data = compute(capsys, str(example_path("seed_1_scalar_loss")))
    assert code == 0
    assert data["grads"] == {"x": 12.0}
    assert data["outputs"]["loss"] == {"shape": [], "value": 12.0, "gradient": None}
    assert data["error"] is None


def test_example_2(capsys):
    code, data = compute(capsys, str(example_path("seed_2_tensor_loss_no_gradient")))
    assert code == 1
    assert data["grads"] == {"x": None}
    assert data["error"]["type"] == "RuntimeError"
    assert data["error"]["message"] == "grad can be implicitly created only for scalar outputs"


def test_example_3_and_gradient_override(capsys):
    path = str(example_path("seed_3_tensor_loss_with_gradient"))
    code, data = compute(capsys, path)
    assert (code, data["grads"]) == (0, {"x": [4.0, 3.0]})
    assert data["outputs"]["loss"]["gradient"] == [1.0, 0.5]
    code, data = compute(capsys, path, "--gradient", "[1, 1]")
    assert (code, data["grads"]) == (0, {"x": [4.0, 6.0]})
    assert any("float32" in w for w in data["warnings"])
    code, data = compute(capsys, path, "--gradient", "loss=[0, 1]")
    assert (code, data["grads"]) == (0, {"x": [0.0, 6.0]})


def test_wrong_shape_gradient_is_torchs_error(capsys):
    code, data = compute(capsys, str(example_path("seed_3_tensor_loss_with_gradient")),
                         "--gradient", "[1, 2, 3]")
    assert code == 1
    assert data["error"]["message"].startswith("Mismatch in shape: grad_output[0] has a shape "
                                               "of torch.Size([3]) and output[0] has a shape "
                                               "of torch.Size([2]).")


@pytest.mark.parametrize(("gradient", "token"), [
    ("[1, abc]", "'abc'"), ("[1, nan]", "'nan'"), ("__import__('os')", "__import__"),
    ("[1, 1e999]", "1e999"), ("nope=[1, 2]", "'nope' is not an output"),
])
def test_bad_gradient_text_exits_2_naming_the_token(capsys, gradient, token):
    code = main(["compute", str(example_path("seed_3_tensor_loss_with_gradient")),
                 "--gradient", gradient])
    assert code == 2
    assert token in capsys.readouterr().err


def test_unreadable_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["compute", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["compute", str(tmp_path / "missing.json")]) == 2


def test_human_table_through_the_entry_point_without_qt():
    code = ("import sys\nfrom gui.app import main\n"
            f"rc = main(['compute', {str(example_path('seed_3_tensor_loss_with_gradient'))!r}])\n"
            "print('QT LOADED' if 'PySide6' in sys.modules else 'no qt'); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "x.grad = [4.0, 3.0]" in done.stdout
    assert done.stdout.strip().endswith("no qt")
