"""The epsilon schedule every learner shares (CleanRL's ``linear_schedule``).

Epsilon falls linearly from ``start_e`` to ``end_e`` over the first
``exploration_fraction`` of the training budget, then stays at ``end_e``. The budget is
whatever the trainer counts (episodes or steps), so the schedule takes the *fraction* of
the budget done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EpsilonSchedule:
    """Linear epsilon decay over a fraction of training.

    Attributes:
        start_e: epsilon at the start of training.
        end_e: epsilon once the decay is over.
        exploration_fraction: the fraction of the budget over which epsilon decays.
    """

    start_e: float = 1.0
    end_e: float = 0.05
    exploration_fraction: float = 0.5

    @classmethod
    def from_config(cls, config: Any) -> EpsilonSchedule:
        """The schedule named by a config's ``start_e``, ``end_e``, ``exploration_fraction``."""
        return cls(
            start_e=float(config.start_e),
            end_e=float(config.end_e),
            exploration_fraction=float(config.exploration_fraction),
        )

    def __call__(self, progress: float) -> float:
        """Epsilon after ``progress`` (0 to 1) of the training budget."""
        if self.exploration_fraction <= 0.0 or progress >= self.exploration_fraction:
            return self.end_e
        slope = (self.end_e - self.start_e) / self.exploration_fraction
        return self.start_e + slope * max(progress, 0.0)
