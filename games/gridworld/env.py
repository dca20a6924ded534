"""The gridworld env: walk from the start to a goal across a map of floor, walls and pits."""

from __future__ import annotations

import math
import operator
from typing import Any, NamedTuple

import numpy as np

from qarcade.games.core import Env, Info, Obs, OptionError, StepResult
from qarcade.games.gridworld.maps import (
    FLOOR,
    GOAL,
    MAX_RANDOM_SIDE,
    MIN_RANDOM_SIDE,
    PIT,
    WALL,
    GridMap,
    MapError,
    format_map,
    goal_reachable,
    is_map_path,
    load_map,
    parse_map,
    random_map,
)

# FrozenLake's action order, so people coming from Gymnasium feel at home.
LEFT, DOWN, RIGHT, UP = 0, 1, 2, 3
#: (d_row, d_col) of each action.
MOVES: tuple[tuple[int, int], ...] = ((0, -1), (1, 0), (0, 1), (-1, 0))
#: The two perpendicular actions a slip can turn each action into (a - 1 and a + 1 mod 4).
SIDEWAYS: tuple[tuple[int, int], ...] = ((UP, DOWN), (LEFT, RIGHT), (DOWN, UP), (RIGHT, LEFT))
#: ``slippery=True``: FrozenLake's ``is_slippery``, 1/3 to each side and 1/3 as intended.
FROZEN_LAKE_SLIP = 2.0 / 3.0
#: Time limit per cell of the map when ``max_steps`` is not given (FrozenLake 4x4: 100).
STEPS_PER_CELL, MIN_MAX_STEPS = 4, 100
#: The observation kinds (``obs_mode``): where the agent is, or the whole map with it.
OBS_MODES = ("onehot", "map")
#: ``obs_mode="map"``: the channels of the observation, in this order.
MAP_CHANNELS = ("walls", "pits", "goals", "agent")
#: ``resample_map=True`` draws map seeds from here up, so the maps ``map_seed`` below it
#: makes are never trained on and stay unseen for evaluation.
RESAMPLE_SEED_BASE = 2**20
# Uniforms for slips are drawn from ``rng`` in batches: one numpy call per step is slower
# than the whole rest of the step.
_UNIFORM_BATCH = 1024


class TransitionModel(NamedTuple):
    """The full dynamics as arrays, for exact solvers (:mod:`games.gridworld.solver`).

    Each (cell, action) has three outcomes: as intended, and the two slips sideways.
    Cells are numbered ``row * cols + col``.

    Attributes:
        next_cell: (cells, 4, 3) int64, the cell each outcome lands on.
        prob: (cells, 4, 3) float64, the probability of each outcome (rows sum to 1).
        reward: (cells, 4, 3) float64, the reward of each outcome.
        landing: (cells, 4, 3) int8, the tile each outcome lands on.
        terminated: (cells, 4, 3) bool, whether the outcome ends the episode.
        absorbing: (cells,) bool, goal and pit cells: an episode never continues from them.
        start: the start cell.
    """

    next_cell: np.ndarray
    prob: np.ndarray
    reward: np.ndarray
    landing: np.ndarray
    terminated: np.ndarray
    absorbing: np.ndarray
    start: int


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


class GridWorldEnv(Env):
    """A FrozenLake-style gridworld on a map of floor, walls, pits and goals.

    Actions:
        ``LEFT=0``, ``DOWN=1``, ``RIGHT=2``, ``UP=3`` (FrozenLake's order). Every action is
        always legal; moving into a wall or off the edge leaves the agent where it was.
        With ``slippery`` the move goes to one of the two perpendicular directions instead,
        with probability ``slippery`` split evenly between them.

    Observation:
        ``obs_mode="onehot"`` (default): one-hot float32 vector of the agent's cell, shape
        ``(rows * cols,)``, index ``row * cols + col`` (:meth:`cell_index`). It says
        where the agent is, not what the map is: a learner must learn each map anew.
        ``obs_mode="map"``: the map itself, float32 channels ``(4, rows, cols)``
        (:data:`MAP_CHANNELS`): 1 where there is a wall, a pit, a goal, the agent; the
        start is floor. A learner can read any map from it, maps it never saw included.
        The arrays are **read-only** (as is ``info["action_mask"]``; one-hot ones are
        cached, one per cell): writing to one raises ``ValueError``; copy first
        (``obs.copy()``) to modify.

    Rewards:
        Per step, by the tile the agent lands on: ``goal_reward`` on a goal, ``pit_reward``
        in a pit, ``step_reward`` anywhere else. With the defaults (-0.01, 1, -1) an
        episode that reaches the goal in ``n`` steps returns ``1 - 0.01 * (n - 1)``, so the
        best return is the shortest path that avoids the pits; and with a discount of 0.99
        a pit (-1) is worth exactly as much as wandering forever (-0.01 / (1 - 0.99)), so a
        learner is never drawn into a pit to escape the step cost.

    Episode end:
        Terminated on reaching a goal or a pit; truncated after ``max_steps`` steps.

    Arguments (keyword-only):
        map: a shipped map's name (``lake4``, ``lake8``, ``cliff``, ``maze``,
            ``fourrooms``; see :func:`games.gridworld.maps.shipped_maps`), the path of a
            ``.txt`` map file, or ``"random"`` for a generated map (see ``size``).
        slippery: probability in [0, 1] that a move slips sideways; ``True`` means
            FrozenLake's 2/3 (1/3 to each side), ``False`` means 0.
        step_reward, goal_reward, pit_reward: the rewards above.
        max_steps: the time limit; default ``max(100, 4 * rows * cols)``.
        size: only with ``map="random"``: ``n`` for an n x n map or ``[rows, cols]``
            (4 to 64 each; default 8).
        map_seed: only with ``map="random"``: which random map (default 0). The same seed
            always gives the same map, and every generated map is solvable. The map stays
            fixed across ``reset``; ``reset(seed=...)`` seeds only the slips.
        layout: the map's text (:func:`~games.gridworld.maps.format_map`), used instead
            of reading ``map``, which then only names it. A map read from a file records
            its text here in :attr:`options`, so an env re-made from them (a checkpoint's
            game) plays the map it was made with, wherever it is made and whatever
            happened to the file since.
        obs_mode: ``"onehot"`` or ``"map"`` (see Observation).
        resample_map: only with ``map="random"``: every ``reset`` draws a new random map
            of the same size from the env's generator (a stream of maps to train a
            map-reading learner on). Its map seeds start at :data:`RESAMPLE_SEED_BASE`,
            so maps made with a smaller ``map_seed`` are never among them.
        min_size: only with ``resample_map``: the stream mixes smaller maps in, a
            curriculum by size within one observation shape. Each reset draws the rows
            from ``min_size`` to ``rows`` and the columns from ``min_size`` to ``cols``
            (uniformly), makes a random map that size and walls in the rest of the grid;
            the start stays in the top-left corner. On small maps a walk that knows
            nothing still finds the goal now and then, which on large ones it almost
            never does.

    State for views: :attr:`grid` (read-only tile codes, edit with :meth:`set_tile`),
    :attr:`position`, :attr:`start`, :attr:`map_name`, :attr:`rows`, :attr:`cols`,
    :attr:`steps`.
    """

    name = "gridworld"
    num_players = 1
    #: A race on a map is to the goal: the first there wins, a pit or the time limit
    #: loses.
    race_to_goal = True
    num_actions = 4
    action_names = ("left", "down", "right", "up")
    #: Bounds of every observation entry (one-hot), for Box spaces in the Gymnasium adapter.
    observation_low, observation_high = 0.0, 1.0

    def __init__(
        self,
        *,
        map: str = "lake4",
        slippery: float | bool = 0.0,
        step_reward: float = -0.01,
        goal_reward: float = 1.0,
        pit_reward: float = -1.0,
        max_steps: int | None = None,
        size: int | list[int] | tuple[int, int] | None = None,
        map_seed: int | None = None,
        layout: str | None = None,
        obs_mode: str = "onehot",
        resample_map: bool = False,
        min_size: int | None = None,
    ) -> None:
        super().__init__(
            map=map,
            slippery=slippery,
            step_reward=step_reward,
            goal_reward=goal_reward,
            pit_reward=pit_reward,
            max_steps=max_steps,
            size=size,
            map_seed=map_seed,
            layout=layout,
            obs_mode=obs_mode,
            resample_map=resample_map,
            min_size=min_size,
        )
        if obs_mode not in OBS_MODES:
            raise OptionError(f"obs_mode must be one of {', '.join(OBS_MODES)}, got {obs_mode!r}")
        if not isinstance(resample_map, bool) or (resample_map and map != "random"):
            raise OptionError(
                f"resample_map is true or false and needs map='random', got {resample_map!r} "
                f"with map={map!r}"
            )
        self.obs_mode = obs_mode
        #: The observation is planes over the map, the last the agent's (a map-reading
        #: learner reads it: agents.dqn.DQNConfig.for_env).
        self.map_observation = obs_mode == "map"
        self.one_hot_observation = obs_mode == "onehot"
        self.resample_map = resample_map
        grid_map = _make_map(map, size, map_seed, layout)
        self.min_size = _check_min_size(min_size, resample_map, grid_map.grid.shape)
        if layout is None and is_map_path(map):
            self.options["layout"] = format_map(grid_map.grid)
        if self.options["layout"] is None:
            del self.options["layout"]
        self.map_name: str = grid_map.name
        self.rows, self.cols = grid_map.grid.shape
        self.start: tuple[int, int] = grid_map.start
        self.slippery = _check_slippery(slippery)
        self.step_reward = _check_reward("step_reward", step_reward)
        self.goal_reward = _check_reward("goal_reward", goal_reward)
        self.pit_reward = _check_reward("pit_reward", pit_reward)
        self.max_steps = _check_max_steps(max_steps, self.rows * self.cols)

        n_cells = self.rows * self.cols
        self.observation_shape = (
            (n_cells,) if obs_mode == "onehot" else (len(MAP_CHANNELS), self.rows, self.cols)
        )
        self._obs_cache: list[np.ndarray | None] = [None] * n_cells
        self._running_mask = _read_only(np.ones(self.num_actions, dtype=bool))
        self._done_mask = _read_only(np.zeros(self.num_actions, dtype=bool))

        self.grid: np.ndarray = grid_map.grid
        self.cell = self.cell_index(*self.start)
        self.steps = 0
        # Slip uniforms drawn ahead from ``rng``; refilled when used up or when ``rng`` is
        # replaced (reset(seed=...)), so a seed still fixes the whole rollout. The
        # generator state a batch was drawn from is kept, so rng_state() can describe the
        # batch in a few numbers instead of 1024.
        self._uniforms: list[float] = []
        self._uniform_index = 0
        self._uniforms_rng = self.rng
        self._uniforms_origin: dict[str, Any] | None = None
        self._build_tables()

    # ----------------------------------------------------------------- public state
    @property
    def position(self) -> tuple[int, int]:
        """The agent's (row, col)."""
        return divmod(self.cell, self.cols)

    def reached_goal(self) -> bool:
        """True once the walker stands on a goal (the episode is then over)."""
        return self.terminated and self.grid[self.position] == GOAL

    def cell_index(self, row: int, col: int) -> int:
        """The index of cell (row, col) in the observation: ``row * cols + col``."""
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise MapError(
                f"cell ({row}, {col}) is outside the {self.rows}x{self.cols} map "
                f"{self.map_name!r}; rows are 0..{self.rows - 1}, columns 0..{self.cols - 1}"
            )
        return row * self.cols + col

    def cell_of(self, obs: Obs) -> tuple[int, int]:
        """The (row, col) an observation puts the agent on (either ``obs_mode``)."""
        where = obs[-1] if self.obs_mode == "map" else obs.reshape(self.rows, self.cols)
        row, col = np.unravel_index(int(np.argmax(where)), (self.rows, self.cols))
        return int(row), int(col)

    def obs_for_cell(self, row: int, col: int) -> Obs:
        """The (read-only) observation the agent would see standing on (row, col); lets an
        overlay ask an agent for the Q-values of every cell without stepping."""
        return self._obs_of(self.cell_index(row, col))

    def set_tile(self, row: int, col: int, tile: int) -> None:
        """Make cell (row, col) ``FLOOR``, ``WALL``, ``PIT`` or ``GOAL``, e.g. while an
        agent learns.

        The start cannot be moved or covered. The new tile takes effect the next time the
        agent lands on the cell (an agent standing on it is not moved). Reachability of a
        goal is not enforced: check it with
        :func:`games.gridworld.maps.goal_reachable` if it matters. :attr:`options` still
        describe the map as it was made.
        """
        index = self.cell_index(row, col)
        if tile not in (FLOOR, WALL, PIT, GOAL):
            raise MapError(
                f"tile {tile!r} cannot be placed; use FLOOR ({FLOOR}), WALL ({WALL}), "
                f"PIT ({PIT}) or GOAL ({GOAL})"
            )
        if (row, col) == self.start:
            raise MapError(f"cell ({row}, {col}) is the start; it cannot be changed")
        grid = self.grid.copy()
        grid.flat[index] = tile
        self.grid = grid
        self._build_tables()

    def edit_cell(self, row: int, col: int) -> str | None:
        """A click on cell (row, col) in Learn or Compare: floor -> wall -> pit -> goal ->
        floor (see :meth:`set_tile`). The start cannot change (:class:`OptionError`). A
        map without a reachable goal is allowed, as a step on the way to another layout,
        and said in the note returned."""
        if (row, col) == self.start:
            raise OptionError("the start cannot be changed; click another cell")
        cycle = (FLOOR, WALL, PIT, GOAL)
        tile = int(self.grid[row, col])
        self.set_tile(row, col, cycle[(cycle.index(tile) + 1) % len(cycle)])
        if not goal_reachable(self.grid, self.start):
            return (
                "no goal can be reached from the start now: the agent can only learn to "
                "keep away from pits. Click a wall or pit to open a way."
            )
        return None

    def transition_model(self) -> TransitionModel:
        """The exact dynamics of the current map and options as arrays."""
        actions = np.arange(self.num_actions)
        outcome_actions = np.stack(
            [actions, np.array([s[0] for s in SIDEWAYS]), np.array([s[1] for s in SIDEWAYS])],
            axis=1,
        )  # (4, 3): the action actually carried out in each outcome
        next_cell = self._next_cell[:, outcome_actions]
        landing = self.grid.ravel()[next_cell]
        reward = np.full(next_cell.shape, self.step_reward)
        reward[landing == GOAL] = self.goal_reward
        reward[landing == PIT] = self.pit_reward
        side = self.slippery / 2.0
        prob = np.broadcast_to(np.array([1.0 - self.slippery, side, side]), next_cell.shape)
        tiles = self.grid.ravel()
        return TransitionModel(
            next_cell=next_cell,
            prob=prob.copy(),
            reward=reward,
            landing=landing,
            terminated=(landing == GOAL) | (landing == PIT),
            absorbing=(tiles == GOAL) | (tiles == PIT),
            start=self.cell_index(*self.start),
        )

    # ----------------------------------------------------------------- env interface
    def step(self, action: int) -> StepResult:
        """As :meth:`Env.step`, with the same checks, building less on the way."""
        if (
            self._needs_reset
            or self.terminated
            or self.truncated
            or type(action) is not int
            or not 0 <= action < 4
        ):
            action = self.check_action(action)
        (reward,), terminated, truncated = self._step(action)
        obs = self._obs_cache[self.cell]
        if obs is None:
            obs = self._obs_of(self.cell)
        mask = self._done_mask if terminated or truncated else self._running_mask
        return obs, reward, terminated, truncated, {"action_mask": mask, "rewards": (reward,)}

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        if self.slippery:
            i = self._uniform_index
            if i == len(self._uniforms) or self._uniforms_rng is not self.rng:
                self._draw_uniforms()
                i = 0
            u = self._uniforms[i]
            self._uniform_index = i + 1
            if u < self.slippery:
                action = SIDEWAYS[action][u >= self.slippery / 2.0]
        self.cell, reward, terminated = self._outcomes[self.cell * 4 + action]
        self.steps += 1
        truncated = not terminated and self.steps >= self.max_steps
        self.terminated = terminated
        self.truncated = truncated
        return (reward,), terminated, truncated

    def _reset(self) -> None:
        if self.resample_map:
            seed = int(self.rng.integers(RESAMPLE_SEED_BASE, 2**62))
            rows, cols = self.rows, self.cols
            if self.min_size is not None:
                rows = int(self.rng.integers(self.min_size, rows + 1))
                cols = int(self.rng.integers(self.min_size, cols + 1))
            grid_map = random_map(rows, cols, seed)
            grid = np.full((self.rows, self.cols), WALL, dtype=np.int8)
            grid[:rows, :cols] = grid_map.grid
            self.grid, self.map_name = grid, grid_map.name
            self._build_tables()
        self.cell = self.cell_index(*self.start)
        self.steps = 0

    def observe(self) -> Obs:
        return self._obs_of(self.cell)

    def action_mask(self) -> np.ndarray:
        """All True while the episode runs, all False once it is over (read-only)."""
        return self._done_mask if self.done else self._running_mask

    def _action_mask(self) -> np.ndarray:
        return self._running_mask

    def _is_legal(self, action: int) -> bool:
        return True

    def _info(self, rewards: tuple[float, ...]) -> Info:
        return {"action_mask": self.action_mask(), "rewards": rewards}

    def _snapshot_fields(self) -> dict[str, Any]:
        # The caches are rebuilt from the grid on restore, not copied.
        return {
            key: getattr(self, key)
            for key in (
                "grid",
                "map_name",
                "cell",
                "steps",
                "terminated",
                "truncated",
                "_needs_reset",
                "rng",
                "_uniforms",
                "_uniform_index",
                "_uniforms_rng",
                "_uniforms_origin",
            )
        }

    def rng_state(self) -> dict[str, Any]:
        """As :meth:`Env.rng_state`, plus the slip uniforms drawn ahead and not yet used:
        the generator state they were drawn from and how many are used."""
        state = super().rng_state()
        if self._uniforms_rng is self.rng and self._uniform_index < len(self._uniforms):
            state["slip_batch"] = {"drawn_from": self._uniforms_origin, "used": self._uniform_index}
        return state

    def set_rng_state(self, state: dict[str, Any]) -> None:
        """As :meth:`Env.set_rng_state`; a ``slip_batch`` is drawn again from the state it
        was first drawn from, so the next slips are the ones the saved env would have had."""
        batch = state.get("slip_batch")
        if batch is not None:
            used = batch["used"]
            if (
                isinstance(used, bool)
                or not isinstance(used, int)
                or not 0 <= used <= _UNIFORM_BATCH
            ):
                raise ValueError(f"slip_batch used must be an integer in [0, {_UNIFORM_BATCH}]")
        super().set_rng_state(state)
        self._uniforms, self._uniform_index = [], 0
        self._uniforms_rng = self.rng
        if batch is not None:
            current = self.rng.bit_generator.state
            self.rng.bit_generator.state = batch["drawn_from"]
            self._draw_uniforms()
            self._uniform_index = batch["used"]
            self.rng.bit_generator.state = current

    def restore(self, snapshot: Any) -> None:
        super().restore(snapshot)
        self._build_tables()

    # ----------------------------------------------------------------- internals
    def _draw_uniforms(self) -> None:
        self._uniforms_origin = dict(self.rng.bit_generator.state)
        self._uniforms = self.rng.random(_UNIFORM_BATCH).tolist()
        self._uniforms_rng = self.rng

    def _obs_of(self, cell: int) -> Obs:
        obs = self._obs_cache[cell]
        if obs is None:
            if self.obs_mode == "map":
                # Built afresh, not cached: one per cell would cost rows*cols maps.
                obs = self._map_planes.copy()
                obs[-1].flat[cell] = 1.0
                return _read_only(obs)
            obs = np.zeros(self.observation_shape, dtype=np.float32)
            obs[cell] = 1.0
            obs = self._obs_cache[cell] = _read_only(obs)
        return obs

    def _build_tables(self) -> None:
        """Precompute where each (cell, action) lands and what it yields, from the grid."""
        self.grid = _read_only(np.ascontiguousarray(self.grid, dtype=np.int8))
        rows, cols = self.rows, self.cols
        r, c = np.divmod(np.arange(rows * cols), cols)
        next_cell = np.empty((rows * cols, self.num_actions), dtype=np.int64)
        for action, (dr, dc) in enumerate(MOVES):
            nr, nc = r + dr, c + dc
            inside = (nr >= 0) & (nr < rows) & (nc >= 0) & (nc < cols)
            target = np.where(inside, nr * cols + nc, r * cols + c)
            blocked = self.grid.ravel()[target] == WALL
            next_cell[:, action] = np.where(blocked, r * cols + c, target)
        self._next_cell = _read_only(next_cell)
        if self.obs_mode == "map":
            planes = np.zeros(self.observation_shape, dtype=np.float32)
            for channel, tile in enumerate((WALL, PIT, GOAL)):
                planes[channel] = self.grid == tile
            self._map_planes = planes
        reward_of = {GOAL: self.goal_reward, PIT: self.pit_reward}
        tiles = self.grid.ravel().tolist()
        self._outcomes: list[tuple[int, float, bool]] = [
            (cell, reward_of.get(tiles[cell], self.step_reward), tiles[cell] in (GOAL, PIT))
            for cell in next_cell.ravel().tolist()
        ]


def _make_map(
    map_ref: Any,
    size: int | list[int] | tuple[int, int] | None,
    map_seed: int | None,
    layout: Any,
) -> GridMap:
    if not isinstance(map_ref, str):
        raise OptionError(f"map must be a map name, a .txt path or 'random', got {map_ref!r}")
    if layout is not None:
        if not isinstance(layout, str) or map_ref == "random" or size or map_seed is not None:
            raise OptionError(
                "layout is a map's text, given with the name of the map it was read from "
                f"(map={map_ref!r}, layout of type {type(layout).__name__})"
            )
        name = map_ref.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".txt")
        return parse_map(layout, source=f"{map_ref} (as stored)", name=name)
    if map_ref != "random":
        if size is not None or map_seed is not None:
            raise OptionError(
                "size and map_seed choose a generated map; use them with map='random' "
                f"(map={map_ref!r} is fixed)"
            )
        return load_map(map_ref)
    rows, cols = _check_size(size)
    seed = 0 if map_seed is None else map_seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(f"map_seed must be an integer >= 0, got {map_seed!r}")
    return random_map(rows, cols, int(seed))


def _check_size(size: Any) -> tuple[int, int]:
    if size is None:
        return 8, 8
    try:
        dims = (operator.index(size),) * 2 if not isinstance(size, (list, tuple)) else size
        rows, cols = (operator.index(d) for d in dims)
    except (TypeError, ValueError):
        raise OptionError(f"size must be an int (n x n) or [rows, cols], got {size!r}") from None
    if not (4 <= rows <= MAX_RANDOM_SIDE and 4 <= cols <= MAX_RANDOM_SIDE):
        raise OptionError(f"size {rows}x{cols}: each side must be between 4 and {MAX_RANDOM_SIDE}")
    return rows, cols


def _check_min_size(min_size: Any, resample_map: bool, shape: tuple[int, ...]) -> int | None:
    if min_size is None:
        return None
    if not resample_map:
        raise OptionError(
            "min_size mixes smaller maps into a stream of maps: it needs resample_map"
        )
    largest = min(shape)
    if (
        isinstance(min_size, bool)
        or not isinstance(min_size, int)
        or not MIN_RANDOM_SIDE <= min_size <= largest
    ):
        raise OptionError(
            f"min_size must be an integer from {MIN_RANDOM_SIDE} to the map's smaller side "
            f"({largest}), got {min_size!r}"
        )
    return min_size


def _check_slippery(slippery: Any) -> float:
    if isinstance(slippery, bool):
        return FROZEN_LAKE_SLIP if slippery else 0.0
    if not isinstance(slippery, (int, float)) or not 0.0 <= slippery <= 1.0:
        raise OptionError(
            f"slippery must be a probability in [0, 1] (or True for FrozenLake's 2/3), "
            f"got {slippery!r}"
        )
    return float(slippery)


def _check_reward(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check_max_steps(max_steps: Any, n_cells: int) -> int:
    if max_steps is None:
        return max(MIN_MAX_STEPS, STEPS_PER_CELL * n_cells)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise OptionError(f"max_steps must be an integer >= 1, got {max_steps!r}")
    return max_steps
