"""A learning curve's data: a moving average kept at a bounded number of points.

A :class:`Series` takes one number at a time (an episode's return, a game's outcome) and
keeps its moving average at a bounded number of points, however long training runs: when
the points fill up, every other one is dropped and only every other new value is kept
from then on. :func:`app.plot.draw_plot` draws series; this module imports no pygame, so
a :class:`~app.learn_session.LearnSession` keeps its curves headless.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

#: Points a series keeps before halving its resolution.
MAX_POINTS = 512


@dataclass
class Series:
    """A moving average over the last ``window`` values, kept as (x, average) points.

    Attributes:
        label: the legend's text.
        colour: the line's colour.
        window: values the moving average covers.
        points: (x, moving average) pairs, oldest first, at most :data:`MAX_POINTS`.
        count: values added so far (the x of the next one is ``count + 1``).
    """

    label: str
    colour: tuple[int, int, int]
    window: int = 100
    points: list[tuple[float, float]] = field(default_factory=list)
    count: int = 0
    _recent: deque[float] = field(default_factory=deque, repr=False)
    _sum: float = 0.0
    _stride: int = 1

    def add(self, value: float, x: float | None = None) -> None:
        """Add one value, at ``x`` (default: its number, 1-based)."""
        self.count += 1
        self._recent.append(value)
        self._sum += value
        if len(self._recent) > self.window:
            self._sum -= self._recent.popleft()
        if self.count % self._stride:
            return
        self.points.append((float(self.count if x is None else x), self.average))
        if len(self.points) > MAX_POINTS:
            del self.points[::2]
            self._stride *= 2

    @property
    def average(self) -> float:
        """The moving average now (0 before any value)."""
        return self._sum / len(self._recent) if self._recent else 0.0

    def clear(self) -> None:
        """Forget every value (a new agent)."""
        self.points.clear()
        self._recent.clear()
        self.count, self._sum, self._stride = 0, 0.0, 1
