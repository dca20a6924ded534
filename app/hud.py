"""Drawing helpers shared by every scene: text, bars, panels, messages and the help overlay.

Everything here draws into a surface it is given and keeps no game state. Rendered text
is cached by the font (:class:`games.view.Font`): rendering the same words every frame is
the slowest thing a HUD can do.
"""

from __future__ import annotations

import pygame

from qarcade.app.assets import Assets
from qarcade.games.view import Font

BACKGROUND = (16, 18, 28)
PANEL = (30, 34, 50)
PANEL_EDGE = (70, 78, 110)
TEXT = (230, 232, 240)
DIM = (150, 156, 178)
ACCENT = (255, 204, 64)
BAD = (240, 96, 96)
SELECTED = (60, 120, 220)


class Hud:
    """The scenes' drawing kit: text placed by an anchor, panels, bars and overlays."""

    def __init__(self, assets: Assets) -> None:
        self.assets = assets

    def text(
        self,
        surface: pygame.Surface,
        text: str,
        pos: tuple[int, int],
        size: int,
        colour: tuple[int, ...] = TEXT,
        anchor: str = "topleft",
        shadow: bool = True,
    ) -> pygame.Rect:
        """Draw ``text`` with its ``anchor`` point (a pygame.Rect attribute name) at
        ``pos``; returns the rect it covers."""
        image = self.assets.font(size).render(text, True, colour)
        rect = image.get_rect(**{anchor: pos})
        if shadow:
            surface.blit(self.assets.font(size).render(text, True, (0, 0, 0)), rect.move(1, 1))
        surface.blit(image, rect)
        return rect

    def fit_text(self, text: str, max_width: int, size: int) -> int:
        """The largest font size up to ``size`` at which ``text`` fits ``max_width``."""
        while size > 10 and self.assets.font(size).size(text)[0] > max_width:
            size -= 2
        return size

    def panel(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        colour: tuple[int, ...] = PANEL,
        edge: tuple[int, ...] | None = PANEL_EDGE,
        alpha: int = 255,
    ) -> None:
        """A filled rounded box, translucent when ``alpha`` < 255."""
        if rect.width <= 0 or rect.height <= 0:
            return
        if alpha < 255:
            box = pygame.Surface(rect.size, pygame.SRCALPHA)
            pygame.draw.rect(box, (*colour[:3], alpha), box.get_rect(), border_radius=8)
            surface.blit(box, rect)
        else:
            pygame.draw.rect(surface, colour, rect, border_radius=8)
        if edge is not None:
            pygame.draw.rect(surface, edge, rect, width=2, border_radius=8)

    def bar(self, surface: pygame.Surface, rect: pygame.Rect, lines: list[str], size: int) -> None:
        """A strip of text items spread along ``rect`` (the top and bottom bars)."""
        pygame.draw.rect(surface, PANEL, rect)
        if not lines:
            return
        x = rect.left + size // 2
        for line in lines:
            colour = ACCENT if line is lines[0] else DIM
            drawn = self.text(surface, line, (x, rect.centery), size, colour, anchor="midleft")
            x = drawn.right + size
            if x > rect.right:
                break

    def result(
        self,
        surface: pygame.Surface,
        midtop: tuple[int, int],
        max_width: int,
        title: str,
        detail: str = "",
        hint: str = "",
    ) -> None:
        """One line under a board: the ``title`` (how the game ended) in the accent colour,
        then ``detail`` and a ``hint`` (what to press next), shrunk to ``max_width``."""
        parts = [(title, ACCENT), (detail, TEXT), (hint, DIM)]
        parts = [(text, colour) for text, colour in parts if text]
        if not parts:
            return
        gap = "   "
        size = max(14, min(30, surface.get_height() // 26))
        size = self.fit_text(gap.join(text for text, _ in parts), max_width, size)
        font = self.assets.font(size)
        total = font.size(gap.join(text for text, _ in parts))[0]
        x = midtop[0] - total // 2
        for text, colour in parts:
            drawn = self.text(surface, text, (x, midtop[1]), size, colour)
            x = drawn.right + font.size(gap)[0]

    def messages(
        self, surface: pygame.Surface, area: pygame.Rect, toasts: list[tuple[str, bool, float]]
    ) -> None:
        """Messages for the person, ``(text, error, opacity)`` oldest first: stacked up
        from the bottom of ``area`` (newest lowest), word-wrapped to it, in the error
        style (red) or the information style (blue), faded by ``opacity``. A message
        older than the newest that would leave ``area`` is not drawn: messages do not
        stack over controls."""
        size = max(14, min(24, surface.get_height() // 32))
        font = self.assets.font(size)
        bottom = area.bottom - size // 2
        for text, error, opacity in reversed(toasts):
            wrapped = wrap(text, font, area.width - 3 * size)
            height = int(size * (1.1 * len(wrapped) + 0.6))
            width = min(area.width, max(font.size(line)[0] for line in wrapped) + 2 * size)
            box = pygame.Rect(0, 0, width, height)
            box.midbottom = (area.centerx, bottom)
            if box.top < area.top and bottom < area.bottom - size // 2:
                break  # older messages that do not fit; the newest always shows
            alpha = round(255 * max(0.0, min(1.0, opacity)))
            layer = pygame.Surface(box.size, pygame.SRCALPHA)
            fill, edge = ((70, 30, 30), BAD) if error else ((28, 52, 92), SELECTED)
            self.panel(layer, layer.get_rect(), colour=fill, edge=edge, alpha=235)
            for i, line in enumerate(wrapped):
                pos = (box.width // 2, int(size * (0.35 + 1.1 * i)))
                self.text(layer, line, pos, size, TEXT, "midtop")
            layer.set_alpha(alpha)
            surface.blit(layer, box)
            bottom = box.top - size // 3

    def help_overlay(
        self, surface: pygame.Surface, title: str, keys: list[tuple[str, str]]
    ) -> None:
        """A box listing every key of the current scene (H opens and closes it)."""
        area = surface.get_rect()
        shade = pygame.Surface(area.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 170))
        surface.blit(shade, (0, 0))
        rows = len(keys) + 2
        size = max(14, min(28, int(area.height * 0.8) // max(rows, 1) * 2 // 3))
        key_width = max(self.assets.font(size).size(k)[0] for k, _ in keys) if keys else 0
        what_width = max(self.assets.font(size).size(w)[0] for _, w in keys) if keys else 0
        width = min(area.width - 20, key_width + what_width + 3 * size)
        box = pygame.Rect(0, 0, width, int(size * (len(keys) * 1.25 + 3.4)))
        box.center = area.center
        self.panel(surface, box, alpha=240)
        y = box.top + size // 2
        self.text(surface, title, (box.centerx, y), size + 4, ACCENT, "midtop")
        y += int(size * 1.8)
        for key, what in keys:
            self.text(surface, key, (box.left + size, y), size, ACCENT)
            self.text(surface, what, (box.left + key_width + 2 * size, y), size, TEXT)
            y += int(size * 1.25)


def wrap(text: str, font: Font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width``: at spaces, and a word too long
    for a line of its own (a path) between its characters."""
    lines: list[str] = []
    line = ""
    words: list[str] = []
    for word in text.split():
        while font.size(word)[0] > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and font.size(word[:cut])[0] > width:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and font.size(candidate)[0] > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines or [""]


def bars(area: pygame.Rect, size: int) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
    """A scene's top bar, the middle between, and its bottom bar (the hints) in ``area``,
    the bars tall enough for text of ``size``."""
    height = int(size * 1.7)
    top = pygame.Rect(area.left, area.top, area.width, height)
    bottom = pygame.Rect(area.left, area.bottom - height, area.width, height)
    middle = pygame.Rect(area.left, top.bottom, area.width, bottom.top - top.bottom)
    return top, middle, bottom
