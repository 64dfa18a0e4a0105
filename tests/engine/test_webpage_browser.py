"""The web replay in a real browser: headless Chromium opens the file (file://), a user's
keys move through the steps, and the DOM shows the run's numbers. Chromium is a test
dependency (.ci/run installs it): a missing browser fails, it does not skip.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from engine.format import number
from engine.run import run
from engine.webpage import write_replay_page
from tests.engine.chromium_pipe import Browser, chromium_binary
from tests.engine.webpage_helpers import example, torch_linear, torch_seed_3

COUNTER = 'document.getElementById("counter").textContent'
BARS = '[...document.querySelectorAll("rect.bar")].map(e => e.getAttribute("data-value"))'
BAR_TEXTS = '[...document.querySelectorAll("text.barvalue")].map(e => e.textContent)'
SMALLEST_TEXT = """Math.min(...[...document.querySelectorAll("svg text, body *")]
    .filter(e => e.getClientRects().length && e.textContent.trim())
    .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def open_page(tmp_path: Path, stem: str, hash_: str = "") -> tuple[Browser, int, Path]:
    assert chromium_binary(), "Chromium is needed for this test: apt-get install chromium"
    doc = example(stem)
    result = run(doc)
    page = write_replay_page(doc, result, tmp_path / f"{stem}.html")
    browser = Browser(page.resolve().as_uri() + hash_)
    try:
        browser.wait_for('document.body && document.body.getAttribute("data-ready") === "1"')
    except BaseException:
        browser.close()
        raise
    return browser, len(result.events), page


@pytest.mark.parametrize(("stem", "expected"), [
    ("seed_3_tensor_loss_with_gradient", lambda: torch_seed_3()["x"]),
    ("tour_07_linear_layer",
     lambda: (lambda g: g["W"] + g["b"])(torch_linear(example("tour_07_linear_layer")))),
])
def test_keys_walk_the_replay_to_the_runs_grads(tmp_path, stem, expected):
    browser, n, _ = open_page(tmp_path, stem)
    with browser:
        assert browser.evaluate(COUNTER) == f"step 0 / {n}"
        assert set(browser.evaluate(BAR_TEXTS)) == {"—"}  # no .grad before backward runs
        browser.press("ArrowRight")
        assert browser.evaluate(COUNTER) == f"step 1 / {n}"
        browser.press("End")
        assert browser.evaluate(COUNTER) == f"step {n} / {n}"
        want = expected()
        assert [float(v) for v in browser.evaluate(BARS)] == pytest.approx(want, rel=1e-6)
        assert browser.evaluate(BAR_TEXTS) == [number(v) for v in want]
        assert browser.evaluate('document.querySelector("#steps li.now").id') == f"s-{n}"
        assert browser.evaluate(SMALLEST_TEXT) >= 12
        shot = browser.screenshot(tmp_path / f"{stem}.png")
        assert png_size(shot)[0] == 1440
        browser.press("ArrowLeft")
        assert browser.evaluate(COUNTER) == f"step {n - 1} / {n}"
        browser.press("Home")
        assert browser.evaluate(COUNTER) == f"step 0 / {n}"
        assert set(browser.evaluate(BAR_TEXTS)) == {"—"}


def test_space_plays_to_the_end_and_a_hash_opens_a_step(tmp_path):
    browser, n, page = open_page(tmp_path, "seed_3_tensor_loss_with_gradient", "#step=3")
    with browser:
        assert browser.evaluate(COUNTER) == f"step 3 / {n}"
        texts = browser.evaluate('[...document.querySelectorAll(".tag:not(.hidden) text")]'
                                 ".map(e => e.textContent)")
        assert "[2, 1.5]" in texts  # the first edge's gradient has arrived, the second not
        browser.press(" ")
        assert browser.wait_for(f'{COUNTER} === "step {n} / {n}"', seconds=60)
        assert browser.evaluate('document.getElementById("play").textContent') == "▶ Play"
        assert browser.evaluate(BAR_TEXTS) == ["4", "3"]


def test_a_hostile_title_stays_text_in_the_browser(tmp_path):
    doc = example("seed_3_tensor_loss_with_gradient")
    doc.title = '</script><script>window.pwned = 1</script><b>bold?</b>'
    page = write_replay_page(doc, run(doc), tmp_path / "hostile.html")
    with Browser(page.resolve().as_uri()) as browser:
        browser.wait_for('document.body && document.body.getAttribute("data-ready") === "1"')
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert browser.evaluate("document.title") == doc.title
        assert browser.evaluate('document.querySelector("h1").textContent') == doc.title
        assert browser.evaluate('document.querySelectorAll("script, b").length') == 2


def test_several_calls_in_the_browser(tmp_path):
    """tour_11: bars add up over calls 1 and 2, the zero_grad step empties them, and the
    seed tag at the output names the call of the step shown."""
    import torch

    browser, n, _ = open_page(tmp_path, "tour_11_accumulate_then_zero_grad", "#step=16")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    assert x.grad is not None
    seed = 'document.querySelector("[id^=t-seed-]:not(.hidden) text").textContent'
    with browser:
        assert browser.evaluate(COUNTER) == f"step 16 / {n}"
        assert browser.evaluate(BAR_TEXTS) == [number(v) for v in x.grad.tolist()]
        assert browser.evaluate(seed) == "call 2: bare backward()"
        browser.press("ArrowRight")  # x.grad.zero_()
        x.grad.zero_()
        assert browser.evaluate(BAR_TEXTS) == [number(v) for v in x.grad.tolist()]
        assert browser.evaluate('document.querySelectorAll("#steps li.call").length') == 4
        browser.press("End")
        assert browser.evaluate(seed) == "call 4: bare backward()"
