"""Live line plots drawn with pygame: Learn mode's learning curve and memory graph.

:func:`draw_plot` draws any number of :class:`~app.series.Series` into a rect: light grid,
y-axis labels, a legend. Matplotlib is far too slow to redraw every frame; this costs a
polyline per series.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pygame

from qarcade.app import hud as colours
from qarcade.app.hud import Hud
from qarcade.app.series import Series

GRID = (48, 54, 76)


def nice_range(low: float, high: float) -> tuple[float, float]:
    """A y range around [low, high] that does not jump on every new point: padded, and
    when flat widened by a tenth of the value (at least 0.5), so labels written to a few
    digits (a score of 370) still tell the ticks apart."""
    if high - low < 1e-6:
        half = max(0.5, abs(high) * 0.1)
        return low - half, high + half
    pad = (high - low) * 0.08
    return low - pad, high + pad


def draw_plot(
    surface: pygame.Surface,
    rect: pygame.Rect,
    hud: Hud,
    series: list[Series],
    *,
    title: str = "",
    y_range: tuple[float, float] | None = None,
    y_format: str | Callable[[float], str] = "{:.2f}",
    x_label: str = "",
    text_size: int = 14,
    marks: Sequence[tuple[float, tuple[int, int, int]]] = (),
    log_x: bool = False,
) -> None:
    """Draw ``series`` as lines into ``rect`` with a title, y labels and a legend.

    ``marks`` are ``(x, colour)`` moments drawn as dashed vertical lines with a small
    triangle on top (Compare marks where each learner first played optimally).

    ``log_x`` draws x on a log scale (where the points' x is above 0), with a labelled
    line at each power of ten.

    ``y_range`` fixes the axis (e.g. 0..1 for rates); by default it spans the points.
    ``y_format`` is a format string or a function that writes a y value. An empty plot
    says "waiting for the first result".
    """
    if rect.width < 40 or rect.height < 30:
        return
    pygame.draw.rect(surface, (22, 25, 38), rect)
    pygame.draw.rect(surface, colours.PANEL_EDGE, rect, width=1)
    top = rect.top + 2
    if title:
        hud.text(surface, title, (rect.left + 6, top), text_size, colours.TEXT, shadow=False)
        top += int(text_size * 1.1)
    label = y_format.format if isinstance(y_format, str) else y_format
    drawn = [s for s in series if s.points]
    if y_range is None and drawn:
        values = [y for s in drawn for _, y in s.points]
        y_range = nice_range(min(values), max(values))
    low, high = y_range if y_range is not None else (0.0, 1.0)
    ticks = [(low + (high - low) * i / 2, label(low + (high - low) * i / 2)) for i in range(3)]
    font = hud.assets.font(text_size)
    label_width = max(font.size(text)[0] for _, text in ticks)
    legend_height = int(text_size * 1.2)
    area = pygame.Rect(
        rect.left + label_width + 8,
        top + 4,
        rect.width - label_width - 14,
        rect.bottom - top - legend_height - 10,
    )
    if area.width < 10 or area.height < 10:
        return
    if not drawn:
        hud.text(
            surface, "waiting for the first result", area.center, text_size, colours.DIM,
            "center", shadow=False,
        )  # fmt: skip
        return
    x_low = min(s.points[0][0] for s in drawn)
    x_high = max(s.points[-1][0] for s in drawn)
    log_x = log_x and x_low > 0
    scale = (lambda x: math.log10(max(x, x_low))) if log_x else (lambda x: x)
    x_start = scale(x_low)
    x_span = max(scale(x_high) - x_start, 1e-9)

    def to_screen(x: float, y: float) -> tuple[int, int]:
        fx = (scale(x) - x_start) / x_span
        fy = (min(max(y, low), high) - low) / (high - low)
        return area.left + round(fx * (area.width - 1)), area.bottom - 1 - round(
            fy * (area.height - 1)
        )

    for value, text in ticks:
        y = to_screen(x_low, value)[1]
        pygame.draw.line(surface, GRID, (area.left, y), (area.right - 1, y))
        hud.text(
            surface, text, (area.left - 4, y), text_size, colours.DIM, "midright", shadow=False
        )
    if log_x:
        for power in range(math.ceil(math.log10(x_low)), math.floor(math.log10(x_high)) + 1):
            x = to_screen(10.0**power, low)[0]
            pygame.draw.line(surface, GRID, (x, area.top), (x, area.bottom - 1))
            hud.text(surface, _short(10**power), (x + 2, area.bottom - 2), text_size, colours.DIM,
                     "bottomleft", shadow=False)  # fmt: skip
    for x_mark, colour in marks:
        if x_low <= x_mark <= x_high:
            x = to_screen(x_mark, low)[0]
            for y in range(area.top, area.bottom, 6):
                pygame.draw.line(surface, colour, (x, y), (x, min(y + 3, area.bottom - 1)), 2)
            pygame.draw.polygon(
                surface, colour, [(x - 5, area.top), (x + 5, area.top), (x, area.top + 7)]
            )
    for s in drawn:
        points = [to_screen(x, y) for x, y in s.points]
        if len(points) == 1:
            pygame.draw.circle(surface, s.colour, points[0], 2)
        else:
            pygame.draw.lines(surface, s.colour, False, points, 2)
    x = area.left
    y = rect.bottom - legend_height // 2 - 3
    for s in series:
        pygame.draw.line(surface, s.colour, (x, y), (x + 14, y), 3)
        shown = hud.text(surface, s.label, (x + 18, y), text_size, colours.TEXT, "midleft", False)
        x = shown.right + 12
    words = x_label.format(x=x_high) if x_label else ""
    if words and x + font.size(words)[0] < area.right:
        hud.text(surface, words, (area.right, y), text_size, colours.DIM, "midright", shadow=False)


def _short(n: int) -> str:
    """A power of ten for an axis: 1, 10, 100, 1k, 10k, 100k, 1M, ..."""
    for value, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= value:
            return f"{n // value}{suffix}"
    return str(n)
