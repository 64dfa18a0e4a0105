"""Transport for the backward replay: play/pause, step, restart, speed, scrubber, step list.

Space, ←, →, Home act when the canvas or this panel has the focus, so they never take keys
from a text field elsewhere (the seed form, a name editor).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.replay import Replay
from gui.replay.animation import SPEEDS, ReplayAnimator
from gui.replay.step_list import StepList


class ReplayControls(QWidget):
    def __init__(self, animator: ReplayAnimator) -> None:
        super().__init__()
        self.animator = animator
        icons = self.style()
        self.play_action = self._action("Play", "Space", "Play or pause the backward replay",
                                        animator.toggle,
                                        icons.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.back_action = self._action("Step back", "Left", "Show the state one event earlier",
                                        animator.back,
                                        icons.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward))
        self.forward_action = self._action("Step forward", "Right",
                                           "Show the state one event later", animator.forward,
                                           icons.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.restart_action = self._action("Restart", "Home",
                                           "Back to the moment backward() was called",
                                           animator.restart,
                                           icons.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for action in (self.restart_action, self.back_action, self.play_action,
                       self.forward_action):
            button = QToolButton()
            button.setDefaultAction(action)
            buttons.addWidget(button)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Replay speed")
        self.speed.currentIndexChanged.connect(
            lambda i: animator.set_speed(float(self.speed.itemData(i))))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag to any step of the backward pass")
        self.slider.valueChanged.connect(self._on_slider)
        self.position = QLabel()
        self.position.setMinimumWidth(90)
        buttons.addWidget(self.speed)
        buttons.addWidget(self.slider, 1)
        buttons.addWidget(self.position)
        self.steps = StepList()
        self.steps.step_clicked.connect(self._on_step_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.steps, 1)
        animator.replay_changed.connect(self.set_replay)
        animator.step_changed.connect(self.set_step)
        animator.playing_changed.connect(self._on_playing)
        self.set_replay(animator.replay)
        self.set_step(animator.step)

    def _action(self, text: str, key: str, tip: str, slot, icon) -> QAction:  # noqa: ANN001
        action = QAction(icon, text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip} ({key})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def attach_shortcuts_to(self, widget: QWidget) -> None:
        """Let the keys work while `widget` (the canvas) has the focus as well."""
        for action in (self.play_action, self.back_action, self.forward_action,
                       self.restart_action):
            widget.addAction(action)

    def set_replay(self, replay: Replay | None) -> None:
        n = len(replay) if replay else 0
        self.slider.blockSignals(True)
        self.slider.setRange(0, n)
        self.slider.blockSignals(False)
        self.steps.set_replay(replay)
        usable = bool(n)
        for w in (self.play_action, self.back_action, self.forward_action,
                  self.restart_action):
            w.setEnabled(usable)
        self.slider.setEnabled(usable)
        if replay is None:
            self.position.setText("computing…")
        elif not n:
            self.position.setText("no backward")

    def set_step(self, step: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(step)
        self.slider.blockSignals(False)
        self.steps.set_step(step)
        n = self.animator.steps()
        if n:
            self.position.setText(f"step {step} / {n}")

    def _on_slider(self, value: int) -> None:
        self.animator.pause()
        self.animator.go_to(value)

    def _on_step_clicked(self, step: int) -> None:
        self.animator.pause()
        self.animator.go_to(step)

    def _on_playing(self, playing: bool) -> None:
        icons = QStyle.StandardPixmap
        pixmap = icons.SP_MediaPause if playing else icons.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(pixmap))
        self.play_action.setText("Pause" if playing else "Play")
