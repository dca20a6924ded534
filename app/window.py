"""The window and its main loop, in the order of pygame's ``examples/aliens.py``: events,
update, draw, flip, ``clock.tick``.

The loop never blocks: every frame pumps the event queue, so the window answers (moves,
resizes, closes) even while a scene waits for an agent or a training loop runs between
frames. Scenes live on a stack: the menu at the bottom, a game pushed on it; Esc pops.
A QUIT event (closing the window) ends the loop from any scene.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pygame

from qarcade.app.assets import Assets
from qarcade.app.hud import BACKGROUND, Hud
from qarcade.app.keymap import Binding, Keymap

#: How long a message to the person stays on screen, in seconds.
MESSAGE_SECONDS = 5.0
#: A message fades out over its last this many seconds.
FADE_SECONDS = 0.6
#: At most this many messages show at once (the newest).
MAX_MESSAGES = 3
#: The smallest window at which every scene's text is legible and nothing overlaps:
#: ``--size`` refuses less, and the window cannot be resized below it.
MIN_SIZE = (800, 600)
#: Keys the window handles in every scene, before the scene's own.
WINDOW_KEYMAP = Keymap(
    Binding((pygame.K_h,), "open_help", "H", "show / hide this help", "H help"),
    Binding((pygame.K_ESCAPE,), "pop", "Esc", "back (the menu quits)", "Esc {s.back_word}"),
    Binding((pygame.K_F11,), "toggle_fullscreen", "F11", "full screen on / off"),
    Binding((pygame.K_m,), "toggle_mute", "M", "sound on / off"),
)


class Scene:
    """One screen of the app: the menu, or a game being played, watched or raced.

    Subclasses override what they need. ``handle_event`` gets every event except QUIT and
    the window's own keys (:data:`WINDOW_KEYMAP`: help, back, full screen, sound);
    ``update`` runs once per frame before ``draw``. A scene's keys are one table,
    :attr:`keymap`, which handles them and makes the hints bar (:meth:`hints`) and the
    help (:meth:`keys`).
    """

    title: str = ""
    keymap: ClassVar[Keymap] = Keymap()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.keymap.check(cls)

    def __init__(self, app: App) -> None:
        self.app = app

    def handle_event(self, event: pygame.event.Event) -> None:
        """React to one event; the default handles the scene's keys."""
        if event.type == pygame.KEYDOWN:
            self.keymap.handle(self, event)

    def update(self, dt: float) -> None:
        """Advance by ``dt`` seconds of wall-clock time."""

    def draw(self, surface: pygame.Surface) -> None:
        """Draw the whole scene onto the window."""

    def keys(self) -> list[tuple[str, str]]:
        """``(key, what it does)`` for the help overlay, besides the window's keys."""
        return self.keymap.help(self)

    def hints(self) -> list[str]:
        """The hints bar's items: the window's keys, then the scene's."""
        return [*WINDOW_KEYMAP.hints(self.app), *self.keymap.hints(self)]

    def on_exit(self) -> None:
        """Called when the scene leaves the stack (stop sounds, let go of resources)."""

    def message_area(self, area: pygame.Rect) -> pygame.Rect:
        """Where messages may be drawn in the window ``area``: a part with no controls
        (messages stack up from its bottom and never leave it). The default: all of it."""
        return area

    def on_return(self) -> None:
        """Called when the scene above this one leaves and this one shows again."""


@dataclass(frozen=True)
class Toast:
    """A message shown over the scene for a while.

    Attributes:
        text: the words.
        until: ``time.monotonic()`` at which it is gone (it fades out before).
        error: something went wrong (drawn in the error style), rather than news.
    """

    text: str
    until: float
    error: bool

    def opacity(self, now: float) -> float:
        """1 while it shows, falling to 0 over its last :data:`FADE_SECONDS`."""
        return max(0.0, min(1.0, (self.until - now) / FADE_SECONDS))


@dataclass
class FrameStats:
    """Work time per frame (events + update + draw + flip, not the wait in ``tick``):
    wall-clock, and the process's CPU time, which other programs on a busy machine do not
    inflate."""

    work_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def clear(self) -> None:
        """Forget the frames so far."""
        self.work_ms.clear()
        self.cpu_ms.clear()

    def summary(self) -> dict[str, float]:
        """Frame count; mean, 95th percentile and max of the wall-clock work time in ms;
        mean and 95th percentile of the CPU time."""
        if not self.work_ms:
            return {"frames": 0} | dict.fromkeys(
                ("mean_ms", "p95_ms", "max_ms", "cpu_mean_ms", "cpu_p95_ms"), 0.0
            )
        ms, cpu = np.asarray(self.work_ms), np.asarray(self.cpu_ms)
        return {
            "frames": len(ms),
            "mean_ms": float(ms.mean()),
            "p95_ms": float(np.percentile(ms, 95)),
            "max_ms": float(ms.max()),
            "cpu_mean_ms": float(cpu.mean()),
            "cpu_p95_ms": float(np.percentile(cpu, 95)),
        }


class App:
    """The window, the scene stack and the main loop.

    Args:
        size: the window's starting size in pixels (at least :data:`MIN_SIZE`); it is
            resizable down to :data:`MIN_SIZE`.
        fps: frames per second to hold; 0 runs as fast as possible (tests, benchmarks).
        audio: open the mixer if there is an audio device.
    """

    def __init__(
        self, size: tuple[int, int] = (960, 720), *, fps: int = 60, audio: bool = True
    ) -> None:
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("qarcade")
        size = (max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1]))
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        with warnings.catch_warnings():
            # pygame-ce warns against drawing through this Window object; it is used only
            # to stop the person resizing below MIN_SIZE (the display module has no way).
            warnings.simplefilter("ignore", DeprecationWarning)
            pygame.Window.from_display_module().minimum_size = MIN_SIZE
        self.fps = fps
        self.clock = pygame.time.Clock()
        self.assets = Assets(audio=audio)
        self.hud = Hud(self.assets)
        self.scenes: list[Scene] = []
        self.running = True
        self.show_help = False
        self.frame_count = 0
        self.stats = FrameStats()
        self._messages: list[Toast] = []
        self._windowed_size = size

    # ----------------------------------------------------------------- scene stack
    @property
    def scene(self) -> Scene | None:
        """The scene on top of the stack (the one drawn), or None once all are gone."""
        return self.scenes[-1] if self.scenes else None

    def push(self, scene: Scene) -> None:
        """Show ``scene`` on top of the current one."""
        self.scenes.append(scene)

    def pop(self) -> None:
        """Leave the current scene; leaving the last one ends the loop."""
        if self.scenes:
            self.scenes.pop().on_exit()
        self.show_help = False
        if not self.scenes:
            self.running = False
        else:
            self.scenes[-1].on_return()

    def replace(self, scene: Scene) -> None:
        """Swap the current scene for ``scene``."""
        if self.scenes:
            self.scenes.pop().on_exit()
        self.scenes.append(scene)

    def message(self, text: str, seconds: float = MESSAGE_SECONDS) -> None:
        """Tell the person that something went wrong or cannot be done (drawn in the
        error style) for a few seconds, over any scene."""
        self._show(Toast(text, time.monotonic() + seconds, error=True))

    def notify(self, text: str, seconds: float = MESSAGE_SECONDS) -> None:
        """Tell the person news (saved, a snapshot taken, a setting changed) for a few
        seconds, in the information style."""
        self._show(Toast(text, time.monotonic() + seconds, error=False))

    def _show(self, toast: Toast) -> None:
        # The same words again renew the message rather than stack a copy of it.
        self._messages = [m for m in self._messages if m.text != toast.text]
        self._messages.append(toast)
        del self._messages[:-MAX_MESSAGES]

    # ----------------------------------------------------------------- the loop
    def run(self, frames: int | None = None) -> int:
        """Run until the last scene is left, the window is closed, or ``frames`` frames
        have been drawn. Returns the exit status (0)."""
        try:
            while self.running and (frames is None or self.frame_count < frames):
                self.frame()
        finally:
            for scene in reversed(self.scenes):
                scene.on_exit()
            self.scenes.clear()
        return 0

    def frame(self) -> None:
        """One frame: events, update, draw, flip, tick."""
        start, start_cpu = time.perf_counter(), time.process_time()
        for event in pygame.event.get():
            self._dispatch(event)
            if not self.running:
                return
        scene = self.scene
        if scene is None:
            self.running = False
            return
        dt = self.clock.get_time() / 1000.0
        scene.update(min(dt, 0.1))
        if self.scene is not scene or not self.running:
            return
        surface = display_surface()
        surface.fill(BACKGROUND)
        scene.draw(surface)
        self._draw_overlays(surface, scene)
        pygame.display.flip()
        self.stats.work_ms.append((time.perf_counter() - start) * 1000.0)
        self.stats.cpu_ms.append((time.process_time() - start_cpu) * 1000.0)
        self.frame_count += 1
        self.clock.tick(self.fps)

    def _dispatch(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type == pygame.KEYDOWN:
            if self.show_help:
                # Any key closes the help, so nobody is stuck in it.
                self.show_help = False
                return
            if WINDOW_KEYMAP.handle(self, event):
                return
        if self.show_help and event.type == pygame.MOUSEBUTTONDOWN:
            self.show_help = False
            return
        if self.scene is not None:
            self.scene.handle_event(event)

    @property
    def back_word(self) -> str:
        """Where Esc goes from the scene shown: back to the menu, or out."""
        return "menu" if len(self.scenes) > 1 else "quit"

    def open_help(self) -> None:
        """Show the help overlay (any key or click closes it)."""
        self.show_help = True

    def toggle_mute(self) -> None:
        """Sound off or on again."""
        self.assets.muted = not self.assets.muted
        if self.assets.audio:
            pygame.mixer.stop()
        self.notify("sound off" if self.assets.muted else "sound on", 1.5)

    def toggle_fullscreen(self) -> None:
        """Full screen, or back to the window's last size."""
        if display_surface().get_flags() & pygame.FULLSCREEN:
            self.screen = pygame.display.set_mode(self._windowed_size, pygame.RESIZABLE)
        else:
            self._windowed_size = display_surface().get_size()
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)

    def _draw_overlays(self, surface: pygame.Surface, scene: Scene) -> None:
        now = time.monotonic()
        self._messages = [m for m in self._messages if m.until > now]
        if self._messages:
            area = scene.message_area(surface.get_rect())
            self.hud.messages(
                surface, area, [(m.text, m.error, m.opacity(now)) for m in self._messages]
            )
        if self.show_help:
            title = f"{scene.title} — keys" if scene.title else "Keys"
            self.hud.help_overlay(surface, title, [*scene.keys(), *WINDOW_KEYMAP.help(self)])


def display_surface() -> pygame.Surface:
    """The window's surface; an error if no window is open (a bug, not a person's doing)."""
    surface = pygame.display.get_surface()
    if surface is None:
        raise RuntimeError("no window is open")
    return surface
