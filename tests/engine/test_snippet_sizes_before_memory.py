"""A snippet asking for a tensor past the element limits is refused at its line before torch
is asked to make it: the reader runs here with its data memory capped far below what each
of these would take (4 GB to 24 GB), so a refusal that came after the allocation would
come out as torch's out-of-memory error, or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

H = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
HUGE = {
    "pad": "x = torch.ones(3, requires_grad=True)\ny = F.pad(x, (0, 10**9))\n",
    "einsum_outer": "a = torch.ones(100000, requires_grad=True)\nb = torch.ones(100000)\n"
                    "c = torch.einsum('i,j->ij', a, b)\n",
    "repeat_interleave": "x = torch.ones(3, requires_grad=True)\n"
                         "y = x.repeat_interleave(10**9)\n",
    "one_hot": "t = torch.tensor([1, 2])\no = F.one_hot(t, num_classes=10**9)\n",
    "layer_norm_module": "ln = nn.LayerNorm(10**9)\n",
    "embedding_module": "e = nn.Embedding(10**8, 100)\n",
    "conv_module": "c = nn.Conv2d(10**5, 10**5, 3)\n",
    "batch_norm_module": "bn = nn.BatchNorm2d(10**9)\n",
    "conv_output": "x = torch.ones(1, 1, 4, 4, requires_grad=True)\n"
                   "w = torch.ones(10**6, 1, 1, 1)\ny = F.conv2d(x, w, padding=1000)\n",
    "adaptive_pool_output": "x = torch.ones(1, 1, 4, 4, requires_grad=True)\n"
                            "y = F.adaptive_avg_pool2d(x, 10**5)\n",
    "index_select": "x = torch.ones(3, requires_grad=True)\n"
                    "idx = torch.zeros(10**6, dtype=torch.long)\n"
                    "y = x.index_select(0, idx)\nz = y.repeat_interleave(100)\n",
}
CAPPED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (3 * 2**30, 3 * 2**30))
from engine.snippets.reader import ImportError_, import_snippet
out = {}
for name, code in json.load(sys.stdin).items():
    try:
        import_snippet(code, layout=False)
        out[name] = "read"
    except ImportError_ as exc:
        out[name] = str(exc)
    except Exception as exc:
        out[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def refusals() -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CAPPED], input=json.dumps(
        {name: H + code for name, code in HUGE.items()}), capture_output=True, text=True,
        timeout=300, check=True, cwd=root)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# Python lists: a repeated row is shared, so each step is small, but written out (as
# torch.tensor(l) or a display would) it is 10**8 numbers
LISTS = {
    "row_repeated_by_reference": ("l = [[0] * 10**4] * 10**4\nt = torch.tensor(l)\n", 4),
    "doubled_by_concatenation": ("a = [0.0]\nfor i in range(40):\n    a = a + a\n", 6),
}


@pytest.fixture(scope="module")
def list_refusals() -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CAPPED], input=json.dumps(
        {name: H + code for name, (code, _) in LISTS.items()}), capture_output=True,
        text=True, timeout=300, check=True, cwd=root)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_too_long_written_out_is_refused_where_it_is_made(
        name: str, list_refusals: dict[str, str]) -> None:
    message = list_refusals[name]
    assert message.startswith(f"line {LISTS[name][1]}, column "), message
    assert "this list or text would be over the limit of 1,000,000 numbers written out in " \
           "one value" in message, message


@pytest.mark.parametrize("name", sorted(HUGE))
def test_refused_at_its_line_before_memory_is_taken(name: str,
                                                     refusals: dict[str, str]) -> None:
    last_line = len((H + HUGE[name]).splitlines())
    message = refusals[name]
    assert message.startswith(f"line {last_line}, column "), message
    assert "over the limit of 10,000,000 elements in one tensor" in message, message
