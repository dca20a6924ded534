"""The Invaders env: :mod:`games.invaders.rules` behind the one env interface."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from qarcade.games.core import Env, Info, Obs, OptionError
from qarcade.games.invaders import forecast, pixels, rules
from qarcade.games.invaders.rules import Event, InvadersState

NOOP, LEFT, RIGHT, FIRE, LEFT_FIRE, RIGHT_FIRE = range(6)
ACTION_NAMES = ("NOOP", "LEFT", "RIGHT", "FIRE", "LEFT+FIRE", "RIGHT+FIRE")
#: Per action: the player's move (-1, 0, +1) and whether it fires.
ACTION_MOVES = (0, -1, 1, 0, -1, 1)
ACTION_FIRES = (False, False, False, True, True, True)

#: Formation sizes by preset name: the arcade's, and a small one for fast training.
PRESETS = {"arcade": (5, 11), "small": (3, 6)}
OBS_MODES = ("features", "pixels")

# ------------------------------------------------------------------ the features vector
# Every entry lies in [-1, 1]. x positions are 2 * x / SCREEN_WIDTH - 1, y positions
# 2 * y / SCREEN_HEIGHT - 1, horizontal offsets dx / SCREEN_WIDTH, vertical distances
# dy / SCREEN_HEIGHT. "The player's x" is the x its shot would fly up at.
F_PLAYER_X = 0
#: 1 while the player can act, 0 while its explosion plays (actions do nothing then).
F_PLAYER_READY = 1
#: 1 while the player's shot is in flight (FIRE does nothing then), else 0.
F_SHOT_ACTIVE = 2
#: The shot's offset from the player's x, and its y (both 0 when there is no shot).
F_SHOT_DX = 3
F_SHOT_Y = 4
#: Offset from the player's x to the centre of the nearest column with a living alien
#: (nearest horizontally), and the bottom y of that column's lowest alien.
F_TARGET_DX = 5
F_TARGET_Y = 6
#: Left and right x of the living aliens, and the bottom y of the lowest one.
F_FORMATION_LEFT = 7
F_FORMATION_RIGHT = 8
F_FORMATION_BOTTOM = 9
#: +1 marching right, -1 left.
F_MARCH_DIR = 10
#: Living aliens / formation size.
F_ALIVE_FRACTION = 11
#: The formation's sideways speed in px per tick / MARCH_DX: 1 / living aliens (the march
#: speeds up as they die), so a script can lead its shots.
F_MARCH_SPEED = 12
#: 1 while the mystery ship crosses, and its offset from the player's x (0 if absent).
F_MYSTERY_ACTIVE = 13
F_MYSTERY_DX = 14
#: 1 if a shield still has pixels straight above the player's x (a shot would hit it).
F_SHIELD_ABOVE = 15
#: Then NEAREST_BOMBS blocks of BOMB_FEATURES entries: the bombs that can still hit the
#: player, soonest first (smallest distance above the player's top). In each block:
#: present (1/0), dx from the player's x to the bomb's centre, and dy from the bomb's
#: bottom down to the player's top (< 0 once it reaches the player's row). An empty
#: block is (0, 0, 1).
F_BOMBS = 16
NEAREST_BOMBS = 3
BOMB_FEATURES = 3
BOMB_PRESENT, BOMB_DX, BOMB_DY = 0, 1, 2
#: Then the danger of each move, LEFT, NOOP and RIGHT: if the cannon kept that move
#: until every bomb has passed its row, how soon the first bomb to touch it would (within
#: a pixel) reach its top: ``1 - ticks / DANGER_HORIZON``, 0 when none would within
#: DANGER_HORIZON ticks. The raw bomb offsets above are a few hundredths of the screen
#: wide, far too fine for a network to read a dodge from; this is the same geometry
#: said in the units a decision needs (without it a DQN hardly learns to dodge).
F_DANGER = F_BOMBS + NEAREST_BOMBS * BOMB_FEATURES
DANGER_MOVES = (-1, 0, 1)
DANGER_HORIZON = 60
#: Then, for the same three moves, 1 if making it for this step leaves the cannon no way
#: to dodge every bomb now falling, else 0 (:func:`forecast.trapped`): the danger above
#: says how soon a bomb comes, this says whether there is still a way out, which two
#: bombs or a wall can close long before either arrives.
F_TRAPPED = F_DANGER + len(DANGER_MOVES)
#: Then, for LEFT+FIRE, FIRE and RIGHT+FIRE: what a shot fired from there this step
#: would hit on its way up, the formation marching meanwhile (:class:`forecast.ShotForecast`),
#: as ``min(points, 30) / 30``; 0 if it would hit a shield or nothing. Also while a shot
#: is in flight (then firing does nothing yet, as F_SHOT_ACTIVE says, but this still
#: says whether the cannon stands in a good place); all 0 while the cannon explodes.
F_SHOT_POINTS = F_TRAPPED + len(DANGER_MOVES)
#: Then how far (px / SCREEN_WIDTH) the cannon would have to go left, and right, to
#: stand where a shot fired now would hit an alien (:class:`forecast.ShotForecast`):
#: 0 where it stands, 1 if nowhere that way. Where to go, with the march's lead and the
#: shields taken into account, which F_TARGET_DX (the nearest column now) leaves out.
F_AIM = F_SHOT_POINTS + len(DANGER_MOVES)
AIM_SIDES = 2
#: Then one entry per formation column: the bottom y of its lowest living alien, or -1
#: when the column is empty (no alien is ever that high).
F_COLUMNS = F_AIM + AIM_SIDES
_EMPTY_BOMB = (0.0, 0.0, 1.0)


def feature_names(cols: int) -> tuple[str, ...]:
    """A name for every entry of the features vector of a ``cols``-column formation."""
    fixed = [
        "player_x",
        "player_ready",
        "shot_active",
        "shot_dx",
        "shot_y",
        "target_dx",
        "target_y",
        "formation_left",
        "formation_right",
        "formation_bottom",
        "march_dir",
        "alive_fraction",
        "march_speed",
        "mystery_active",
        "mystery_dx",
        "shield_above",
    ]
    bombs = [f"bomb{i}_{k}" for i in range(NEAREST_BOMBS) for k in ("present", "dx", "dy")]
    moves = [
        f"{what}_{move}"
        for what in ("danger", "trapped", "shot_points")
        for move in ("left", "stay", "right")
    ]
    columns = [f"column{c}_bottom" for c in range(cols)]
    return (*fixed, *bombs, *moves, "aim_left", "aim_right", *columns)


class InvadersEnv(Env):
    """Space Invaders with the arcade's rules (see :mod:`games.invaders.rules`).

    Actions:
        6 discrete: NOOP, LEFT, RIGHT, FIRE, LEFT+FIRE, RIGHT+FIRE. Every action is legal
        while the game runs (the mask is all True): FIRE while a shot is in flight, or
        anything while the player explodes, does nothing, so the mask never changes and
        an agent cannot learn from it when firing works (the features say so instead).

    Observation:
        ``obs_mode="features"``: float32 vector of ``len(feature_names(cols))`` entries in
        [-1, 1], laid out by the ``F_*`` index constants of this module.
        ``obs_mode="pixels"``: uint8 (frame_stack, 64, 56), the last ``frame_stack``
        grayscale frames drawn by :mod:`games.invaders.pixels`, oldest first.
        :attr:`observation_low` and :attr:`observation_high` are the bounds.

    Rewards:
        The points scored during the step (10 / 20 / 30 per alien by row, 50..300 for the
        mystery ship), minus ``life_penalty`` for every life lost; aliens landing end the
        game, which loses every life left.

    Episode end:
        Terminated when the last life is lost or the aliens land; truncated after
        ``max_steps`` steps.

    Info:
        ``score``, ``lives``, ``wave``, ``events`` (the :class:`rules.Event` list of the
        step, for sounds and effects), ``action_mask`` and ``rewards``.

    Arguments:
        preset: ``"arcade"`` (5 x 11 formation) or ``"small"`` (3 x 6, for fast training).
        rows, cols: override the preset's formation size (1..6 rows, 1..11 columns).
        frame_skip: ticks of game time (60 per second) per step, the action repeated
            (fewer if the game ends within the step).
        max_steps: steps before the episode is truncated (the default is ten minutes
            of game time without frame skip); None for no limit.
        obs_mode: ``"features"`` or ``"pixels"``.
        frame_stack: frames per pixel observation.
        life_penalty: subtracted from the reward for each life lost (default 0).

    The state the view draws is :attr:`state` (an :class:`rules.InvadersState`); the
    last step's events are also kept in :attr:`events`.
    """

    name = "invaders"
    num_players: ClassVar[int] = 1
    num_actions = 6
    action_names = ACTION_NAMES
    #: A person is always shown the arcade's game: a tick a frame, points for a score,
    #: ten minutes at most; how a learner steps, observes and is rewarded is its own.
    training_options: ClassVar[frozenset[str]] = frozenset(
        {"frame_skip", "max_steps", "obs_mode", "frame_stack", "life_penalty"}
    )
    #: An action every 4 ticks shortens the credit-assignment path from a shot to its
    #: points, and a penalty per life lost teaches the agent to dodge (without it, the
    #: coarse table's greedy play scores below random, and the DQN barely above). Scores
    #: (``info["score"]``) stay points only.
    training_defaults: ClassVar[Mapping[str, Any]] = MappingProxyType(
        {"frame_skip": 4, "life_penalty": 100.0}
    )

    def __init__(
        self,
        *,
        preset: str = "arcade",
        rows: int | None = None,
        cols: int | None = None,
        frame_skip: int = 1,
        max_steps: int | None = 36_000,
        obs_mode: str = "features",
        frame_stack: int = 4,
        life_penalty: float = 0.0,
    ) -> None:
        if not isinstance(preset, str) or preset not in PRESETS:
            raise OptionError(
                f"invaders: unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}"
            )
        default_rows, default_cols = PRESETS[preset]
        rows = default_rows if rows is None else rows
        cols = default_cols if cols is None else cols
        rows = _check_int("rows", rows, 1, rules.MAX_ROWS)
        cols = _check_int("cols", cols, 1, rules.MAX_COLS)
        frame_skip = _check_int("frame_skip", frame_skip, 1, 64)
        if max_steps is not None:
            max_steps = _check_int("max_steps", max_steps, 1, None)
        if obs_mode not in OBS_MODES:
            raise OptionError(
                f"invaders: unknown obs_mode {obs_mode!r}; choose one of: {', '.join(OBS_MODES)}"
            )
        frame_stack = _check_int("frame_stack", frame_stack, 1, 16)
        if (
            isinstance(life_penalty, bool)
            or not isinstance(life_penalty, int | float)
            or not 0 <= life_penalty < math.inf
        ):
            raise OptionError(
                f"invaders: life_penalty must be a finite number >= 0, got {life_penalty!r}"
            )
        super().__init__(
            preset=preset,
            rows=rows,
            cols=cols,
            frame_skip=frame_skip,
            max_steps=max_steps,
            obs_mode=obs_mode,
            frame_stack=frame_stack,
            life_penalty=float(life_penalty),
        )
        self.rows, self.cols = rows, cols
        self.frame_skip = frame_skip
        self.max_steps = max_steps
        self.obs_mode = obs_mode
        self.frame_stack = frame_stack
        self.life_penalty = float(life_penalty)
        if obs_mode == "features":
            self.observation_shape = (F_COLUMNS + cols,)
            self.observation_dtype = np.dtype(np.float32)
            self.observation_low, self.observation_high = -1.0, 1.0
        else:
            self.observation_shape = (frame_stack, pixels.FRAME_HEIGHT, pixels.FRAME_WIDTH)
            self.observation_dtype = np.dtype(np.uint8)
            self.observation_low, self.observation_high = 0, 255
        self.state: InvadersState = rules.new_game(rows, cols)
        self.steps = 0
        self.events: list[Event] = []
        self._mask = np.ones(self.num_actions, dtype=bool)
        self._frames = np.zeros(self.observation_shape, np.uint8) if obs_mode == "pixels" else None
        self._columns_key: tuple[int, ...] = ()
        self._columns: _Columns | None = None
        self._shots: forecast.ShotForecast | None = None

    # ------------------------------------------------------------------ Env hooks
    def _reset(self) -> None:
        self.state = rules.new_game(self.rows, self.cols)
        self.steps = 0
        self.events = []
        if self._frames is not None:
            self._frames[:] = pixels.render(self.state)

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        state = self.state
        move, fire = ACTION_MOVES[action], ACTION_FIRES[action]
        events: list[Event] = []
        lives = state.lives
        points = 0
        for _ in range(self.frame_skip):
            points += rules.tick(state, move, fire, self.rng, events)
            if state.landed or state.lives <= 0:
                break
        self.events = events
        self.steps += 1
        if self._frames is not None:
            self._frames[:-1] = self._frames[1:]
            self._frames[-1] = pixels.render(state)
        lost = lives - state.lives if not state.landed else lives
        reward = points - self.life_penalty * lost
        truncated = self.max_steps is not None and self.steps >= self.max_steps
        return (float(reward),), state.landed or state.lives <= 0, truncated

    @property
    def ticks_per_step(self) -> int:
        """The frame skip: ticks of game time per step."""
        return self.frame_skip

    def follow(self, shown: Env) -> None:
        """Read ``shown``'s state (this env only observes it; see :meth:`Env.follow`)
        and, observing pixels, stack its frame as a step of this env would."""
        if not isinstance(shown, InvadersEnv):
            raise TypeError(f"an InvadersEnv follows an InvadersEnv, not {type(shown).__name__}")
        self.state = shown.state
        self.steps = shown.steps // self.frame_skip
        self.events = shown.events
        self.terminated, self.truncated = shown.terminated, shown.truncated
        self._needs_reset = shown._needs_reset
        if self._frames is not None:
            if shown.steps == 0:
                self._frames[:] = pixels.render(self.state)
            else:
                self._frames[:-1] = self._frames[1:]
                self._frames[-1] = pixels.render(self.state)

    def _action_mask(self) -> np.ndarray:
        return self._mask.copy()

    def _is_legal(self, action: int) -> bool:
        return True

    def _info(self, rewards: tuple[float, ...]) -> Info:
        state = self.state
        return {
            "action_mask": self.action_mask(),
            "rewards": rewards,
            "score": state.score,
            "lives": state.lives,
            "wave": state.wave,
            "events": self.events,
        }

    # ------------------------------------------------------------------ observations
    def observe(self) -> Obs:
        """The observation of the current state (see the class docstring)."""
        if self._frames is not None:
            return self._frames.copy()
        return self.features()

    def features(self) -> np.ndarray:
        """The features vector of the current state, whatever the observation mode."""
        s = self.state
        px = s.player_x + _HALF_PLAYER
        fx = s.formation_x
        # The column features depend on nothing else, so this key can never go stale.
        key = (s.formation_y, *s.col_lowest)
        cached = self._columns
        if cached is None or key != self._columns_key:
            self._columns_key = key
            cached = self._columns = _Columns(s)

        living = cached.living
        if living:
            # The nearest living column to the player: bisect on the fractional column
            # under the player, then compare the two neighbours (ties go left).
            i = bisect.bisect_left(living, (px - fx - _HALF_CELL) / _CELL)
            if i == len(living) or (
                i > 0
                and px - (fx + living[i - 1] * _CELL + _HALF_CELL)
                <= fx + living[i] * _CELL + _HALF_CELL - px
            ):
                i -= 1
            target = living[i]
            target_dx = (fx + target * _CELL + _HALF_CELL - px) / _WIDTH
            target_y = cached.values[target]
            f_left = (fx + cached.left) * _X_SCALE - 1.0
            f_right = (fx + cached.right) * _X_SCALE - 1.0
        else:
            target_dx = target_y = f_left = f_right = 0.0

        shot = s.shot
        mystery = s.mystery
        alive = s.alive_count
        values = [
            px * _X_SCALE - 1.0,
            0.0 if s.respawn_timer else 1.0,
            0.0 if shot is None else 1.0,
            0.0 if shot is None else (shot.x - px) / _WIDTH,
            0.0 if shot is None else shot.y * _Y_SCALE - 1.0,
            target_dx,
            target_y,
            f_left,
            f_right,
            cached.bottom,
            float(s.march_dir),
            alive * cached.inverse_size,
            1.0 / alive if alive else 0.0,
            0.0 if mystery is None else 1.0,
            0.0 if mystery is None else (mystery.x + _HALF_MYSTERY - px) / _WIDTH,
            1.0 if forecast.shield_above(s, px) else 0.0,
        ]
        bombs = s.bombs
        if bombs:
            near = sorted(
                (_BOMB_DY0 - b.y, b.x + _HALF_BOMB - px) for b in bombs if b.y < _BOMB_PAST
            )[:NEAREST_BOMBS]
            for dy, dx in near:
                values += (1.0, dx / _WIDTH, dy / _HEIGHT)
            values += _EMPTY_BOMB * (NEAREST_BOMBS - len(near))
            values += _danger(bombs, s.player_x)
            trapped = forecast.trapped(s, DANGER_MOVES, self.frame_skip)
            values += [1.0 if t else 0.0 for t in trapped]
        else:
            values += _NO_BOMBS
            values += _ZERO_PER_MOVE * 2
        if not s.respawn_timer and living:
            xs = [min(max(s.player_x + m, _MIN_X), _MAX_X) for m in DANGER_MOVES]
            # The forecast changes only when the formation steps within a shot's climb,
            # an alien dies or a shield column empties: keep it while its key holds.
            key = forecast.shot_key(s)
            if self._shots is None or self._shots.key != key:
                self._shots = forecast.ShotForecast(s, key)
            values += [min(p, 30) / 30 for p in self._shots.shot_points(s, xs)]
            values += _aim(self._shots, px)
        else:
            values += _ZERO_PER_MOVE
            values += _NO_AIM
        values += cached.values
        return np.array(values, dtype=np.float32)


class _Columns:
    """Per-formation-column features, rebuilt only when an alien dies or the formation
    steps down (not every step)."""

    __slots__ = ("bottom", "inverse_size", "left", "living", "right", "values")

    def __init__(self, s: InvadersState) -> None:
        bottoms = [s.formation_y + r * _CELL + rules.ALIEN_HEIGHT for r in s.col_lowest]
        self.values = [
            -1.0 if r < 0 else y * _Y_SCALE - 1.0
            for r, y in zip(s.col_lowest, bottoms, strict=True)
        ]
        self.living = [c for c, r in enumerate(s.col_lowest) if r >= 0]
        self.left = self.living[0] * _CELL + rules.CELL_LEFT if self.living else 0
        self.right = self.living[-1] * _CELL + rules.CELL_RIGHT if self.living else 0
        self.bottom = max(self.values)
        self.inverse_size = 1.0 / (s.rows * s.cols)


_WIDTH = float(rules.SCREEN_WIDTH)
_HEIGHT = float(rules.SCREEN_HEIGHT)
_X_SCALE = 2.0 / rules.SCREEN_WIDTH
_Y_SCALE = 2.0 / rules.SCREEN_HEIGHT
_CELL = rules.ALIEN_CELL
_HALF_CELL = rules.ALIEN_CELL // 2
_HALF_PLAYER = rules.PLAYER_WIDTH // 2
_HALF_BOMB = rules.BOMB_WIDTH // 2
_HALF_MYSTERY = rules.MYSTERY_WIDTH // 2
#: A bomb's dy is measured from its bottom (y + height) to the player's top.
_BOMB_DY0 = rules.PLAYER_Y - rules.BOMB_HEIGHT
#: Bombs whose top is at or below the player's bottom can no longer hit it.
_BOMB_PAST = rules.PLAYER_Y + rules.PLAYER_HEIGHT
_NO_BOMBS = _EMPTY_BOMB * NEAREST_BOMBS
_MIN_X, _MAX_X = rules.PLAYER_MIN_X, rules.PLAYER_MAX_X


_ZERO_PER_MOVE = (0.0,) * len(DANGER_MOVES)
#: Bombs fall this many px per tick.
_BOMB_FALL = rules.BOMB_SPEED / rules.BOMB_PERIOD
#: Centre-to-centre distance below which a bomb touches the cannon, plus a pixel.
_TOUCH = (rules.PLAYER_WIDTH + rules.BOMB_WIDTH) / 2 + 1
#: The range of the cannon's centre.
_CENTRE_MIN = rules.PLAYER_MIN_X + rules.PLAYER_WIDTH / 2
_CENTRE_MAX = rules.PLAYER_MAX_X + rules.PLAYER_WIDTH / 2


_NO_AIM = (1.0,) * AIM_SIDES
#: The range of the x a shot flies up (the cannon's centre column).
_SHOT_X_MIN, _SHOT_X_MAX = _MIN_X + _HALF_PLAYER, _MAX_X + _HALF_PLAYER


def _aim(shots: forecast.ShotForecast, x: int) -> tuple[float, float]:
    """The F_AIM entries: distance from shot column ``x`` to the nearest firing solution
    the cannon can reach on its left and on its right (1 if none)."""
    left, right = shots.aim(x, _SHOT_X_MIN, _SHOT_X_MAX)
    return (
        1.0 if left is None else (x - left) / _WIDTH,
        1.0 if right is None else (right - x) / _WIDTH,
    )


def _danger(bombs: list[rules.Bomb], player_x: int) -> list[float]:
    """The F_DANGER entries: for each move of DANGER_MOVES, how soon a bomb would hit a
    cannon that kept making it (see the comment at F_DANGER)."""
    centre = player_x + rules.PLAYER_WIDTH / 2
    out = [0.0, 0.0, 0.0]
    for b in bombs:
        dy = _BOMB_DY0 - b.y  # from the bomb's bottom down to the cannon's top
        if b.y >= _BOMB_PAST or dy > DANGER_HORIZON * _BOMB_FALL:
            continue
        t_hit = max(dy, 0) / _BOMB_FALL
        t_past = (dy + rules.PLAYER_HEIGHT + rules.BOMB_HEIGHT) / _BOMB_FALL
        bomb_x = b.x + rules.BOMB_WIDTH / 2
        value = 1.0 - t_hit / DANGER_HORIZON
        for i, move in enumerate(DANGER_MOVES):
            if value <= out[i]:
                continue
            # Between t_hit and t_past the cannon sweeps [near, far] (walls stop it).
            near = min(max(centre + move * t_hit, _CENTRE_MIN), _CENTRE_MAX)
            far = min(max(centre + move * t_past, _CENTRE_MIN), _CENTRE_MAX)
            low, high = min(near, far), max(near, far)
            gap = max(low - bomb_x, bomb_x - high, 0.0)
            if gap < _TOUCH:
                out[i] = value
    return out


def _check_int(name: str, value: Any, low: int, high: int | None) -> int:
    """``value`` as a plain int (options must be JSON-serialisable), or an OptionError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise OptionError(f"invaders: {name} must be an integer {bounds}, got {value!r}")
    return int(value)
