import pytest

from engine.examples import example_path
from engine.fileformat import load


def test_opens_example_3_with_bars_4_and_3(window):
    assert window.chart.labels == ["x[0]", "x[1]"]
    assert window.chart.heights.tolist() == pytest.approx([4.0, 3.0])
    assert window.bars_heights() == pytest.approx([4.0, 3.0])
    assert not window.banner.isVisible()
    assert set(window.scene.nodes) == {n.id for n in window.doc.nodes()}
    assert len(window.scene.edges) == 2


def test_example_2_shows_torch_error_in_banner(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow(load(example_path("seed_2_tensor_loss_no_gradient")))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    assert "grad can be implicitly created only for scalar outputs" in win.banner.text()
    assert win.banner.isVisible()
    assert win.chart.labels == []
    win.runner.shutdown()


def test_stale_result_never_overwrites_newer(qtbot, window):
    loss = window.doc.node_by_name("loss")
    window.doc.update_node(loss.id, seed=[1.0, 1.0])
    window.runner.run_now()
    window.doc.update_node(loss.id, seed=[0.0, 1.0])
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.runner.run_now()
    qtbot.wait(50)
    assert window.chart.heights.tolist() == pytest.approx([0.0, 6.0])
