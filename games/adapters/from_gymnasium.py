"""Any Gymnasium env with a discrete action space, as a qarcade :class:`games.core.Env`.

The reverse of :mod:`games.adapters.gymnasium`: it lets qarcade's own learners
(``TabularQAgent``, ``DQNAgent``) and training loop run on Gymnasium's envs, e.g.::

    from qarcade.games.adapters.from_gymnasium import GymnasiumEnv

    env = GymnasiumEnv("FrozenLake-v1", is_slippery=False)

Discrete observations become one-hot float32 vectors (so a network can read them and a
table can key on them); Box observations pass through with their own shape and dtype.
Requires ``gymnasium`` (``pip install -e ".[gym]"``).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from qarcade.games.core import Env, Info, Obs, OptionError


class GymnasiumEnv(Env):
    """A Gymnasium env behind qarcade's env interface.

    Actions:
        The wrapped env's ``Discrete(n)`` actions, renumbered from 0 (``action_space.start``
        is added back before stepping). Every action is always legal, unless the wrapped
        env puts a mask in ``info["action_mask"]``, which is then used.

    Observation:
        ``Discrete(n)``: a one-hot float32 vector of length ``n``. ``Box``: the wrapped
        observation as is (``observation_shape`` and ``observation_dtype`` from the box).

    Rewards and episode end:
        The wrapped env's, unchanged (including ``gymnasium.make``'s time limit, which
        shows up as ``truncated`` and is :attr:`max_episode_steps`).

    Randomness:
        Every ``reset`` seeds the wrapped env with a number drawn from :attr:`rng`, so
        ``reset(seed=s)`` followed by plain ``reset()`` calls replays the same episodes.

    Arguments:
        env: a registered Gymnasium id (made with ``gymnasium.make(env, **kwargs)``) or an
            already made ``gymnasium.Env``.
        **kwargs: keyword arguments for ``gymnasium.make`` (only with an id).
    """

    name = "gymnasium"
    num_players = 1

    def __init__(self, env: str | gymnasium.Env, **kwargs: Any) -> None:
        if isinstance(env, str):
            super().__init__(env=env, **kwargs)
            try:
                self.gym_env: gymnasium.Env = gymnasium.make(env, **kwargs)
            except gymnasium.error.Error as error:
                raise OptionError(f"cannot make Gymnasium env {env!r}: {error}") from None
            self.name = f"gymnasium:{env}"
        else:
            if kwargs:
                raise OptionError(
                    "keyword arguments are for gymnasium.make; pass them with an env id, "
                    "not with an env that is already made"
                )
            env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
            super().__init__(env=env_id)
            self.gym_env = env
            self.name = f"gymnasium:{env_id}"

        action_space = self.gym_env.action_space
        if not isinstance(action_space, spaces.Discrete):
            raise OptionError(
                f"{self.name}: only Discrete action spaces can be wrapped, got {action_space}"
            )
        self.num_actions = int(action_space.n)
        self._action_start = int(action_space.start)
        self.action_names = tuple(str(a + self._action_start) for a in range(self.num_actions))

        obs_space = self.gym_env.observation_space
        if isinstance(obs_space, spaces.Discrete):
            self._one_hot: np.ndarray | None = np.eye(int(obs_space.n), dtype=np.float32)
            # Rows are handed out as observations: read-only, so no caller can corrupt them.
            self._one_hot.flags.writeable = False
            self._obs_start = int(obs_space.start)
            self.observation_shape = (int(obs_space.n),)
            self.observation_dtype = np.dtype(np.float32)
            self.one_hot_observation = True
        elif isinstance(obs_space, spaces.Box):
            self._one_hot = None
            self._obs_start = 0
            self.observation_shape = tuple(obs_space.shape)
            self.observation_dtype = np.dtype(obs_space.dtype)
        else:
            raise OptionError(
                f"{self.name}: only Discrete or Box observation spaces can be wrapped, "
                f"got {obs_space}"
            )
        spec = self.gym_env.spec
        self.max_episode_steps = spec.max_episode_steps if spec is not None else None
        self._all_legal = np.ones(self.num_actions, dtype=bool)
        self._all_legal.flags.writeable = False
        self._obs: Obs = np.zeros(self.observation_shape, self.observation_dtype)
        self._mask: np.ndarray = self._all_legal
        self.gym_info: dict[str, Any] = {}

    def _reset(self) -> None:
        obs, info = self.gym_env.reset(seed=int(self.rng.integers(2**31)))
        self._take(obs, info)

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        obs, reward, terminated, truncated, info = self.gym_env.step(action + self._action_start)
        self._take(obs, info)
        return (float(reward),), bool(terminated), bool(truncated)

    def observe(self) -> Obs:
        return self._obs

    def _action_mask(self) -> np.ndarray:
        return self._mask

    def _info(self, rewards: tuple[float, ...]) -> Info:
        return {**self.gym_info, **super()._info(rewards)}

    def _take(self, obs: Any, info: dict[str, Any]) -> None:
        """Keep the wrapped env's latest observation, mask and info."""
        if self._one_hot is not None:
            self._obs = self._one_hot[int(obs) - self._obs_start]
        else:
            self._obs = np.asarray(obs, dtype=self.observation_dtype)
        mask = info.get("action_mask")
        self._mask = self._all_legal if mask is None else np.asarray(mask, dtype=bool)
        self.gym_info = dict(info)
