"""Agents that play and learn: tabular Q, DQN, minimax, random and scripted players, the
one training loop, evaluation and checkpoints.

Importing this package is cheap and never imports torch or pygame: the DQN lives in
:mod:`agents.dqn` and is imported only when asked for.
"""

from qarcade.agents.base import Agent, Transition
from qarcade.agents.checkpoints import CheckpointError, load_agent, read_metadata
from qarcade.agents.discretise import Discretiser, ExactDiscretiser, InvadersDiscretiser
from qarcade.agents.random_agent import RandomAgent
from qarcade.agents.schedules import EpsilonSchedule
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import EpisodeStats, Trainer, TrainingMetrics

__all__ = [
    "Agent",
    "CheckpointError",
    "Discretiser",
    "EpisodeStats",
    "EpsilonSchedule",
    "ExactDiscretiser",
    "InvadersDiscretiser",
    "RandomAgent",
    "TabularConfig",
    "TabularQAgent",
    "Trainer",
    "TrainingMetrics",
    "Transition",
    "load_agent",
    "read_metadata",
]
