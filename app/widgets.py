"""Small mouse widgets for the window's panels: a slider and a button.

A widget is placed each frame (its ``rect`` is set by whoever lays the panel out), draws
itself with the app's :class:`~app.hud.Hud`, and reads the pygame events it is given:
``handle_event`` returns True when the event was its own. A slider reads and writes its
value through a getter and a setter, so it always shows the value where it lives (an
agent's epsilon) and never a copy that could go stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame

from qarcade.app import hud as colours
from qarcade.app.hud import Hud

TRACK = (52, 58, 84)
FILL = (86, 140, 230)
KNOB = (236, 238, 246)


class Slider:
    """A horizontal slider from ``low`` to ``high`` (on a log scale with ``log=True``).

    Args:
        label: shown left of the value.
        low, high: the range (both > 0 with ``log``).
        get, put: read and write the value where it lives.
        log: position is linear in ``log(value)`` (learning rates span decades).
        fmt: how the value is printed.
    """

    def __init__(
        self,
        label: str,
        low: float,
        high: float,
        get: Callable[[], float],
        put: Callable[[float], None],
        *,
        log: bool = False,
        fmt: str = "{:.2f}",
    ) -> None:
        if not high > low or (log and low <= 0):
            raise ValueError(f"slider {label!r} needs low < high (and low > 0 on a log scale)")
        self.label = label
        self.low, self.high = low, high
        self.get, self.put = get, put
        self.log = log
        self.fmt = fmt
        self.note = ""
        self.rect = pygame.Rect(0, 0, 0, 0)
        self.dragging = False

    # ----------------------------------------------------------------- geometry
    def track(self) -> pygame.Rect:
        """The part of :attr:`rect` the knob moves along (the lower half)."""
        r = self.rect
        return pygame.Rect(r.left + 8, r.top + r.height * 2 // 3 - 3, max(1, r.width - 16), 6)

    def fraction_of(self, value: float) -> float:
        """Where ``value`` sits along the track, 0 to 1."""
        if self.log:
            value = max(value, self.low)
            f = (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            f = (value - self.low) / (self.high - self.low)
        return min(1.0, max(0.0, f))

    def value_at(self, x: int) -> float:
        """The value the track's point at screen ``x`` stands for."""
        track = self.track()
        f = min(1.0, max(0.0, (x - track.left) / max(1, track.width - 1)))
        if self.log:
            return math.exp(math.log(self.low) + f * (math.log(self.high) - math.log(self.low)))
        return self.low + f * (self.high - self.low)

    def x_of(self, value: float) -> int:
        """The screen x of ``value`` on the track (tests click there)."""
        track = self.track()
        return track.left + round(self.fraction_of(value) * (track.width - 1))

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> bool:
        """Click or drag on the slider sets the value; True if the event was the slider's."""
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.rect.collidepoint(event.pos):
                self.dragging = True
                self.put(self.value_at(event.pos[0]))
                return True
        elif event.type == pygame.MOUSEMOTION and self.dragging:
            self.put(self.value_at(event.pos[0]))
            return True
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1 and self.dragging:
            self.dragging = False
            return True
        return False

    # ----------------------------------------------------------------- drawing
    def draw(self, surface: pygame.Surface, hud: Hud, size: int) -> None:
        """Label and value above the track, the knob on it."""
        if self.rect.width < 20:
            return
        value = self.get()
        words = f"{self.label}  {self.fmt.format(value)}"
        hud.text(surface, words, (self.rect.left + 2, self.rect.top), size, colours.TEXT)
        if self.note:
            hud.text(
                surface, self.note, (self.rect.right - 2, self.rect.top), size, colours.DIM,
                "topright",
            )  # fmt: skip
        track = self.track()
        pygame.draw.rect(surface, TRACK, track, border_radius=3)
        x = self.x_of(value)
        pygame.draw.rect(
            surface, FILL, pygame.Rect(track.left, track.top, x - track.left, track.height),
            border_radius=3,
        )  # fmt: skip
        colour = colours.ACCENT if self.dragging else KNOB
        pygame.draw.circle(surface, colour, (x, track.centery), 7)


class Button:
    """A clickable box with a label that calls ``on_click``.

    Attributes:
        active: drawn highlighted (a toggle that is on, the speed in use).
    """

    def __init__(self, label: str, on_click: Callable[[], object]) -> None:
        self.label = label
        self.on_click = on_click
        self.rect = pygame.Rect(0, 0, 0, 0)
        self.active = False

    def handle_event(self, event: pygame.event.Event) -> bool:
        """A left click inside calls ``on_click``; True if the event was the button's."""
        if (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and self.rect.collidepoint(event.pos)
        ):
            self.on_click()
            return True
        return False

    def draw(self, surface: pygame.Surface, hud: Hud, size: int) -> None:
        if self.rect.width < 8:
            return
        fill = colours.SELECTED if self.active else colours.PANEL
        hud.panel(surface, self.rect, fill, colours.PANEL_EDGE)
        text_size = hud.fit_text(self.label, self.rect.width - 6, size)
        hud.text(surface, self.label, self.rect.center, text_size, colours.TEXT, "center")
