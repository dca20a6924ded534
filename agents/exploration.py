"""Count-based exploration for the DQN: how often each (observation, action) was tried.

Observations are counted through SimHash (Tang et al. 2017, "#Exploration"): an
observation ``x`` is known by the signs of ``k`` random projections, ``sign(A x)`` with
``A`` drawn once from a seeded normal distribution. Distinct one-hot observations (a
gridworld cell, a FrozenLake state) get independent random codes, so they are counted
apart unless two of them collide (about ``n**2 / 2**(k+1)`` pairs among ``n`` states);
continuous observations that point the same way share a code.

The DQN's ``count_bonus`` ``C`` adds ``C / (n(s, a) + 1) ** M`` to the Q-values it acts
on while exploring and to those of the target's next state (``M = 0.5``: MBIE-EB, Strehl
& Littman 2008; ``M = 2``: OPIQ, Rashid et al. 2020), with the counts as they are at
that moment, so the optimism about a pair fades as it is tried (see :mod:`agents.dqn`).

Memory is fixed: one int32 count per code and action, whatever the env.
"""

from __future__ import annotations

import numpy as np

from qarcade.agents.checkpoints import CheckpointError


class VisitCounts:
    """SimHash visit counts of (observation, action) pairs.

    Args:
        observation_size: the length of a flattened observation.
        num_actions: the size of the action space.
        bits: ``k``, the code length; the table holds ``2**bits * num_actions`` counts.
        power: ``M``, how fast the optimism falls with the tries (:meth:`optimism`).
        seed: seeds the projection.

    Attributes:
        counts: ``(2**bits, num_actions)`` int32, tries of each (code, action).
    """

    def __init__(
        self, observation_size: int, num_actions: int, *, bits: int, power: float, seed: int
    ) -> None:
        rng = np.random.default_rng(seed)
        self.projection = rng.standard_normal((observation_size, bits)).astype(np.float32)
        # Codes are summed in float32, which BLAS multiplies many times faster than numpy
        # does integers, and which holds every integer below 2**24 exactly.
        if bits > 24:
            raise ValueError(f"SimHash codes of at most 24 bits, got {bits}")
        self._powers = (1 << np.arange(bits)).astype(np.float32)
        # The code of the one-hot observation with its one at i: the signs of row i.
        self._one_hot_codes = ((self.projection > 0).astype(np.float32) @ self._powers).astype(
            np.int64
        )
        self.counts = np.zeros((1 << bits, num_actions), dtype=np.int32)
        self.power = power

    def codes(self, obs: np.ndarray) -> np.ndarray:
        """The codes of a batch of observations ``(n, ...)``, or of one-hot ones given by
        the index of their one ``(n,)`` integers (:mod:`agents.replay`), -> ``(n,)`` int64."""
        if obs.ndim == 1 and obs.dtype.kind in "iu":
            return self._one_hot_codes[obs]
        flat = obs.reshape(len(obs), -1).astype(np.float32, copy=False)
        signs = (flat @ self.projection > 0).astype(np.float32)
        return (signs @ self._powers).astype(np.int64)

    def code(self, obs: np.ndarray | int) -> int:
        """The code of one observation, or of a one-hot one given by the index of its one
        (an ``int``)."""
        if isinstance(obs, int):
            return int(self._one_hot_codes[obs])
        return int(self.codes(obs.reshape(1, -1))[0])

    def add(self, obs: np.ndarray | int, action: int) -> None:
        """Count one try of ``action`` in ``obs`` (or the one-hot one with its one at
        ``obs``, an ``int``)."""
        self.counts[self.code(obs), action] += 1

    def optimism(self, obs: np.ndarray) -> np.ndarray:
        """``1 / (n(s, a) + 1) ** power`` of every action, for a batch ``(n, ...)`` (or
        one-hot indices, as :meth:`codes` takes them) ->
        ``(n, num_actions)`` float32: 1 for an untried pair, falling as it is tried."""
        n = self.counts[self.codes(obs)].astype(np.float32)
        return np.power(n + 1.0, -self.power, dtype=np.float32)

    # ----------------------------------------------------------------- checkpoints
    def state_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The non-zero counts (as indices and values: the table is mostly empty)."""
        flat = self.counts.reshape(-1)
        where = np.flatnonzero(flat)
        return {prefix + "index": where.astype(np.int64), prefix + "count": flat[where]}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], prefix: str) -> None:
        """Put back :meth:`state_arrays`' counts; raises
        :class:`~agents.checkpoints.CheckpointError` on a mismatch."""
        index, count = arrays.get(prefix + "index"), arrays.get(prefix + "count")
        flat = self.counts.reshape(-1)
        if (
            index is None
            or count is None
            or index.ndim != 1
            or index.shape != count.shape
            or index.dtype.kind not in "iu"
            or count.dtype.kind not in "iu"
            or (len(index) and (index.min() < 0 or index.max() >= flat.size))
            or (len(count) and count.min() < 0)
        ):
            raise CheckpointError("visit counts do not fit this agent's count table")
        flat[:] = 0
        flat[index] = count
