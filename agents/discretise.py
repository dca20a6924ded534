"""Discretisers: the explicit map from an observation to a row of a Q-table.

This is the idea qarcade is built on, made visible: if the world can be discretised, a
table holds one score per action for each discrete state and the best action is the
highest score. A discretiser says what "a state" is:

- :class:`ExactDiscretiser`: every distinct observation is its own row (the table grows as
  new observations appear). Exact for tic-tac-toe and the gridworld, whose observations
  are few.
- :class:`InvadersDiscretiser`: a handful of binned features of the Invaders feature
  vector, so a whole game collapses into a few hundred rows; coarse on purpose.

A discretiser saves itself as arrays plus JSON (``to_arrays`` / ``describe``) so a
Q-table checkpoint holds everything needed to use it again.
"""

from __future__ import annotations

import abc
import importlib
import inspect
import itertools
import math
from typing import Any, ClassVar

import numpy as np

from qarcade.agents.checkpoints import NUMERIC_DTYPES, CheckpointError
from qarcade.games.core import OptionError

#: Discretiser kind -> "module:Class", for rebuilding one from a checkpoint.
DISCRETISERS: dict[str, str] = {
    "exact": "qarcade.agents.discretise:ExactDiscretiser",
    "invaders": "qarcade.agents.discretise:InvadersDiscretiser",
}


class Discretiser(abc.ABC):
    """Maps observations to Q-table rows ``0 .. num_rows - 1``."""

    kind: ClassVar[str]

    @abc.abstractmethod
    def row(self, obs: np.ndarray) -> int:
        """The row of ``obs``, adding a new row if the discretiser grows and ``obs`` is new."""

    @abc.abstractmethod
    def find(self, obs: np.ndarray) -> int:
        """The row of ``obs``, or -1 if it has none yet (never adds one)."""

    @property
    @abc.abstractmethod
    def num_rows(self) -> int:
        """How many rows the table needs now."""

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable settings, stored in checkpoints (``kind`` included)."""
        return {"kind": self.kind}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """State that is not in :meth:`describe` (e.g. the keys seen so far)."""
        return {}

    @classmethod
    def for_env(cls, env: Any) -> Discretiser:
        """A discretiser of ``env``'s observations."""
        return cls()

    @staticmethod
    def from_checkpoint(settings: dict[str, Any], arrays: dict[str, np.ndarray]) -> Discretiser:
        """Rebuild a discretiser from :meth:`describe` and :meth:`to_arrays`."""
        kind = settings.get("kind")
        if not isinstance(kind, str) or kind not in DISCRETISERS:
            raise CheckpointError(f"unknown discretiser kind {kind!r}")
        return discretiser_class(kind)._from_checkpoint(settings, arrays)

    @classmethod
    def _from_checkpoint(
        cls, settings: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> Discretiser:
        return cls()


def discretiser_class(kind: str) -> type[Discretiser]:
    """The discretiser class of ``kind`` (a key of :data:`DISCRETISERS`)."""
    module, name = DISCRETISERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


class ExactDiscretiser(Discretiser):
    """One row per distinct observation (compared byte for byte).

    Rows are numbered in the order observations are first seen. Every observation must
    have the same shape and dtype (the first one seen fixes them).

    Each row is keyed by the observation's bytes while they are few
    (:data:`DENSE_KEY_BYTES` at most: tic-tac-toe's 72); a larger observation is keyed by
    where it is non-zero and those values, so a one-hot gridworld cell costs 8 bytes a
    state, not 4 bytes per cell of the map. Keys are exact either way.
    """

    kind: ClassVar[str] = "exact"
    #: Observations up to this many bytes are keyed by their bytes; larger, sparsely.
    DENSE_KEY_BYTES = 256

    def __init__(self) -> None:
        self._rows: dict[bytes, int] = {}
        self._keys: list[bytes] = []
        self.obs_shape: tuple[int, ...] | None = None
        self.obs_dtype: str | None = None
        self.sparse = False

    @property
    def num_rows(self) -> int:
        return len(self._keys)

    def key(self, obs: np.ndarray) -> bytes:
        """The bytes a row is found by: the observation's own, or for a large one the
        int32 indices of its non-zero entries followed by their values."""
        if not self.sparse:
            return obs.tobytes()
        where = np.flatnonzero(obs)
        return where.astype(np.int32).tobytes() + obs.ravel()[where].tobytes()

    def row(self, obs: np.ndarray) -> int:
        if self.obs_shape is None:
            self.obs_shape, self.obs_dtype = tuple(obs.shape), obs.dtype.str
            self.sparse = obs.nbytes > self.DENSE_KEY_BYTES
        key = obs.tobytes() if not self.sparse else self.key(obs)
        index = self._rows.get(key)
        if index is None:
            index = self._rows[key] = len(self._keys)
            self._keys.append(key)
        return index

    def find(self, obs: np.ndarray) -> int:
        return self._rows.get(obs.tobytes() if not self.sparse else self.key(obs), -1)

    def observation(self, row: int) -> np.ndarray:
        """The observation of ``row`` (for overlays and inspection)."""
        assert self.obs_shape is not None and self.obs_dtype is not None
        dtype = np.dtype(self.obs_dtype)
        key = self._keys[row]
        if not self.sparse:
            return np.frombuffer(key, dtype=dtype).reshape(self.obs_shape)
        count = len(key) // (4 + dtype.itemsize)
        obs = np.zeros(math.prod(self.obs_shape), dtype=dtype)
        obs[np.frombuffer(key[: 4 * count], np.int32)] = np.frombuffer(key[4 * count :], dtype)
        return obs.reshape(self.obs_shape)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "obs_shape": list(self.obs_shape) if self.obs_shape is not None else None,
            "obs_dtype": self.obs_dtype,
            "keys": "sparse" if self.sparse else "dense",
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        if self.sparse:
            # Keys differ in length: one run of bytes and where each key ends.
            ends = np.cumsum([len(k) for k in self._keys], dtype=np.int64)
            return {"keys": np.frombuffer(b"".join(self._keys), np.uint8), "key_ends": ends}
        width = len(self._keys[0]) if self._keys else 0
        keys = np.frombuffer(b"".join(self._keys), dtype=np.uint8).reshape(len(self._keys), width)
        return {"keys": keys}

    @classmethod
    def _from_checkpoint(
        cls, settings: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> ExactDiscretiser:
        discretiser = cls()
        keys = arrays.get("keys")
        if keys is None or keys.dtype != np.uint8:
            raise CheckpointError("discretiser keys must be uint8")
        shape, dtype = settings.get("obs_shape"), settings.get("obs_dtype")
        if shape is not None:
            if not isinstance(shape, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 1 << 24 for n in shape
            ):
                raise CheckpointError(f"discretiser obs_shape {shape!r} is not a list of sizes")
            if not isinstance(dtype, str) or dtype not in NUMERIC_DTYPES:
                raise CheckpointError(f"discretiser obs_dtype {dtype!r} is not a numeric dtype")
            discretiser.obs_shape, discretiser.obs_dtype = tuple(shape), np.dtype(dtype).str
            discretiser.sparse = settings.get("keys") == "sparse"
        if discretiser.sparse:
            discretiser._keys = _split_keys(keys, arrays.get("key_ends"))
        else:
            if keys.ndim != 2:
                raise CheckpointError("discretiser keys must be a 2-D uint8 array")
            if len(keys):
                if shape is None:
                    raise CheckpointError("discretiser keys without an observation shape")
                if math.prod(shape) * np.dtype(dtype).itemsize != keys.shape[1]:
                    raise CheckpointError("discretiser keys do not match the observation shape")
            discretiser._keys = [bytes(k) for k in keys]
            if discretiser.obs_shape is not None and (
                math.prod(discretiser.obs_shape) * np.dtype(dtype).itemsize > cls.DENSE_KEY_BYTES
            ):
                # Written before large observations were keyed sparsely: key them so now.
                discretiser.sparse = True
                discretiser._keys = [
                    discretiser.key(np.frombuffer(k, dtype=dtype)) for k in discretiser._keys
                ]
        discretiser._rows = {k: i for i, k in enumerate(discretiser._keys)}
        if len(discretiser._rows) != len(discretiser._keys):
            raise CheckpointError("discretiser keys repeat")
        return discretiser


def _split_keys(data: np.ndarray, ends: np.ndarray | None) -> list[bytes]:
    """Sparse keys from one run of bytes and where each ends, every length checked."""
    if data.ndim != 1 or ends is None or ends.ndim != 1 or ends.dtype != np.int64:
        raise CheckpointError("sparse discretiser keys need 1-D keys and int64 key_ends")
    bounds = np.concatenate([[0], ends])
    if (np.diff(bounds) < 0).any() or bounds[-1] != len(data):
        raise CheckpointError("sparse discretiser key_ends do not fit the keys")
    raw = data.tobytes()
    return [raw[start:end] for start, end in itertools.pairwise(bounds.tolist())]


class InvadersDiscretiser(Discretiser):
    """A coarse grid over five features of the Invaders ``features`` observation.

    Each feature is cut into a few bins and the row is the bins' mixed-radix number:

    - the player's column: ``player_bins`` equal slices of the screen;
    - the most urgent bomb (the soonest of the nearest bombs within ``bomb_reach`` to
      either side): none, or its distance (near / far, split at ``bomb_near``) and side
      (left / overhead / right, overhead within ``overhead``);
    - the nearest alien column relative to the player: far left, left, lined up (within
      ``aim``), right, far right (``far`` splits near from far);
    - whether the player's shot is in flight.

    Horizontal thresholds are in the features' units (pixels / screen width), vertical
    ones in pixels / screen height. The defaults give 6 * 7 * 5 * 2 = 420 rows.
    """

    kind: ClassVar[str] = "invaders"

    def __init__(
        self,
        *,
        player_bins: int = 6,
        bomb_reach: float = 0.12,
        overhead: float = 0.05,
        bomb_near: float = 0.12,
        bomb_far: float = 0.35,
        aim: float = 0.02,
        far: float = 0.12,
    ) -> None:
        from qarcade.games.invaders import env as invaders

        if isinstance(player_bins, bool) or not isinstance(player_bins, int) or player_bins < 1:
            raise OptionError(f"player_bins must be an integer >= 1, got {player_bins!r}")
        thresholds = {"bomb_reach": bomb_reach, "overhead": overhead, "bomb_near": bomb_near}
        thresholds |= {"bomb_far": bomb_far, "aim": aim, "far": far}
        for name, value in thresholds.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise OptionError(f"{name} must be a number >= 0, got {value!r}")
        self.settings = {
            "player_bins": player_bins,
            "bomb_reach": bomb_reach,
            "overhead": overhead,
            "bomb_near": bomb_near,
            "bomb_far": bomb_far,
            "aim": aim,
            "far": far,
        }
        self.player_bins = player_bins
        self.bomb_reach, self.overhead = bomb_reach, overhead
        self.bomb_near, self.bomb_far = bomb_near, bomb_far
        self.aim, self.far = aim, far
        self._i_player = invaders.F_PLAYER_X
        self._i_shot = invaders.F_SHOT_ACTIVE
        self._i_target = invaders.F_TARGET_DX
        self._bomb_slots = [
            (
                invaders.F_BOMBS + i * invaders.BOMB_FEATURES + invaders.BOMB_PRESENT,
                invaders.F_BOMBS + i * invaders.BOMB_FEATURES + invaders.BOMB_DX,
                invaders.F_BOMBS + i * invaders.BOMB_FEATURES + invaders.BOMB_DY,
            )
            for i in range(invaders.NEAREST_BOMBS)
        ]

    @classmethod
    def for_env(cls, env: Any) -> InvadersDiscretiser:
        """The discretiser for an Invaders env; it must observe ``features``."""
        if getattr(env, "obs_mode", "features") != "features":
            raise OptionError(
                "a Q-table for invaders reads the features observation; "
                "use obs_mode=features (or the dqn agent for pixels)"
            )
        return cls()

    @property
    def num_rows(self) -> int:
        return self.player_bins * 7 * 5 * 2

    def bins(self, obs: np.ndarray) -> tuple[int, int, int, int]:
        """(player column, bomb state 0..6, alien offset 0..4, shot in flight 0/1)."""
        values = obs.tolist()
        player = min(
            int((values[self._i_player] + 1.0) * 0.5 * self.player_bins), self.player_bins - 1
        )
        bomb = 0
        for present, dx_i, dy_i in self._bomb_slots:
            dx, dy = values[dx_i], values[dy_i]
            if values[present] and abs(dx) <= self.bomb_reach and dy <= self.bomb_far:
                side = 0 if dx < -self.overhead else (1 if dx <= self.overhead else 2)
                bomb = 1 + side + (0 if dy <= self.bomb_near else 3)
                break
        dx = values[self._i_target]
        if dx < -self.far:
            alien = 0
        elif dx < -self.aim:
            alien = 1
        elif dx <= self.aim:
            alien = 2
        else:
            alien = 3 if dx <= self.far else 4
        shot = 1 if values[self._i_shot] > 0.5 else 0
        return player, bomb, alien, shot

    def row(self, obs: np.ndarray) -> int:
        player, bomb, alien, shot = self.bins(obs)
        return ((player * 7 + bomb) * 5 + alien) * 2 + shot

    def find(self, obs: np.ndarray) -> int:
        return self.row(obs)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.settings}

    @classmethod
    def _from_checkpoint(
        cls, settings: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> InvadersDiscretiser:
        values = {k: v for k, v in settings.items() if k != "kind"}
        names = set(inspect.signature(cls).parameters)
        unknown = sorted(set(values) - names)
        if unknown:
            raise CheckpointError(f"unknown Invaders discretiser setting(s) {', '.join(unknown)}")
        return cls(**values)
