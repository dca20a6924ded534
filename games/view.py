"""The face every game's view has: read an env's state, draw it into a rect, turn input
into actions.

A view is the only part of a game that imports pygame. It never owns or changes the game
state: every frame it *reads* the env (``env.board``, ``env.grid``, ``env.position``,
``env.state`` ...) and draws what it finds, so the same env can be driven by a person, an
agent, or a training loop between frames, and a view can be thrown away and rebuilt at any
time. The application (``app/``) owns the env, the agent, the clock and the window; a view
only draws and translates input.

How the app uses a view, once per frame::

    for event in pygame.event.get():
        action = view.action_for_event(event, rect)      # turn-based: clicks, keys
        if action is not None and env.action_mask()[action]:
            result = env.step(action)
            view.on_step(action, result)
    if view.realtime:                                     # real-time: held keys
        action = view.held_action(pygame.key.get_pressed())
        ...
    view.draw(surface, rect, overlay)

Drawing:
    :meth:`View.draw` draws the whole game into ``rect`` of ``surface`` and nothing
    outside it. ``rect`` can have any size (the window is resizable; in a race two views
    share it side by side): scale to it. The app gives a rect with the view's
    :attr:`View.aspect` (letterboxed with :func:`fit_rect`), but a view must still not
    crash on odd sizes, including tiny ones. Pixel art is drawn at integer multiples
    where it fits, so it stays crisp. Load images, sounds and fonts through the
    ``assets`` object handed to the constructor (a :class:`Media`; in the window, the
    app's loader ``qarcade.app.assets.Assets``), once, never
    per frame; cache scaled surfaces by size.

Overlays:
    ``overlay`` is an :class:`Overlay` or None. It carries what an agent thinks, for the
    view to draw on the board: :attr:`Overlay.q_values` for the current position (one per
    action; tic-tac-toe draws them on the empty squares, Invaders as bars per action) and
    :attr:`Overlay.q_for_obs` to ask about any other observation (the gridworld asks for
    every cell via ``env.obs_for_cell(row, col)`` and draws a heat colour for the value
    and the greedy arrow). The app decides whether overlays are on (a toggle key); a view
    draws the overlay it is given and nothing when given None.

Input:
    Turn-based games (:attr:`View.realtime` False) map events to actions in
    :meth:`View.action_for_event`: a mouse click inside ``rect`` or a key press. The app
    checks legality against ``env.action_mask()`` before stepping, so a view may return
    an action that is not legal now (e.g. a click on a taken square); the app ignores it.
    Real-time games (``realtime`` True) are stepped once per frame; the app asks
    :meth:`View.held_action` for the action of the keys held down this frame.
    Keys the app takes for itself never reach a view: always Esc (back), H (help),
    Q (overlay on/off), N (new game), U (undo), P (pause), M (mute), F11 (full
    screen); in Watch, where nobody plays, also Space (pause), ``.`` and S (single
    step) and 1-4 (speed).
    Everything else (Space to fire in Invaders, 1-9 in tic-tac-toe) is the game's.
    :attr:`View.keys_help` lists the game's own keys for the help overlay (H).

Per-game modules follow this face: ``games/tictactoe/view.py`` (``TicTacToeView``),
``games/gridworld/view.py`` (``GridWorldView``), ``games/invaders/view.py``
(``InvadersView``). :func:`qarcade.games.view_class` finds them by game name.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pygame

from qarcade.games.core import Env, StepResult


class Media:
    """What a view draws and plays with: fonts, and sounds by name.

    This base is silent: it is what a view gets with no application around it (frames
    rendered for Gymnasium). The app's loader, ``qarcade.app.assets.Assets``, extends it
    with the sounds and images under ``assets/``.
    """

    def __init__(self) -> None:
        self.muted = True
        self._fonts: dict[int, Font] = {}

    def play(self, name: str, *, loops: int = 0) -> None:
        """Play the sound ``name`` (silence here)."""

    def stop(self, name: str) -> None:
        """Stop every playing copy of the sound ``name`` (silence here)."""

    def font(self, size: int) -> Font:
        """pygame's default font at pixel height ``size`` (at least 8)."""
        size = max(8, int(size))
        if size not in self._fonts:
            if not pygame.font.get_init():
                pygame.font.init()
            self._fonts[size] = Font(size)
        return self._fonts[size]


class Font:
    """pygame's default font at pixel height ``size``, drawn :data:`SUPERSAMPLE` times
    as large and scaled down: at small sizes the font's hinting snaps each letter to
    whole pixels and pulls words apart ("minima x", "lake 8"); drawn large, the letters
    keep the spacing they were designed with. That costs more than a plain render, so
    the last :data:`FONT_CACHE` renders are kept (boards redraw the same numbers every
    frame). The face of ``pygame.font.Font`` the app uses: :meth:`render` and
    :meth:`size`; treat a rendered surface as read-only."""

    def __init__(self, size: int) -> None:
        self._big = pygame.font.Font(None, size * SUPERSAMPLE)
        self._rendered: OrderedDict[tuple[str, tuple[int, ...]], pygame.Surface] = OrderedDict()

    def render(
        self, text: str, antialias: bool, colour: tuple[int, ...] | pygame.Color
    ) -> pygame.Surface:
        """``text`` in ``colour`` on a transparent surface (always antialiased)."""
        key = (text, tuple(colour))
        image = self._rendered.get(key)
        if image is None:
            big = self._big.render(text, True, colour)
            width, height = self._shrunk(big.get_size())
            if width == 0:  # "" has no pixels to scale (and smoothscale crashes on none)
                image = pygame.Surface((0, height), pygame.SRCALPHA)
            else:
                image = pygame.transform.smoothscale(big, (width, height))
            self._rendered[key] = image
            if len(self._rendered) > FONT_CACHE:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(key)
        return image

    def size(self, text: str) -> tuple[int, int]:
        """The width and height :meth:`render` gives ``text``."""
        return self._shrunk(self._big.size(text))

    @staticmethod
    def _shrunk(size: tuple[int, int]) -> tuple[int, int]:
        width, height = size
        return (max(1, round(width / SUPERSAMPLE)) if width else 0), round(height / SUPERSAMPLE)


#: How many times larger :class:`Font` draws text before scaling it down.
SUPERSAMPLE = 4
#: Renders each :class:`Font` keeps.
FONT_CACHE = 256


@dataclass
class Overlay:
    """What an agent thinks, handed to :meth:`View.draw`.

    Attributes:
        q_values: the agent's Q-value per action for the env's current observation
            (illegal actions may be ``-inf`` or NaN), or None when it has none.
        q_for_obs: ask the agent for the Q-values of any observation (None if it cannot);
            for views that colour many states at once, like the gridworld's cells.
        label: who the numbers belong to, e.g. ``"tabular"``, for a legend.
        cache: scratch space for a view to memoise work that depends only on the agent
            (the gridworld's value of every cell, and the layer drawn from it). The app
            hands every Overlay of the same unchanging agent the *same* dict (Play,
            Versus, Watch: the agent does not learn there), and a fresh dict whenever
            the agent's Q-values may have changed (every frame while it learns), so a
            view computes per-agent work once and never shows stale numbers. Keys are
            the view's own; include anything else the result depends on (the map).
    """

    q_values: np.ndarray | None = None
    q_for_obs: Callable[[np.ndarray], np.ndarray | None] | None = None
    label: str = ""
    cache: dict[Any, Any] = field(default_factory=dict)


class View:
    """Base class of the per-game views: draws one env into a rect and reads input.

    Subclasses set the class attributes and override :meth:`draw`, and
    :meth:`action_for_event` (turn-based) or :meth:`held_action` (real-time).

    Attributes:
        game: the registry name of the game drawn (``"tictactoe"``).
        realtime: True if the env is stepped every frame with :meth:`held_action`
            (Invaders); False if it moves only on a player's action (tic-tac-toe,
            gridworld).
        keys_help: ``(key, what it does)`` for the game's own keys, for the help overlay.
        q_legend: what the overlay's numbers mean, for the HUD while they are shown
            (empty: the view says it on the board).
        best_score: the best score a person has made at this game (the HI-SCORE), for
            views of games that keep a score to show. The scene that knows who plays
            sets it; a view never decides that, nor keeps it.
        env: the env the view reads. The app may replace it (``view.env = other``).
        assets: where fonts and sounds come from (the app's one asset loader).
    """

    game: ClassVar[str]
    realtime: ClassVar[bool] = False
    keys_help: ClassVar[tuple[tuple[str, str], ...]] = ()
    q_legend: ClassVar[str] = ""

    def __init__(self, env: Env, assets: Media) -> None:
        self.env = env
        self.assets = assets
        self.best_score = 0

    @property
    def aspect(self) -> float:
        """Width / height the view looks best at; the app letterboxes to it. A view whose
        shape depends on the env (a map's) works it out from there."""
        return 1.0

    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        """Draw the env's current state into ``rect`` of ``surface`` (and nowhere else)."""
        raise NotImplementedError

    def action_for_event(self, event: pygame.event.Event, rect: pygame.Rect) -> int | None:
        """The action a click or key press means (``rect`` is where the view is drawn), or
        None if the event means no action. Turn-based views override this."""
        return None

    def held_action(self, pressed: pygame.key.ScancodeWrapper) -> int | None:
        """The action the keys held this frame mean (``pressed`` is
        ``pygame.key.get_pressed()``, index it with ``pygame.K_*``). Real-time views
        override this and return the game's no-op action when nothing is held, since the
        env steps every frame either way; turn-based views keep the default None."""
        return None

    def on_step(self, action: int, result: StepResult) -> None:
        """Called by the app after every ``env.step`` it makes with this view's env, with the
        step's result: a place to start animations or sounds from ``info``. The view must
        not change the env here."""

    def on_reset(self) -> None:
        """Called by the app after ``env.reset()`` or ``env.restore()``: drop animations."""

    def status(self) -> str:
        """One line for the HUD: whose turn, the score, how the game ended."""
        return ""

    def cell_at(self, rect: pygame.Rect, pos: tuple[int, int]) -> tuple[int, int] | None:
        """The (row, col) of the board cell under ``pos`` when the view fills ``rect``,
        for games whose map a person can edit (:attr:`~games.spec.GameSpec.maps`);
        None outside the board, and always for other games."""
        return None


def fit_rect(outer: pygame.Rect, aspect: float, margin: int = 0) -> pygame.Rect:
    """The largest rect of width / height ``aspect`` centred in ``outer`` (letterbox),
    after taking ``margin`` pixels off each side."""
    inner = outer.inflate(-2 * margin, -2 * margin)
    width = max(1, inner.width)
    height = max(1, inner.height)
    if width / height > aspect:
        width = max(1, round(height * aspect))
    else:
        height = max(1, round(width / aspect))
    rect = pygame.Rect(0, 0, width, height)
    rect.center = inner.center
    return rect


#: The middle of :func:`heat_colour`'s scale on dark boards, and on light ones.
HEAT_MID_DARK = (40, 44, 56)
HEAT_MID_LIGHT = (240, 200, 70)


def heat_colour(
    value: float, low: float, high: float, mid: tuple[int, int, int] = HEAT_MID_DARK
) -> tuple[int, int, int]:
    """A colour for ``value`` on a diverging scale: red for ``low``, ``mid`` half-way,
    green for ``high`` (NaN or an empty range gives grey). Used by every Q overlay, so the
    same colour means the same thing in every game; pass :data:`HEAT_MID_LIGHT` where
    the board underneath is light and a dark middle would look like a shadow."""
    if not np.isfinite(value) or high <= low:
        return (90, 90, 90)
    t = (value - low) / (high - low) * 2.0 - 1.0  # -1 .. 1
    t = float(np.clip(t, -1.0, 1.0))
    end = (64, 200, 96) if t >= 0 else (220, 64, 64)
    s = abs(t)
    return (
        round(mid[0] + (end[0] - mid[0]) * s),
        round(mid[1] + (end[1] - mid[1]) * s),
        round(mid[2] + (end[2] - mid[2]) * s),
    )
