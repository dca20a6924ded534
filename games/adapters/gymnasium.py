"""Every qarcade game as a ``gymnasium.Env``, registered under the ``qarcade/`` namespace.

Importing this module registers the envs (:func:`register_envs`), so any of::

    import qarcade.games.adapters.gymnasium
    env = gymnasium.make("qarcade/GridWorld-v0", map="lake8", slippery=True)

    gymnasium.make("games.adapters.gymnasium:qarcade/Invaders-v0", obs_mode="pixels")
    gymnasium.make("qarcade/TicTacToe-v0", opponent="minimax", seat=1, render_mode="human")

gives a standard env that Stable-Baselines3, CleanRL scripts or Gymnasium's wrappers take
as is. The game's options are ``gymnasium.make`` keyword arguments. Requires
``gymnasium`` (``pip install -e ".[gym]"``); rendering also needs pygame, imported only
when a frame is drawn.

Gymnasium 1.x dropped loading env plugins from package entry points, so the import (or
the ``"module:id"`` form above) is how the ids become known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from qarcade import games
from qarcade.games.core import (
    Env,
    GameOverError,
    IllegalActionError,
    Info,
    OptionError,
    Player,
)
from qarcade.games.spec import load


def env_ids() -> dict[str, str]:
    """The Gymnasium id of each registered game that has one
    (:attr:`~games.spec.GameSpec.gym_id`)."""
    return {spec.name: spec.gym_id for spec in games.specs() if spec.gym_id}


def random_move(obs: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> int:
    """A legal move drawn uniformly with ``rng``."""
    legal = np.flatnonzero(mask)
    return int(legal[rng.integers(len(legal))])


#: A named opponent's move: from the observation, the mask and the env's ``np_random``.
Move = Callable[[np.ndarray, np.ndarray, np.random.Generator], int]


def opponents(game: Env) -> dict[str, Move]:
    """The opponents ``game`` can be made against by name: ``random``, and the game's
    own (:attr:`~games.spec.GameSpec.opponent_moves`)."""
    spec = games.spec_of(game)
    own = {name: load(ref) for name, ref in spec.opponent_moves.items()} if spec else {}
    return {"random": random_move, **own}


#: What to do with an illegal action (Gymnasium agents act in the whole ``Discrete`` space).
ILLEGAL_ACTIONS = ("lose", "raise")
#: Frames per second for turn-based games in ``human`` mode: slow enough to follow.
TURN_BASED_FPS = 4
#: Width in pixels of ``rgb_array`` frames and of the ``human`` window.
RENDER_WIDTH = 480


class QarcadeEnv(gymnasium.Env):
    """A qarcade game behind Gymnasium's API.

    Actions:
        ``Discrete(num_actions)``, the game's actions (``action_names`` on the game).
        ``info["action_mask"]`` holds the legal ones (a bool array, as in qarcade), for
        maskable learners; :meth:`action_masks` gives the same for sb3-contrib's
        ``MaskablePPO``.

    Observation:
        ``Box(low, high, observation_shape, observation_dtype)`` of the game: a one-hot
        float32 cell in the gridworld, Invaders' features in [-1, 1] or its uint8 frames,
        tic-tac-toe's board from the learner's point of view.

    Rewards and episode end:
        The game's. Against a fixed opponent the reward of a step is the learner's own
        reward for its move *and* the opponent's reply (+1 win, -1 loss, 0 draw in
        tic-tac-toe), and the episode ends when the game does.

    Illegal actions:
        ``illegal_action="lose"`` (default): an illegal action ends the episode with
        ``illegal_reward``, as PettingZoo's ``TerminateIllegalWrapper`` does, so agents
        that know nothing of masks (SB3's DQN and PPO) can still be trained.
        ``illegal_action="raise"``: raise :class:`~games.core.IllegalActionError`.
        An action outside the space (``9``, ``"left"``) raises either way.
        Games whose actions are always legal (gridworld, Invaders) never see either.

    Arguments:
        game: the qarcade game name (:func:`games.names`).
        render_mode: None, ``"rgb_array"`` or ``"human"``, drawn by the game's pygame view.
        opponent: two-player games only: ``"random"`` (uniform legal moves) or one
            of the game's own (tic-tac-toe: ``"minimax"``, perfect play, random among
            equally good moves), drawing from this env's ``np_random``, or any
            :class:`~qarcade.games.core.Player` (a qarcade agent, anything with
            ``act(obs, mask)``). Default ``"random"``.
        seat: two-player games only: the learner's seat, 0 (moves first) or 1.
        illegal_action, illegal_reward: see above.
        **options: the game's own options (``map=``, ``slippery=``, ``obs_mode=`` ...),
            as for :func:`games.make`.
    """

    # An instance attribute in Gymnasium: each env's render_fps follows its game.
    metadata: dict[str, Any] = {  # noqa: RUF012
        "render_modes": ["human", "rgb_array"],
        "render_fps": TURN_BASED_FPS,
    }

    def __init__(
        self,
        game: str,
        *,
        render_mode: str | None = None,
        opponent: str | Player | None = None,
        seat: int | None = None,
        illegal_action: str = "lose",
        illegal_reward: float = -1.0,
        **options: Any,
    ) -> None:
        self.game: Env = games.make(game, **options)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise OptionError(
                f"unknown render_mode {render_mode!r}; choose one of: "
                f"{', '.join(self.metadata['render_modes'])} (or None)"
            )
        if illegal_action not in ILLEGAL_ACTIONS:
            raise OptionError(
                f"unknown illegal_action {illegal_action!r}; choose one of: "
                f"{', '.join(ILLEGAL_ACTIONS)}"
            )
        self.render_mode = render_mode
        self.illegal_action = illegal_action
        self.illegal_reward = float(illegal_reward)
        self.seat, self._opponent_move = self._seat_opponent(opponent, seat)

        self.action_space = spaces.Discrete(self.game.num_actions)
        low, high = observation_bounds(self.game)
        self.observation_space = spaces.Box(
            low=low, high=high, shape=self.game.observation_shape, dtype=self.game.observation_dtype
        )
        self.metadata = {**self.metadata, "render_fps": _render_fps(self.game)}
        self._over = True
        self._renderer: Renderer | None = None

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, Info]:
        """Start a new game; all its randomness (and a random opponent's) comes from
        ``self.np_random``, seeded here as Gymnasium prescribes."""
        super().reset(seed=seed)
        if options:
            raise OptionError(
                f"reset takes no options, got {', '.join(options)}; give game options to "
                "gymnasium.make instead"
            )
        self.game.rng = self.np_random
        obs, info = self.game.reset()
        if self.opponent_to_move():
            obs, _, _, _, info = self._opponent_replies(obs, info)
        self._over = False
        if self.render_mode == "human":
            self.render()
        return _own(obs), _own_info(info)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, Info]:
        """Play ``action``, then the opponent's replies until it is the learner's turn."""
        if self._over:
            raise GameOverError(f"{self.game.name}: the episode is over; call reset()")
        try:
            self.game.check_action(action)
        except IllegalActionError:
            # Only a legal-looking action of the space can "lose"; garbage always raises.
            if self.illegal_action == "raise" or not self.action_space.contains(action):
                raise
            self._over = True
            info: Info = {
                "action_mask": np.zeros(self.game.num_actions, dtype=bool),
                "illegal_action": True,
            }
            return _own(self.game.observe()), self.illegal_reward, True, False, info
        obs, _, terminated, truncated, info = self.game.step(action)
        reward = float(info["rewards"][self.seat])
        if not (terminated or truncated) and self.opponent_to_move():
            obs, reply, terminated, truncated, info = self._opponent_replies(obs, info)
            reward += reply
        self._over = terminated or truncated
        if self.render_mode == "human":
            self.render()
        return _own(obs), reward, bool(terminated), bool(truncated), _own_info(info)

    def action_masks(self) -> np.ndarray:
        """The legal-action mask of the current position (sb3-contrib's maskable API)."""
        return self.game.action_mask().copy()

    def render(self) -> np.ndarray | None:
        """An (H, W, 3) uint8 frame in ``rgb_array`` mode; draws the window in ``human``."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() was called without a render_mode; pass render_mode='rgb_array' "
                "or 'human' to gymnasium.make"
            )
            return None
        if self._renderer is None:
            self._renderer = Renderer(self.game, self.render_mode, self.metadata["render_fps"])
        return self._renderer.draw()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ------------------------------------------------------------------ opponents
    def opponent_to_move(self) -> bool:
        """True while the game runs and it is not the learner's turn."""
        return not self.game.done and self.game.current_player != self.seat

    def _opponent_replies(
        self, obs: np.ndarray, info: Info
    ) -> tuple[np.ndarray, float, bool, bool, Info]:
        """Let the opponent move until it is the learner's turn or the game ends; return
        the last step with the learner's summed reward."""
        reward, terminated, truncated = 0.0, False, False
        while self.opponent_to_move():
            action = self._opponent_move(obs, info["action_mask"])
            obs, _, terminated, truncated, info = self.game.step(action)
            reward += float(info["rewards"][self.seat])
        return obs, reward, terminated, truncated, info

    def _seat_opponent(
        self, opponent: str | Player | None, seat: int | None
    ) -> tuple[int, Callable[[np.ndarray, np.ndarray], int]]:
        """Check the two-player arguments; return the learner's seat and how the opponent
        moves. A named opponent draws from this env's ``np_random``, so the same seed
        gives the same games; a player passed in keeps its own generator."""
        name = self.game.name
        if self.game.num_players == 1:
            if opponent is not None or seat is not None:
                raise OptionError(f"{name} is a one-player game; it takes no opponent or seat")
            return 0, _no_opponent
        seat = 0 if seat is None else seat
        if seat not in range(self.game.num_players):
            raise OptionError(
                f"{name}: seat must be one of 0..{self.game.num_players - 1}, got {seat!r}"
            )
        if opponent is None:
            opponent = "random"
        if not isinstance(opponent, str):
            if not callable(getattr(opponent, "act", None)):
                raise OptionError(f"{name}: opponent must be a name or an agent, got {opponent!r}")
            return seat, opponent.act
        named = opponents(self.game)
        if opponent not in named:
            raise OptionError(
                f"{name}: unknown opponent {opponent!r}; choose one of: "
                f"{', '.join(named)}, or pass an agent"
            )
        move = named[opponent]
        return seat, lambda obs, mask: move(obs, mask, self.np_random)


def _no_opponent(obs: np.ndarray, mask: np.ndarray) -> int:
    raise AssertionError("a one-player game has no opponent to move")


def observation_bounds(game: Env) -> tuple[float, float]:
    """The bounds of every observation entry: the game's ``observation_low`` and
    ``observation_high`` where it declares them, else those of its dtype."""
    low = getattr(game, "observation_low", None)
    high = getattr(game, "observation_high", None)
    if low is not None and high is not None:
        return low, high
    dtype = game.observation_dtype
    if dtype == np.bool_:
        return 0, 1
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return info.min, info.max
    return -np.inf, np.inf


def register_envs() -> None:
    """Register every game under its ``qarcade/`` id (idempotent)."""
    for game, env_id in env_ids().items():
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                entry_point="qarcade.games.adapters.gymnasium:QarcadeEnv",
                kwargs={"game": game},
            )


def _render_fps(game: Env) -> int:
    """A real-time game plays at game speed (its ticks a second over the ticks a step
    covers); a turn-based one at a readable pace."""
    spec = games.spec_of(game)
    if spec is None or spec.ticks_per_second is None:
        return TURN_BASED_FPS
    return max(1, round(spec.ticks_per_second / game.ticks_per_step))


def _own(obs: np.ndarray) -> np.ndarray:
    """A fresh, writable copy: games may hand out cached read-only arrays, and a
    Gymnasium user keeps (and may modify) every observation returned."""
    return np.array(obs, copy=True)


def _own_info(info: Info) -> Info:
    """A fresh info dict whose arrays are copies (see :func:`_own`)."""
    return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in info.items()}


class Renderer:
    """Draws the game with its pygame view into an off-screen surface or a window.

    pygame and the view are imported here, on the first frame,
    so training without rendering never loads them.
    """

    def __init__(self, game: Env, mode: str, fps: int) -> None:
        import pygame

        from qarcade.games.view import Media

        self.pygame = pygame
        self.mode = mode
        self.fps = fps
        # Not pygame.init(): frames need no sound, and opening the mixer can fail headless.
        pygame.display.init()
        pygame.font.init()
        self.view = games.view_class(game.name)(game, Media())
        size = (RENDER_WIDTH, max(1, round(RENDER_WIDTH / self.view.aspect)))
        if mode == "human":
            self.surface = pygame.display.set_mode(size)
            pygame.display.set_caption(f"qarcade {game.name}")
            self.clock = pygame.time.Clock()
        else:
            self.surface = pygame.Surface(size)

    def draw(self) -> np.ndarray | None:
        pygame = self.pygame
        self.surface.fill((0, 0, 0))
        self.view.draw(self.surface, self.surface.get_rect())
        if self.mode == "human":
            pygame.event.pump()
            pygame.display.flip()
            self.clock.tick(self.fps)
            return None
        return np.transpose(pygame.surfarray.array3d(self.surface), (1, 0, 2)).copy()

    def close(self) -> None:
        if self.mode == "human":
            self.pygame.display.quit()


register_envs()
