"""Evaluation: how good is an agent, in numbers a person can compare.

- Two-player games: win / draw / loss against a fixed opponent in each seat
  (:func:`play_matches`).
- Games that keep a score: mean score beside the game's baselines (:func:`score_rows`).
- Other one-player games: success rate and mean return of the greedy policy over sampled
  episodes (:func:`greedy_episodes`).
- Where a game has an exact answer (:attr:`games.spec.GameSpec.exact`: tic-tac-toe's
  grade over every position, the gridworld's solved map), its rows beside those.

:func:`evaluate` picks what fits a game from its descriptor; every function returns rows
(dicts) for :func:`format_table`. Agents play greedily (``explore=False``) and learn
nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import qarcade.games as games_module
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.games.core import Env, OptionError

Row = dict[str, Any]
#: Columns that hold fractions, printed as percentages.
PERCENT_COLUMNS = ("win", "draw", "loss", "success", "optimal")


@dataclass(frozen=True)
class EpisodeResult:
    """One evaluation episode: the agent's return, its outcome (two-player: +1/0/-1),
    whether it reached a goal or the end of the game, and the env's final info."""

    ret: float
    outcome: int | None
    steps: int
    terminated: bool
    info: dict[str, Any]


def play_episode(
    env: Env,
    agent: Agent,
    *,
    opponent: Agent | None = None,
    seat: int = 0,
    seed: int | None = None,
    max_steps: int | None = None,
) -> EpisodeResult:
    """Play one greedy episode; in two-player games ``agent`` takes ``seat`` and
    ``opponent`` the other (the agent plays itself when ``opponent`` is None)."""
    obs, info = env.reset(seed=seed)
    ret, steps, done, terminated = 0.0, 0, False, False
    while not done:
        mover = env.current_player
        player = agent if opponent is None or mover == seat else opponent
        obs, _, terminated, truncated, info = env.step(player.act(obs, info["action_mask"]))
        ret += info["rewards"][seat]
        steps += 1
        done = terminated or truncated or (max_steps is not None and steps >= max_steps)
    outcome = None if env.num_players == 1 else (1 if ret > 0 else (-1 if ret < 0 else 0))
    return EpisodeResult(ret, outcome, steps, terminated, info)


def play_matches(
    env: Env, agent: Agent, opponent: Agent, *, games: int, seed: int = 0
) -> list[Row]:
    """``games`` games in each seat against ``opponent``: one row per seat with the
    win, draw and loss fractions."""
    rows = []
    for seat in range(env.num_players):
        outcomes = [
            play_episode(env, agent, opponent=opponent, seat=seat, seed=seed + 7919 * seat + i)
            for i in range(games)
        ]
        counts = [sum(r.outcome == o for r in outcomes) for o in (1, 0, -1)]
        rows.append(
            {
                "test": f"vs {opponent.name} as {seat_name(env, seat)}",
                "games": games,
                "win": counts[0] / games,
                "draw": counts[1] / games,
                "loss": counts[2] / games,
            }
        )
    return rows


#: Greedy test games per seat that :func:`win_rate` plays.
TEST_GAMES = 20


def win_rate(env: Env, agent: Agent, *, seed: int, games: int = TEST_GAMES) -> float:
    """The fraction of ``games`` greedy games per seat ``agent`` wins against a random
    player seeded with ``seed`` (a two-player game's strength during self-play)."""
    rows = play_matches(
        env, agent, kinds.make_player("random", env.name, seed=seed), games=games, seed=seed
    )
    return float(np.mean([row["win"] for row in rows]))


def seat_name(env: Env, seat: int) -> str:
    """How people call a seat of ``env``'s game (X / O in tic-tac-toe), else "seat N"."""
    spec = games_module.spec_of(env)
    return spec.seat_name(seat) if spec is not None else f"seat {seat}"


def greedy_episodes(env: Env, agent: Agent, *, games: int, seed: int = 0) -> Row:
    """Mean return of ``games`` greedy episodes, and how often they ended at a goal
    (:meth:`~games.core.Env.reached_goal`) where the game has goals."""
    returns, reached = [], []
    for i in range(games):
        returns.append(play_episode(env, agent, seed=seed + i).ret)
        reached.append(env.reached_goal())
    row: Row = {"test": "greedy episodes", "games": games}
    if env.race_to_goal:
        row["success"] = float(np.mean(reached))
    row["return"] = float(np.mean(returns))
    return row


def mean_score(env: Env, agent: Agent, *, games: int, seed: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of the final ``info["score"]`` over ``games`` games."""
    scores = [play_episode(env, agent, seed=seed + i).info["score"] for i in range(games)]
    return float(np.mean(scores)), float(np.std(scores))


def score_rows(
    env: Env, agent: Agent, *, vs: Sequence[str], games: int = 20, seed: int = 0
) -> list[Row]:
    """Mean score of ``agent`` and of each baseline in ``vs``, over the same seeds; the
    baselines play with the game's :attr:`~games.spec.GameSpec.baseline_options`."""
    spec = games_module.spec_of(env)
    options = spec.baseline_options if spec is not None else {}
    baseline_env = games_module.make(env.name, **{**env.options, **options})
    players = [("agent", agent, env)]
    players += [(n, kinds.make_player(n, env.name, seed=seed), baseline_env) for n in vs]
    rows = []
    for name, player, player_env in players:
        mean, std = mean_score(player_env, player, games=games, seed=seed)
        rows.append({"test": f"{name} mean score", "games": games, "score": mean, "std": std})
    return rows


def evaluate(
    env: Env,
    agent: Agent,
    *,
    vs: Sequence[str] | None = None,
    games: int | None = None,
    seed: int = 0,
) -> list[Row]:
    """How good ``agent`` is at ``env``'s game, as rows: for a two-player game, the exact
    answer's rows (where the game has one) and matches in each seat against each of
    ``vs``; for a game that keeps a score, mean scores beside ``vs``; otherwise greedy
    episodes beside the exact answer. ``vs`` defaults to the game's
    :attr:`~games.spec.GameSpec.baselines`; ``games`` to 500 games a seat, 20 scored
    games or 1,000 episodes."""
    spec = games_module.spec_of(env)
    baselines = tuple(vs) if vs else (spec.baselines if spec else ("random",))
    exact = list(spec.exact_rows(env, agent)) if spec else []
    if env.num_players == 2:
        rows = exact
        for name in baselines:
            opponent = kinds.make_player(name, env.name, seed=seed)
            rows += play_matches(env, agent, opponent, games=games or 500, seed=seed)
        return rows
    if spec is not None and spec.keeps_score:
        return score_rows(env, agent, vs=baselines, games=games or 20, seed=seed)
    if vs:
        raise OptionError(
            f"{env.name} is a one-player game with no baselines to play: drop --vs "
            f"{' '.join(vs)} (eval measures the greedy policy"
            + (" against the exact optimum)" if exact else ")")
        )
    return [greedy_episodes(env, agent, games=games or (1000 if exact else 100), seed=seed), *exact]


def progress_score(env: Env) -> tuple[str, Callable[[Agent], float]] | None:
    """A quick score to follow during training, as (label, score(agent)): the game's
    exact answer where it has one (:attr:`~games.spec.GameSpec.exact`); the mean greedy
    return of a few episodes for another one-player game that does not keep a score;
    None elsewhere."""
    spec = games_module.spec_of(env)
    if spec is not None and spec.exact is not None:
        exact = spec
        return spec.exact.label, lambda agent: exact.exact_score(env, agent)
    if env.num_players == 1 and not (spec is not None and spec.keeps_score):
        # A copy, so scoring never moves the training env's episode or generator.
        scoring_env = type(env)(**env.options)

        def mean_greedy_return(agent: Agent) -> float:
            results = [
                play_episode(scoring_env, agent, seed=SCORE_SEED + i) for i in range(SCORE_EPISODES)
            ]
            return float(np.mean([r.ret for r in results]))

        return f"greedy return (mean of {SCORE_EPISODES})", mean_greedy_return
    return None


#: Episodes (and the first seed) :func:`progress_score` plays where it cannot grade exactly.
SCORE_EPISODES, SCORE_SEED = 10, 1_000_000


class BestPolicy:
    """The best greedy policy met during training: scored now and then with a
    :func:`progress_score`, kept in memory when it beats every earlier one.

    Learning does not improve the greedy policy monotonically (a network's greedy
    action can flip between two nearly equal values late in a run); this keeps the best
    one seen and says when it was seen.

    Args:
        agent: the learner.
        score: the score of its greedy policy, higher is better.

    Attributes:
        best_score: the best score so far (-inf before any).
        best_step: the training step it was scored at (None before any).
        state: the agent's :meth:`~agents.base.Agent.policy_state` then.
    """

    def __init__(self, agent: Agent, score: Callable[[Agent], float]) -> None:
        self.agent = agent
        self.score = score
        self.best_score = -np.inf
        self.best_step: int | None = None
        self.state: Any = None

    def offer(self, step: int) -> tuple[float, bool]:
        """Score the agent's greedy policy now; keep it if it is the best so far.
        Returns the score and whether it was kept."""
        value = float(self.score(self.agent))
        if value > self.best_score:
            self.best_score, self.best_step = value, step
            self.state = self.agent.policy_state()
            return value, True
        return value, False

    def restore(self) -> None:
        """Make the agent act as the best policy kept (nothing when none was)."""
        if self.state is not None:
            self.agent.load_policy_state(self.state)


def optimality_check(env: Env) -> Callable[[Agent], bool] | None:
    """Whether an agent's greedy policy is optimal, decided exactly, where the game has an
    exact answer (:attr:`~games.spec.GameSpec.exact`): its score reaches the best one for
    ``env`` as it is now (make a new check after editing a map). None elsewhere."""
    spec = games_module.spec_of(env)
    if spec is None or spec.exact is None:
        return None
    best = spec.best_score(env)
    return lambda agent: spec.exact_score(env, agent) >= best - OPTIMAL_TOLERANCE


#: An exact score counts as optimal within this of the best one.
OPTIMAL_TOLERANCE = 1e-6


def format_table(rows: Sequence[Row]) -> str:
    """Rows as an aligned text table; the fractions in :data:`PERCENT_COLUMNS` print as
    percentages."""
    if not rows:
        return ""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]

    def cell(key: str, value: Any) -> str:
        if isinstance(value, float):
            return f"{100 * value:.1f}%" if key in PERCENT_COLUMNS else f"{value:.4g}"
        return str(value)

    table = [columns] + [[cell(k, row.get(k, "")) for k in columns] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    lines = [
        "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
