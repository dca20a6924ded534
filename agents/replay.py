"""The DQN replay buffer: a ring of transitions preallocated in numpy.

Everything lives in fixed numpy arrays allocated once, so storing a transition is a few
slice assignments and sampling a batch is one fancy index per field; the batch reaches
torch through ``torch.from_numpy`` without a copy. Observations keep the env's dtype
(uint8 frames stay bytes; the network scales them).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from agents.checkpoints import CheckpointError


class Batch(NamedTuple):
    """A sampled batch, numpy arrays with ``batch_size`` rows.

    Attributes:
        obs: (B, *observation_shape) the observations the actions were taken from.
        actions: (B,) int64.
        rewards: (B,) float32.
        next_obs: (B, *observation_shape).
        next_masks: (B, num_actions) bool, the legal actions in ``next_obs``.
        bootstrap: (B,) float32, what multiplies ``gamma * Q(next_obs)`` in the target:
            0 when the episode terminated, -1 when ``next_obs`` is the opponent's view in
            a zero-sum game (negamax), +1 otherwise.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    next_masks: np.ndarray
    bootstrap: np.ndarray


#: The arrays a buffer is made of, in :class:`Batch` order.
FIELDS = Batch._fields


class ReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly.

    Args:
        capacity: how many transitions it holds; the oldest is overwritten first.
        observation_shape, observation_dtype: of every observation.
        num_actions: the length of each legal-action mask.
        rng: the generator batches are drawn with.
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: np.dtype,
        num_actions: int,
        rng: np.random.Generator,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"a replay buffer needs a capacity of at least 1, got {capacity}")
        self.capacity = capacity
        self.rng = rng
        self.obs = np.zeros((capacity, *observation_shape), dtype=observation_dtype)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_obs = np.zeros_like(self.obs)
        self.next_masks = np.zeros((capacity, num_actions), dtype=bool)
        self.bootstrap = np.zeros(capacity, dtype=np.float32)
        #: Where the next transition goes.
        self.pos = 0
        #: How many transitions are stored (at most ``capacity``).
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        """Bytes held by the preallocated arrays (the whole capacity)."""
        return sum(getattr(self, field).nbytes for field in FIELDS)

    def add(
        self,
        obs: np.ndarray,
        action: int,
        reward: float,
        next_obs: np.ndarray,
        next_mask: np.ndarray,
        terminated: bool,
        flip: bool,
    ) -> None:
        """Store one transition, overwriting the oldest once full."""
        i = self.pos
        self.obs[i] = obs
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_obs[i] = next_obs
        self.next_masks[i] = next_mask
        self.bootstrap[i] = 0.0 if terminated else (-1.0 if flip else 1.0)
        self.pos = i + 1 if i + 1 < self.capacity else 0
        if self.size < self.capacity:
            self.size += 1

    def sample(self, batch_size: int, out: Batch | None = None) -> Batch:
        """``batch_size`` transitions drawn uniformly with replacement.

        With ``out`` (arrays of ``batch_size`` rows, e.g. from :meth:`empty_batch`), the
        batch is written into it and ``out`` is returned: no allocation, so tensors made
        once from those arrays with ``torch.from_numpy`` see every new batch.
        """
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = self.rng.integers(0, self.size, size=batch_size)
        if out is None:
            return Batch(*(getattr(self, field)[idx] for field in FIELDS))
        for field, array in zip(FIELDS, out, strict=True):
            np.take(getattr(self, field), idx, axis=0, out=array)
        return out

    def empty_batch(self, batch_size: int) -> Batch:
        """Arrays of ``batch_size`` rows for :meth:`sample` to fill."""
        return Batch(
            *(
                np.zeros((batch_size, *getattr(self, f).shape[1:]), getattr(self, f).dtype)
                for f in FIELDS
            )
        )

    # ----------------------------------------------------------------- checkpoints
    def state_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The stored transitions, oldest first, as arrays named ``prefix + field``."""
        order = np.arange(self.pos - self.size, self.pos) % self.capacity
        return {prefix + field: getattr(self, field)[order] for field in FIELDS}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], prefix: str) -> None:
        """Refill the buffer from :meth:`state_arrays` (keeping the last ``capacity``
        transitions if there are more). Raises :class:`CheckpointError` on a mismatch."""
        try:
            stored = {field: arrays[prefix + field] for field in FIELDS}
        except KeyError as error:
            raise CheckpointError(f"replay buffer data is incomplete: {error} missing") from None
        n = len(stored["actions"])
        for field, array in stored.items():
            mine = getattr(self, field)
            if array.shape[1:] != mine.shape[1:] or array.dtype != mine.dtype or len(array) != n:
                expected = ", ".join(["N", *map(str, mine.shape[1:])])
                raise CheckpointError(
                    f"replay buffer field {field!r} has shape {array.shape} {array.dtype}, "
                    f"expected ({expected}) {mine.dtype}"
                )
        keep = min(n, self.capacity)
        for field, array in stored.items():
            getattr(self, field)[:keep] = array[n - keep :]
        self.size = keep
        self.pos = keep % self.capacity
