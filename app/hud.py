"""Drawing helpers shared by every scene: text, bars, panels, messages and the help overlay.

Everything here draws into a surface it is given and keeps no game state. Rendered text
is cached (rendering the same words every frame is the slowest thing a HUD can do).
"""

from __future__ import annotations

from collections import OrderedDict

import pygame

from app.assets import Assets

BACKGROUND = (16, 18, 28)
PANEL = (30, 34, 50)
PANEL_EDGE = (70, 78, 110)
TEXT = (230, 232, 240)
DIM = (150, 156, 178)
ACCENT = (255, 204, 64)
GOOD = (96, 220, 120)
BAD = (240, 96, 96)
SELECTED = (60, 120, 220)

_TEXT_CACHE_SIZE = 512


class TextCache:
    """Rendered text surfaces by (words, size, colour), least recently used dropped."""

    def __init__(self, assets: Assets) -> None:
        self.assets = assets
        self._cache: OrderedDict[tuple[str, int, tuple[int, ...]], pygame.Surface] = OrderedDict()

    def render(self, text: str, size: int, colour: tuple[int, ...] = TEXT) -> pygame.Surface:
        """``text`` in the default font at pixel height ``size``."""
        key = (text, int(size), tuple(colour))
        surface = self._cache.get(key)
        if surface is None:
            surface = self.assets.font(size).render(text, True, colour)
            self._cache[key] = surface
            if len(self._cache) > _TEXT_CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return surface


class Hud:
    """The scenes' drawing kit: text placed by an anchor, panels, bars and overlays."""

    def __init__(self, assets: Assets) -> None:
        self.assets = assets
        self.text_cache = TextCache(assets)

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
        image = self.text_cache.render(text, size, colour)
        rect = image.get_rect(**{anchor: pos})
        if shadow:
            surface.blit(self.text_cache.render(text, size, (0, 0, 0)), rect.move(1, 1))
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

    def banner(self, surface: pygame.Surface, rect: pygame.Rect, title: str, detail: str) -> None:
        """A box over the lower part of ``rect`` announcing how a game ended (low, so the
        board's middle, where a winning line runs, stays visible)."""
        size = max(18, rect.height // 9)
        size = self.fit_text(title, int(rect.width * 0.85), size)
        small = max(14, size // 2)
        small = self.fit_text(detail, int(rect.width * 0.85), small)
        width = min(rect.width, max(self.assets.font(size).size(title)[0], 10) + 2 * size)
        width = max(width, min(rect.width, self.assets.font(small).size(detail)[0] + size))
        box = pygame.Rect(0, 0, width, int(size * 1.2 + small * 1.6 + size * 0.4))
        box.midbottom = (rect.centerx, rect.bottom - max(4, rect.height // 12))
        self.panel(surface, box, alpha=225)
        self.text(surface, title, (box.centerx, box.top + size // 4), size, ACCENT, "midtop")
        self.text(surface, detail, (box.centerx, box.bottom - small // 2), small, TEXT, "midbottom")

    def messages(self, surface: pygame.Surface, lines: list[str]) -> None:
        """Messages for the person (a missing agent, a fallback), stacked at the bottom."""
        area = surface.get_rect()
        size = max(16, min(26, area.height // 30))
        y = area.bottom - int(size * 2.2)
        for line in reversed(lines):
            fitted = self.fit_text(line, area.width - 4 * size, size)
            width = self.assets.font(fitted).size(line)[0] + 2 * size
            box = pygame.Rect(0, 0, width, int(fitted * 1.6))
            box.midbottom = (area.centerx, y)
            self.panel(surface, box, colour=(70, 30, 30), edge=BAD, alpha=235)
            self.text(surface, line, box.center, fitted, TEXT, "center")
            y = box.top - size // 3

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
        box = pygame.Rect(0, 0, width, int(rows * size * 1.25 + size))
        box.center = area.center
        self.panel(surface, box, alpha=240)
        y = box.top + size // 2
        self.text(surface, title, (box.centerx, y), size + 4, ACCENT, "midtop")
        y += int(size * 1.8)
        for key, what in keys:
            self.text(surface, key, (box.left + size, y), size, ACCENT)
            self.text(surface, what, (box.left + key_width + 2 * size, y), size, TEXT)
            y += int(size * 1.25)
