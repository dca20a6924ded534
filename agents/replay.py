"""The DQN replay buffer: a ring of transitions preallocated in numpy.

Everything lives in fixed numpy arrays allocated once, so storing a transition is a few
slice assignments and sampling a batch is one fancy index per field; the batch reaches
torch through ``torch.from_numpy`` without a copy. Observations keep the env's dtype
(uint8 frames stay bytes; the network scales them), and one-hot observations are kept as
the index of their one (``one_hot``): a transition of a 24x24 gridworld takes 16 bytes
of observations instead of 4,608, and the network reads them by index
(:class:`agents.networks.FastMLP`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from qarcade.agents.checkpoints import CheckpointError


class Batch(NamedTuple):
    """A sampled batch, numpy arrays with ``batch_size`` rows.

    Attributes:
        obs: (B, *observation_shape) the observations the actions were taken from; (B,)
            int64 indices of their one for a buffer of one-hot observations.
        actions: (B,) int64.
        rewards: (B,) float32.
        next_obs: (B, *observation_shape).
        next_masks: (B, num_actions) bool, the legal actions in ``next_obs``.
        bootstrap: (B,) float32, what multiplies ``gamma * Q(next_obs)`` in the target:
            0 when the episode terminated, -1 when ``next_obs`` is the opponent's view in
            a zero-sum game (negamax), +1 otherwise; times ``gamma ** (n - 1)`` for an
            n-step transition.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    next_masks: np.ndarray
    bootstrap: np.ndarray


#: How a one-hot buffer keeps an observation: the index of its one.
ONE_HOT_INDEX = np.dtype(np.int64)
#: The arrays a buffer is made of, in :class:`Batch` order.
FIELDS = Batch._fields


class ReplayBuffer:
    """A ring buffer of the last ``capacity`` transitions, sampled uniformly.

    Args:
        capacity: how many transitions it holds; the oldest is overwritten first.
        observation_shape, observation_dtype: of every observation.
        num_actions: the length of each legal-action mask.
        rng: the generator batches are drawn with.
        one_hot: every observation is one-hot (:attr:`games.core.Env.one_hot_observation`):
            keep and sample the index of its one, int64, instead of the vector.
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: np.dtype,
        num_actions: int,
        rng: np.random.Generator,
        *,
        one_hot: bool = False,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"a replay buffer needs a capacity of at least 1, got {capacity}")
        self.capacity = capacity
        self.rng = rng
        self.one_hot = one_hot
        if one_hot:
            observation_shape, observation_dtype = (), ONE_HOT_INDEX
        self.obs = np.zeros((capacity, *observation_shape), dtype=observation_dtype)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        # np.zeros, not zeros_like: the pages are the system's zeros until written, so a
        # large buffer costs memory as it fills, not when it is made.
        self.next_obs = np.zeros((capacity, *observation_shape), dtype=observation_dtype)
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
        discount: float = 1.0,
    ) -> None:
        """Store one transition, overwriting the oldest once full. ``discount`` scales
        the bootstrap (an n-step transition's ``gamma ** (n - 1)``)."""
        i = self.pos
        if self.one_hot:
            self.obs[i], self.next_obs[i] = one_hot_index(obs), one_hot_index(next_obs)
        else:
            self.obs[i], self.next_obs[i] = obs, next_obs
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_masks[i] = next_mask
        self.bootstrap[i] = 0.0 if terminated else (-discount if flip else discount)
        self.pos = i + 1 if i + 1 < self.capacity else 0
        if self.size < self.capacity:
            self.size += 1
        self._stored(i)

    def _stored(self, i: int) -> None:
        """Called once row ``i`` holds a new transition: subclasses that keep something
        per transition (priorities) update it here."""

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
        return self._gather(idx, out)

    def _gather(self, idx: np.ndarray, out: Batch) -> Batch:
        """Write rows ``idx`` of every field into ``out``."""
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


def one_hot_index(obs: np.ndarray) -> int:
    """The index of the one of a one-hot observation; ``ValueError`` if it is not one."""
    flat = obs.reshape(-1)
    index = int(flat.argmax())
    if flat[index] != 1 or np.count_nonzero(flat) != 1:
        raise ValueError("an observation declared one-hot is not")
    return index


class PrioritizedReplayBuffer(ReplayBuffer):
    """Proportional prioritized replay (Schaul et al. 2016).

    Transition ``i`` is drawn with probability ``p_i / sum(p)``, where ``p_i = (|d_i| +
    eps) ** alpha`` and ``d_i`` is its TD error when it was last learnt from; a new
    transition gets the largest priority seen so far, so it is learnt from soon. The
    bias this brings is corrected by importance weights ``(N * P(i)) ** -beta``,
    normalised by the batch's largest, which the loss multiplies.

    The priorities live in a sum tree (leaf ``i`` at ``leaves + i``, node ``k`` holding
    the sum of ``2k`` and ``2k + 1``), so storing, sampling and updating cost
    ``log2(capacity)`` steps, each over the whole batch at once in numpy.

    Args:
        alpha: how strongly priorities skew sampling (0 is uniform).
        eps: keeps every transition's probability above zero.
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: np.dtype,
        num_actions: int,
        rng: np.random.Generator,
        *,
        one_hot: bool = False,
        alpha: float = 0.6,
        eps: float = 1e-6,
    ) -> None:
        super().__init__(
            capacity, observation_shape, observation_dtype, num_actions, rng, one_hot=one_hot
        )
        self.alpha = alpha
        self.eps = eps
        self.depth = max(capacity - 1, 1).bit_length()
        self.leaves = 1 << self.depth
        self.tree = np.zeros(2 * self.leaves)
        #: The largest ``|d| + eps`` seen, which new transitions get.
        self.max_priority = 1.0

    @property
    def nbytes(self) -> int:
        return super().nbytes + self.tree.nbytes

    def _stored(self, i: int) -> None:
        # A new transition gets the largest priority seen so far; the sums above it follow.
        tree = self.tree
        node = i + self.leaves
        tree[node] = self.max_priority**self.alpha
        while node > 1:
            node >>= 1
            tree[node] = tree[2 * node] + tree[2 * node + 1]

    def sample_prioritized(
        self, batch_size: int, beta: float, out: Batch
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill ``out`` with ``batch_size`` transitions drawn by priority (one from each of
        ``batch_size`` equal slices of the total, as in the paper); returns their indices
        (for :meth:`update_priorities`) and importance weights (float32)."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        tree = self.tree
        total = tree[1]
        u = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        node = np.ones(batch_size, dtype=np.int64)
        for _ in range(self.depth):
            node *= 2
            left = tree[node]
            right = u >= left
            u -= left * right
            node += right
        # Rounding can step past the last stored transition into an empty leaf.
        idx = np.minimum(node - self.leaves, self.size - 1)
        self._gather(idx, out)
        weights = (self.size / total * tree[idx + self.leaves]) ** -beta
        return idx, (weights / weights.max()).astype(np.float32)

    def update_priorities(self, idx: np.ndarray, errors: np.ndarray) -> None:
        """Set the priorities of transitions ``idx`` from their new TD errors."""
        priority = np.abs(errors).astype(np.float64) + self.eps
        self.max_priority = max(self.max_priority, float(priority.max()))
        tree = self.tree
        node = idx + self.leaves
        tree[node] = priority**self.alpha
        for _ in range(self.depth):
            node >>= 1
            tree[node] = tree[2 * node] + tree[2 * node + 1]

    # ----------------------------------------------------------------- checkpoints
    def state_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        arrays = super().state_arrays(prefix)
        order = np.arange(self.pos - self.size, self.pos) % self.capacity
        arrays[prefix + "priority"] = self.tree[self.leaves + order]
        arrays[prefix + "max_priority"] = np.array([self.max_priority], np.float64)
        return arrays

    def load_state_arrays(self, arrays: dict[str, np.ndarray], prefix: str) -> None:
        try:
            priority = np.asarray(arrays[prefix + "priority"], np.float64)
            max_priority = float(arrays[prefix + "max_priority"][0])
        except (KeyError, IndexError) as error:
            raise CheckpointError(f"replay priorities are incomplete: {error} missing") from None
        super().load_state_arrays(arrays, prefix)
        if priority.shape != (len(arrays[prefix + "actions"]),) or not (
            np.isfinite(priority).all() and (priority >= 0).all() and max_priority > 0
        ):
            raise CheckpointError("replay priorities are damaged (wrong length or not finite)")
        self.tree[:] = 0.0
        self.tree[self.leaves : self.leaves + self.size] = priority[len(priority) - self.size :]
        for level in range(self.depth - 1, -1, -1):
            nodes = np.arange(1 << level, 2 << level)
            self.tree[nodes] = self.tree[2 * nodes] + self.tree[2 * nodes + 1]
        self.max_priority = max_priority
