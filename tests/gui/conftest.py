import pytest

from engine.examples import example_path
from engine.fileformat import load


@pytest.fixture
def window(qtbot):
    from gui.main_window import MainWindow

    win = MainWindow(load(example_path()))
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.runner.finished, timeout=30_000):
        win.runner.run_now()
    yield win
    win.runner.shutdown()
