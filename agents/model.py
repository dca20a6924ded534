"""What each (state, action) of a table has led to, for planning (Dyna-Q).

A slip makes one Q-learning target one sample of an expectation: a constant step size
keeps following the last few samples, and on a slippery map whose best route runs
beside pits the greedy policy picks on that noise. The model keeps every outcome seen
of each (row, action) with how often it came, so a backup can take the expectation
over them instead of one sample (Sutton 1990, Dyna-Q, with expected updates as in
Sutton & Barto 2018, section 8.5)::

    Q(s, a) = sum over outcomes (s', r) of n(s, a, s', r) / n(s, a)
                                            * (r + gamma * max_a' Q(s', a'))

with the max over the actions legal in ``s'``, ``r`` alone where the game ended, and
``r - gamma * max`` where ``s'`` is the opponent's (self-play, as in
:mod:`agents.tabular`). As samples come in, the proportions approach the
probabilities and the backups the Bellman optimality update of the world itself.

A move's first outcomes can be unlucky: a slip into a pit the first time a move beside
it is tried puts it at -1, and a greedy walk never tries it again. With a ``prior``
(the table's optimistic initial value) each move counts one imagined outcome worth it,
so a move tried once is still half as promising as an untried one and is tried again
until its own outcomes outweigh it (optimism that fades with the count, as in R-MAX,
Brafman & Tennenholtz 2002, or MBIE-EB, Strehl & Littman 2008).

Memory is bounded by the table's: at most :data:`MAX_OUTCOMES` distinct outcomes are
kept per (row, action); past that a new one takes the place of the one seen least
often (an approximation only worlds with many outcomes per move ever meet: a slippery
gridworld move has at most four).
"""

from __future__ import annotations

import random

import numpy as np

from qarcade.agents.checkpoints import CheckpointError

#: Distinct outcomes kept per (row, action), at most.
MAX_OUTCOMES = 16


class EmpiricalModel:
    """The outcomes seen of each (row, action) of a table, counted.

    Args:
        num_actions: the table's width.
        prior: if given, every (row, action) counts one outcome more, worth ``prior``
            (the table's initial value): what has been tried once is still half what it
            was before it was tried, and the pull fades as ``1 / (n + 1)``.
    """

    def __init__(self, num_actions: int, prior: float | None = None) -> None:
        self.num_actions = num_actions
        self.prior = prior
        #: Outcome indices of each (row, action) met.
        self.pairs: dict[tuple[int, int], list[int]] = {}
        #: The pairs in the order met, to draw from.
        self.order: list[tuple[int, int]] = []
        #: Each pair's outcome indices, in the same order (what :meth:`plan` draws).
        self._order_outcomes: list[list[int]] = []
        self._index: dict[tuple[int, int, int, float, bool, int], int] = {}
        # One entry per outcome (parallel lists: a backup reads a few scalars each).
        self.pair_of: list[tuple[int, int]] = []
        self.next_row: list[int] = []
        self.reward: list[float] = []
        self.flip: list[bool] = []
        self.legal_id: list[int] = []
        self.count: list[int] = []
        #: Distinct legal-action lists of the next states, interned.
        self.legal: list[list[int]] = []
        self._legal_ids: dict[tuple[int, ...], int] = {}

    def __len__(self) -> int:
        return len(self.count)

    def add(
        self, row: int, action: int, next_row: int, reward: float, flip: bool, legal: list[int]
    ) -> None:
        """Count one transition; ``next_row`` -1 where the game ended."""
        key_legal = tuple(legal)
        lid = self._legal_ids.get(key_legal)
        if lid is None:
            lid = self._legal_ids[key_legal] = len(self.legal)
            self.legal.append(list(key_legal))
        key = (row, action, next_row, reward, flip, lid)
        index = self._index.get(key)
        if index is not None:
            self.count[index] += 1
            return
        pair = (row, action)
        outcomes = self.pairs.get(pair)
        if outcomes is None:
            outcomes = self.pairs[pair] = []
            self.order.append(pair)
            self._order_outcomes.append(outcomes)
        if len(outcomes) < MAX_OUTCOMES:
            index = len(self.count)
            outcomes.append(index)
            self.pair_of.append(pair)
            self.next_row.append(next_row)
            self.reward.append(reward)
            self.flip.append(flip)
            self.legal_id.append(lid)
            self.count.append(1)
        else:
            # Full: the outcome seen least often makes way (the first of equals).
            index = min(outcomes, key=self.count.__getitem__)
            del self._index[self._key(index)]
            self.next_row[index], self.reward[index] = next_row, reward
            self.flip[index], self.legal_id[index], self.count[index] = flip, lid, 1
        self._index[key] = index

    def _key(self, index: int) -> tuple[int, int, int, float, bool, int]:
        row, action = self.pair_of[index]
        return (
            row,
            action,
            self.next_row[index],
            self.reward[index],
            self.flip[index],
            self.legal_id[index],
        )

    def draw(self, rng: random.Random) -> tuple[int, int]:
        """A (row, action) met, uniformly at random."""
        order = self.order
        return order[int(rng.random() * len(order))]

    def expected_target(self, table: np.ndarray, row: int, action: int, gamma: float) -> float:
        """The expected Q-learning target of ``(row, action)`` over its outcomes seen."""
        total = 0
        value = 0.0
        for index in self.pairs[(row, action)]:
            count = self.count[index]
            target = self.reward[index]
            next_row = self.next_row[index]
            if next_row >= 0:
                q = table[next_row].tolist()
                legal = self.legal[self.legal_id[index]] or range(self.num_actions)
                best = max([q[a] for a in legal])
                target = target - gamma * best if self.flip[index] else target + gamma * best
            value += count * target
            total += count
        if self.prior is None:
            return value / total
        return (value + self.prior) / (total + 1)

    def plan(self, table: np.ndarray, gamma: float, rng: random.Random, updates: int) -> None:
        """``updates`` times: draw a pair met (:meth:`draw`) and set its entry of ``table``
        to its :meth:`expected_target`. The same numbers from the same draws, in one call
        with the lookups hoisted: the table's planning is most of its time on a slippery
        map (``tests/test_planning.py`` holds the two equal)."""
        order, outcomes_of = self.order, self._order_outcomes
        count, reward, next_rows, flip = self.count, self.reward, self.next_row, self.flip
        legal_id, prior = self.legal_id, self.prior
        # A list of every action: the max over the whole row, the same number sooner.
        width = table.shape[1]
        legal_lists = [None if len(legal) == width else legal for legal in self.legal]
        draw, pairs = rng.random, len(order)
        for _ in range(updates):
            i = int(draw() * pairs)
            total = 0
            value = 0.0
            for index in outcomes_of[i]:
                target = reward[index]
                next_row = next_rows[index]
                if next_row >= 0:
                    q = table[next_row].tolist()
                    legal = legal_lists[legal_id[index]]
                    best = max(q) if legal is None else max([q[a] for a in legal] or q)
                    target = target - gamma * best if flip[index] else target + gamma * best
                value += count[index] * target
                total += count[index]
            table[order[i]] = value / total if prior is None else (value + prior) / (total + 1)

    @property
    def nbytes(self) -> int:
        """Roughly what the model holds in memory (Python objects included)."""
        return 200 * len(self.count) + 120 * len(self.pairs)

    # ----------------------------------------------------------------- checkpoints
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The outcomes as arrays, for an npz checkpoint."""
        legal = np.zeros((len(self), self.num_actions), dtype=bool)
        for index, lid in enumerate(self.legal_id):
            legal[index, self.legal[lid]] = True
        return {
            "pairs": np.array(self.pair_of, dtype=np.int64).reshape(-1, 2),
            "next": np.array(self.next_row, dtype=np.int64),
            "reward": np.array(self.reward, dtype=np.float64),
            "flip": np.array(self.flip, dtype=bool),
            "legal": legal,
            "count": np.array(self.count, dtype=np.int64),
        }

    @classmethod
    def from_arrays(
        cls,
        arrays: dict[str, np.ndarray],
        num_rows: int,
        num_actions: int,
        prior: float | None = None,
    ) -> EmpiricalModel:
        """The inverse of :meth:`to_arrays`, for a table of ``num_rows`` rows; arrays
        that do not describe such a model raise :class:`CheckpointError`."""
        names = ("pairs", "next", "reward", "flip", "legal", "count")
        missing = [name for name in names if name not in arrays]
        if missing:
            raise CheckpointError(f"the model's arrays {', '.join(missing)} are missing")
        pairs, next_rows, rewards = arrays["pairs"], arrays["next"], arrays["reward"]
        flips, legal, counts = arrays["flip"], arrays["legal"], arrays["count"]
        n = len(counts)
        shapes_ok = (
            pairs.shape == (n, 2)
            and next_rows.shape == (n,)
            and rewards.shape == (n,)
            and flips.shape == (n,)
            and legal.shape == (n, num_actions)
            and counts.shape == (n,)
        )
        if not shapes_ok:
            raise CheckpointError("the model's arrays do not have matching shapes")
        kinds_ok = (
            pairs.dtype.kind in "iu"
            and next_rows.dtype.kind in "iu"
            and counts.dtype.kind in "iu"
            and rewards.dtype.kind == "f"
            and flips.dtype == bool
            and legal.dtype == bool
        )
        if not kinds_ok:
            raise CheckpointError("the model's arrays are not of the kinds written")
        if n and not (
            (pairs[:, 0] >= 0).all()
            and (pairs[:, 0] < num_rows).all()
            and (pairs[:, 1] >= 0).all()
            and (pairs[:, 1] < num_actions).all()
            and (next_rows >= -1).all()
            and (next_rows < num_rows).all()
            and (counts >= 1).all()
            and np.isfinite(rewards).all()
        ):
            raise CheckpointError("the model names rows or actions the table does not have")
        model = cls(num_actions, prior)
        for i in range(n):
            row, action = int(pairs[i, 0]), int(pairs[i, 1])
            legal_list = np.flatnonzero(legal[i]).tolist()
            before = len(model)
            model.add(row, action, int(next_rows[i]), float(rewards[i]), bool(flips[i]), legal_list)
            if len(model) == before:
                raise CheckpointError("the model lists an outcome twice or too many of one move")
            model.count[-1] = int(counts[i])
        return model
