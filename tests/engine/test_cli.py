"""`gradflow compute` on the seed article's examples, per the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

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


def gradflow(*argv: str) -> subprocess.CompletedProcess[str]:
    """The `gradflow` entry point in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "gui.app", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


SEED_3 = str(example_path("seed_3_tensor_loss_with_gradient"))


@pytest.mark.parametrize(("argv", "code", "error_type", "words"), [
    ([SEED_3], 0, None, None),
    ([SEED_3, "--gradient", "[1, 2, 3]"], 1, "RuntimeError", "Mismatch in shape"),
    ([SEED_3, "--gradient", "[1,zz]"], 2, "UsageError", "'zz'"),
    (["missing.json"], 2, "UsageError", "cannot read"),
    ([SEED_3, "--bogus"], 2, "UsageError", "unrecognized arguments: --bogus"),
    ([], 2, "UsageError", "the following arguments are required: file"),
])
def test_json_is_one_object_on_stdout_for_every_exit_code(argv, code, error_type, words):
    done = gradflow("compute", *argv, "--json")
    assert done.returncode == code, done.stderr
    data = json.loads(done.stdout)  # the whole of stdout is one JSON object
    assert done.stderr == ""
    if error_type is None:
        assert data["error"] is None
        # independently: loss = x * x at x = [2, 3] with v = [1, 0.5] gives x.grad = 2·x·v
        x = torch.tensor([2.0, 3.0], requires_grad=True)
        (x * x).backward(gradient=torch.tensor([1.0, 0.5]))
        assert data["grads"]["x"] == x.grad.tolist()
    else:
        assert data["error"]["type"] == error_type and words in data["error"]["message"]


def test_help_lists_every_command_and_every_option():
    top = gradflow("--help")
    assert top.returncode == 0
    for command in ("compute", "code", "export", "[FILE]"):
        assert command in top.stdout
    compute = gradflow("compute", "--help").stdout
    for option in ("--gradient", "--json"):
        assert option in compute
    export = gradflow("export", "--help").stdout
    for option in ("-o", "--view", "--scale", "--width", "--gradient", "--step", "--frames",
                   "--gif", "--video", ".html", "window,canvas,chart,jacobian"):
        assert option in export, option
    assert "file" in gradflow("code", "--help").stdout


def test_export_help_and_html_export_never_import_qt(tmp_path):
    out = tmp_path / "page.html"
    code = ("import sys\nfrom gui.app import main\n"
            "main(['export', '--help'])\n"
            f"rc = main(['export', {SEED_3!r}, '-o', {str(out)!r}])\n"
            "print('QT LOADED' if 'PySide6' in sys.modules else 'no qt'); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("no qt") and out.exists()
