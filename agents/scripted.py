"""A scripted Invaders player: the baseline a learner must beat.

It reads the features observation (``obs_mode="features"``) through the named indices of
:mod:`games.invaders.env`, and each step:

1. looks at where every bomb that can still hit it will be when it reaches the cannon's
   row, and for each move (left, stay, right) how close the cannon would then be to it;
2. if staying or heading for the target is unsafe, takes the safest move;
3. otherwise moves under the nearest alien, aiming ahead of the march so the shot meets
   the alien, and fires when lined up and no shot is in flight.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from qarcade.agents.base import Agent
from qarcade.games.core import GameError
from qarcade.games.invaders import rules
from qarcade.games.invaders.env import (
    BOMB_DX,
    BOMB_DY,
    BOMB_FEATURES,
    BOMB_PRESENT,
    F_BOMBS,
    F_COLUMNS,
    F_MARCH_DIR,
    F_MARCH_SPEED,
    F_PLAYER_READY,
    F_PLAYER_X,
    F_SHOT_ACTIVE,
    F_TARGET_DX,
    F_TARGET_Y,
    FIRE,
    LEFT,
    LEFT_FIRE,
    NEAREST_BOMBS,
    NOOP,
    RIGHT,
    RIGHT_FIRE,
)

_WIDTH = rules.SCREEN_WIDTH
_HEIGHT = rules.SCREEN_HEIGHT
#: Bombs fall BOMB_SPEED px every BOMB_PERIOD ticks.
_BOMB_FALL = rules.BOMB_SPEED / rules.BOMB_PERIOD
#: Horizontal distance between the cannon's centre and a bomb's centre below which they
#: touch, plus a safety margin.
_CLEARANCE = (rules.PLAYER_WIDTH + rules.BOMB_WIDTH) / 2 + 3
#: Only bombs this close in time (ticks) are worth dodging.
_HORIZON = 70
_MIN_X = rules.PLAYER_MIN_X + rules.PLAYER_WIDTH // 2
_MAX_X = rules.PLAYER_MAX_X + rules.PLAYER_WIDTH // 2
_MOVE_ACTIONS = {(-1, False): LEFT, (0, False): NOOP, (1, False): RIGHT}
_FIRE_ACTIONS = {(-1, True): LEFT_FIRE, (0, True): FIRE, (1, True): RIGHT_FIRE}


class ScriptedInvadersAgent(Agent):
    """Dodges bombs, moves under the nearest alien and fires (features observations).

    Args:
        aim_tolerance: fire when the lead-corrected target is within this many pixels.
        seed: accepted so that every built-in player is built alike; the scripted player
            draws nothing at random.
    """

    name: ClassVar[str] = "scripted"

    def __init__(self, aim_tolerance: float = 2.0, *, seed: int | None = None) -> None:
        del seed
        self.aim_tolerance = aim_tolerance

    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        if obs.ndim != 1 or obs.shape[0] <= F_COLUMNS:
            raise GameError(
                "the scripted Invaders player reads the features vector; make the env with "
                f"obs_mode='features' (got an observation of shape {obs.shape})"
            )
        if obs[F_PLAYER_READY] < 0.5:
            return NOOP
        x = (obs[F_PLAYER_X] + 1.0) * _WIDTH / 2

        # Where the target will be when a shot fired now reaches it.
        target_bottom = (obs[F_TARGET_Y] + 1.0) * _HEIGHT / 2
        travel = max(rules.PLAYER_Y - rules.SHOT_HEIGHT - target_bottom, 0.0) / rules.SHOT_SPEED
        speed = obs[F_MARCH_SPEED] * rules.MARCH_DX
        aim = obs[F_TARGET_DX] * _WIDTH + obs[F_MARCH_DIR] * speed * travel
        want = 0 if abs(aim) <= self.aim_tolerance else (1 if aim > 0 else -1)

        danger = {move: self._danger(obs, x, move) for move in (-1, 0, 1)}
        move = want
        if danger[want] > 0.0:
            move = min((-1, 0, 1), key=lambda m: (danger[m], m != want, m != 0))
        fire = obs[F_SHOT_ACTIVE] < 0.5 and abs(aim) <= self.aim_tolerance
        key = (move, bool(fire))
        return _FIRE_ACTIONS[key] if fire else _MOVE_ACTIONS[key]

    @staticmethod
    def _danger(obs: np.ndarray, x: float, move: int) -> float:
        """How threatening the bombs are if the cannon keeps moving ``move`` until each
        bomb reaches its row: over the bombs that would come too close, the sum of how
        much too close (0..1) divided by the time left, so that even where no move is
        safe, the one that gains most room wins."""
        total = 0.0
        for i in range(NEAREST_BOMBS):
            base = F_BOMBS + i * BOMB_FEATURES
            if obs[base + BOMB_PRESENT] < 0.5:
                break
            dy = obs[base + BOMB_DY] * _HEIGHT
            # Ticks until the bomb's bottom reaches the cannon's top, and until it is past.
            t_hit = max(dy, 0.0) / _BOMB_FALL
            if t_hit > _HORIZON:
                continue
            t_past = (dy + rules.PLAYER_HEIGHT + rules.BOMB_HEIGHT) / _BOMB_FALL
            bomb_x = x + obs[base + BOMB_DX] * _WIDTH
            # The cannon sweeps from its position at t_hit to its position at t_past.
            near = min(max(x + move * t_hit, _MIN_X), _MAX_X)
            far = min(max(x + move * t_past, _MIN_X), _MAX_X)
            lo, hi = min(near, far), max(near, far)
            gap = 0.0 if lo <= bomb_x <= hi else min(abs(bomb_x - lo), abs(bomb_x - hi))
            if gap < _CLEARANCE:
                total += (1.0 - gap / _CLEARANCE) / (1.0 + t_hit)
        return total
