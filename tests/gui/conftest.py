import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QMessageBox

from engine.examples import example_path
from engine.fileformat import load


@pytest.fixture(autouse=True)
def isolated_settings(qapp, tmp_path, monkeypatch):
    """Every GUI test gets its own settings and recovery folder, never the user's; and a
    window closed with unsaved changes at teardown discards them instead of blocking on a
    modal question (tests that check the question patch it themselves)."""
    QCoreApplication.setOrganizationName("GradflowTests")
    QCoreApplication.setApplicationName("GradflowTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    QSettings().setValue("recovery/dir", str(tmp_path / "recovery"))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    yield tmp_path
    QSettings().clear()


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
