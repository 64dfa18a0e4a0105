"""Replays the backward pass of the newest run on the canvas and the chart.

The order and every number come from the run's trace (real autograd hooks, engine/replay.py);
this module only decides when to show the next event. A 16 ms timer moves a pulse along the
edge of the event in flight; when the pulse arrives the step advances and only the items that
step changed are redrawn. Any edit of the document stops the replay; the next run starts a
fresh one.

A run made after a seed edit has no events (the GRADS level): the replay then asks the
runner for the same run's FULL level when it is wanted (`wants_trace`: its panels are
shown), and only ever replays the newest run's trace.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from engine.document import DocEvent, Document
from engine.replay import Key, Replay
from engine.replay_view import chart_values, grad_line
from engine.trace import EDGE_GRAD, Run
from gui.canvas.scene import GraphScene
from gui.replay.animation_overlay import CanvasOverlay
from gui.runner import RunController
from gui.seed.grad_chart import GradChart

FRAME_MS = 16
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
# how long one event takes at 1×: a pulse needs time to be followed by the eye
EVENT_MS = {EDGE_GRAD: 800}
OTHER_EVENT_MS = 500


class ReplayAnimator(QObject):
    step_changed = Signal(int)
    playing_changed = Signal(bool)
    replay_changed = Signal(object)  # Replay | None (None while a new run is on its way)

    def __init__(self, doc: Document, runner: RunController, scene: GraphScene,
                 chart: GradChart, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.scene = scene
        self.chart = chart
        self.overlay = CanvasOverlay(self.scene)
        self.replay: Replay | None = None
        self.step = 0
        self.speed = 1.0
        self.active = False  # the canvas and chart show the replayed step, not the final run
        self._phase_ms = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.wants_trace: Callable[[], bool] = lambda: True
        self._play_when_traced = False
        runner.finished.connect(self._on_finished)
        runner.traced.connect(self.set_run)
        doc.subscribe(self._on_doc_event)
        self.scene.node_moved.connect(self.overlay.follow_node)
        self.scene.about_to_rebuild.connect(self.drop)  # its items go with the scene's
        if runner.last is not None:
            self._on_finished(runner.last)
            if runner.last.traced:
                self.set_run(runner.last)

    def _on_finished(self, run: Run) -> None:
        """A run without events: nothing to replay until its trace comes (`traced`)."""
        if run.traced:
            return  # `traced` follows with this very run
        self.pause()
        self.leave()
        if self.replay is not None:
            self.replay = None
            self.replay_changed.emit(None)
        if self.wants_trace() or self._play_when_traced:
            self.runner.request_trace()

    def need_trace(self) -> None:
        """The replay has just been shown: make sure the newest run's events are coming."""
        if self.replay is None:
            self.runner.request_trace()

    # ---- runs and edits -------------------------------------------------------------------
    def set_run(self, run: Run) -> None:
        """A new run: stop, show its final state, and make it the one the next play replays."""
        self.pause()
        self.leave()
        self.replay = Replay(run)
        self.step = len(self.replay)
        self.replay_changed.emit(self.replay)
        self.step_changed.emit(self.step)
        if self._play_when_traced:
            self._play_when_traced = False
            self.play()

    def _on_doc_event(self, event: DocEvent) -> None:
        if event.kind == "reset":
            return  # the window's reset order calls drop() before the scene clears
        if event.kind == "node_changed" and event.fields == ("position",):
            for node_id in event.node_ids or ((event.node_id,) if event.node_id else ()):
                self.overlay.follow_node(node_id)
            return
        # the replayed run no longer matches what is on the canvas: stop cleanly
        self.drop()

    def drop(self) -> None:
        """Stop, take the overlay's items off the canvas while they still exist, and forget
        the replay: the next run starts a fresh one."""
        self.pause()
        self.leave()
        self.overlay.clear()
        if self.replay is not None:
            self.replay = None
            self.step = 0
            self.replay_changed.emit(None)

    # ---- transport ------------------------------------------------------------------------
    def steps(self) -> int:
        return len(self.replay) if self.replay else 0

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self.replay is None and self.runner.last is not None:
            self._play_when_traced = True  # played as soon as the events are here
            self.runner.request_trace()
            return
        if self.replay is None or not len(self.replay):
            return
        if self.step >= len(self.replay):
            self.go_to(0)
        self.enter()
        self._phase_ms = 0.0
        self._clock.start()
        if not self._timer.isActive():
            self._timer.start()
            self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)
        self.overlay.hide_pulse()

    def toggle(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def set_speed(self, speed: float) -> None:
        self.speed = max(SPEEDS[0], min(SPEEDS[-1], speed))

    def forward(self) -> None:
        self.pause()
        self.go_to(self.step + 1)

    def back(self) -> None:
        self.pause()
        self.go_to(self.step - 1)

    def restart(self) -> None:
        self.go_to(0)
        self._phase_ms = 0.0

    def go_to(self, step: int) -> None:
        """Show the state after `step` events; redraws only what differs from the current."""
        if self.replay is None:
            return
        step = self.replay.clamp(step)
        if not self.active:
            self.step = step  # enter() draws everything at this step
            self.enter()
        keys = self.replay.changed_keys(self.step, step)
        self.step = step
        self._phase_ms = 0.0
        self.overlay.hide_pulse()
        self._show(keys)
        self.step_changed.emit(step)

    # ---- showing --------------------------------------------------------------------------
    def enter(self) -> None:
        """Switch the canvas and chart from the final run to the replayed step."""
        if self.active or self.replay is None:
            return
        self.active = True
        self.overlay.build(self.replay)
        self.scene.grad_lines = self._grad_lines
        everything: set[Key] = {("node", n) for n in self.scene.nodes}
        everything |= self.replay.changed_keys(0, len(self.replay))
        self._show(everything)

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        self.overlay.clear()
        self.scene.grad_lines = None
        for node_id in list(self.scene.nodes):
            self.scene.refresh_node(node_id)
        self.chart.show_run(self.runner.last)

    def _show(self, keys: set[Key]) -> None:
        if self.replay is None:
            return
        self.overlay.apply(self.replay, self.step, keys)
        if any(kind == "leaf" for kind, _ in keys):
            labels, heights = self.chart_values(self.step)
            self.chart.show_partial(labels, heights)

    def chart_values(self, step: int) -> tuple[list[str], list[float | None]]:
        """The bars at `step`: every leaf with a .grad in the run, with its .grad so far."""
        assert self.replay is not None
        return chart_values(self.replay, step)

    def _grad_lines(self, node_id: str) -> list[tuple[str, str]] | None:
        """The gradient line of a node card at the replayed step (None: the usual text)."""
        line = grad_line(self.replay, node_id, self.step) if self.replay is not None else None
        return None if line is None else [line]

    def _tick(self) -> None:
        replay = self.replay
        if replay is None or self.step >= len(replay):
            self.pause()
            return
        self._phase_ms += self._clock.restart() * self.speed
        event = replay.events[self.step]
        duration = EVENT_MS.get(event.kind, OTHER_EVENT_MS)
        if self._phase_ms < duration:
            self.overlay.move_pulse(event, self._phase_ms / duration)
            return
        self.go_to(self.step + 1)  # resets the phase: at most one step per frame
        if self.step >= len(replay):
            self.pause()
