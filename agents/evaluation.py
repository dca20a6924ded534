"""Evaluation: how good is an agent, in numbers a person can compare.

- Two-player games: win / draw / loss against a fixed opponent in each seat
  (:func:`play_matches`); for tic-tac-toe also the exact grade over every position and the
  exhaustive never-loses check against perfect play (from :mod:`agents.grading`).
- Gridworld: success rate and mean return of the greedy policy over sampled episodes,
  beside the exact optimum and the exact value of the agent's greedy policy
  (:mod:`games.gridworld.solver`).
- Invaders: mean score.

Every ``evaluate_*`` function returns rows (dicts) for :func:`format_table`. Agents play
greedily (``explore=False``) and learn nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qarcade.agents.base import Agent
from qarcade.games.core import Env, OptionError
from qarcade.games.gridworld.env import GridWorldEnv

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
    rows = play_matches(env, agent, make_opponent("random", env, seed=seed), games=games, seed=seed)
    return float(np.mean([row["win"] for row in rows]))


def seat_name(env: Env, seat: int) -> str:
    """How people call a seat: X / O in tic-tac-toe, else "seat N"."""
    names = ("X", "O") if env.name == "tictactoe" else ()
    return names[seat] if seat < len(names) else f"seat {seat}"


def make_opponent(name: str, env: Env, *, seed: int | None = None) -> Agent:
    """A fixed player by name: ``random``, ``minimax`` (tic-tac-toe) or ``scripted``
    (Invaders)."""
    if name == "random":
        from qarcade.agents.random_agent import RandomAgent

        return RandomAgent(seed)
    if name == "minimax":
        if env.name != "tictactoe":
            raise OptionError(f"minimax plays tic-tac-toe only, not {env.name}")
        from qarcade.agents.minimax import MinimaxAgent

        return MinimaxAgent(seed=seed)
    if name == "scripted":
        if env.name != "invaders":
            raise OptionError(f"the scripted player plays invaders only, not {env.name}")
        from qarcade.agents.scripted import ScriptedInvadersAgent

        return ScriptedInvadersAgent()
    raise OptionError(f"unknown opponent {name!r}; choose random, minimax or scripted")


# ----------------------------------------------------------------- per game
def evaluate_tictactoe(
    env: Env,
    agent: Agent,
    *,
    vs: Sequence[str] = ("random", "minimax"),
    games: int = 500,
    seed: int = 0,
) -> list[Row]:
    """Exact grade, the never-loses check, and matches against each of ``vs``."""
    from qarcade.agents.grading import grade_tictactoe, never_loses_vs_perfect

    grade = grade_tictactoe(agent)
    rows: list[Row] = [
        {
            "test": "exact grade: greedy move optimal",
            "games": grade.positions,
            "optimal": grade.fraction,
        }
    ]
    _, records = never_loses_vs_perfect(agent)
    for record in records:
        rows.append(
            {
                "test": f"vs every perfect line as {seat_name(env, record.seat)}",
                "games": record.games,
                "win": record.wins / record.games,
                "draw": record.draws / record.games,
                "loss": record.losses / record.games,
            }
        )
    for name in vs:
        rows += play_matches(
            env, agent, make_opponent(name, env, seed=seed), games=games, seed=seed
        )
    return rows


def evaluate_gridworld(
    env: GridWorldEnv, agent: Agent, *, games: int = 1000, seed: int = 0
) -> list[Row]:
    """Greedy success rate and mean return over ``games`` episodes, beside the exact
    optimum and the exact value of the agent's greedy policy."""
    from qarcade.games.gridworld import solver

    results = [play_episode(env, agent, seed=seed + i) for i in range(games)]
    goal = float(env.goal_reward)
    reached = [r.terminated and r.info["rewards"][0] == goal for r in results]
    policy = solver.policy_of(env, lambda obs: agent.act(obs, np.ones(env.num_actions, bool)))
    return [
        {
            "test": "greedy episodes",
            "games": games,
            "success": float(np.mean(reached)),
            "return": float(np.mean([r.ret for r in results])),
        },
        {
            "test": "greedy policy (exact)",
            "games": "exact",
            "success": solver.success_probability(env, policy),
            "return": solver.policy_return(env, policy),
        },
        {
            "test": "optimum (exact)",
            "games": "exact",
            "success": solver.success_probability(env),
            "return": solver.optimal_return(env),
        },
    ]


def mean_score(env: Env, agent: Agent, *, games: int, seed: int = 0) -> tuple[float, float]:
    """Mean and standard deviation of the final ``info["score"]`` over ``games`` games."""
    scores = [play_episode(env, agent, seed=seed + i).info["score"] for i in range(games)]
    return float(np.mean(scores)), float(np.std(scores))


def evaluate_invaders(
    env: Env,
    agent: Agent,
    *,
    vs: Sequence[str] = ("random", "scripted"),
    games: int = 20,
    seed: int = 0,
) -> list[Row]:
    """Mean score of ``agent`` and of each baseline in ``vs``, over the same seeds."""
    import qarcade.games as game_registry

    # The baselines read the features vector, whatever the agent observes.
    baseline_env = game_registry.make(env.name, **{**env.options, "obs_mode": "features"})
    rows = []
    players = [("agent", agent, env)]
    players += [(n, make_opponent(n, env, seed=seed), baseline_env) for n in vs]
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
    """The evaluation that fits ``env``'s game (defaults per game when ``vs``/``games``
    are None)."""
    kwargs: dict[str, Any] = {"seed": seed}
    if games is not None:
        kwargs["games"] = games
    if env.name == "tictactoe":
        return evaluate_tictactoe(env, agent, vs=vs or ("random", "minimax"), **kwargs)
    if isinstance(env, GridWorldEnv):
        if vs:
            raise OptionError(
                f"the gridworld is a one-player game with no baselines to play: drop "
                f"--vs {' '.join(vs)} (eval measures the greedy policy against the exact optimum)"
            )
        return evaluate_gridworld(env, agent, **kwargs)
    if env.name == "invaders":
        return evaluate_invaders(env, agent, vs=vs or ("random", "scripted"), **kwargs)
    if env.num_players == 2:
        return play_matches(env, agent, make_opponent("random", env, seed=seed), **kwargs)
    results = [play_episode(env, agent, seed=seed + i) for i in range(kwargs.get("games", 100))]
    return [
        {
            "test": "greedy episodes",
            "games": len(results),
            "return": float(np.mean([r.ret for r in results])),
        }
    ]


def progress_score(env: Env) -> tuple[str, Callable[[Agent], float]] | None:
    """A quick exact score to follow during training, as (label, score(agent)): the exact
    grade in tic-tac-toe, the exact greedy return in the gridworld; None elsewhere."""
    if env.name == "tictactoe":
        from qarcade.agents.grading import grade_tictactoe

        return "exact grade (fraction optimal)", lambda agent: grade_tictactoe(agent).fraction
    if env.name == "gridworld":
        from qarcade.games.gridworld import solver

        all_legal = np.ones(env.num_actions, dtype=bool)

        def greedy_return(agent: Agent) -> float:
            policy = solver.policy_of(env, lambda obs: agent.act(obs, all_legal))  # type: ignore[arg-type]
            return solver.policy_return(env, policy)  # type: ignore[arg-type]

        return "greedy return (exact)", greedy_return
    if env.num_players == 1 and env.name != "invaders":
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
    exact answer: every reachable position graded optimal in tic-tac-toe; the greedy
    return equal to the best possible on the gridworld's map as it is now (make a new
    check after editing it). None elsewhere."""
    if env.name not in ("tictactoe", "gridworld"):
        return None
    score = progress_score(env)[1]  # type: ignore[index]
    if env.name == "tictactoe":
        return lambda agent: score(agent) == 1.0
    from qarcade.games.gridworld import solver

    best = solver.optimal_return(env)  # type: ignore[arg-type]
    return lambda agent: score(agent) >= best - OPTIMAL_TOLERANCE


#: A gridworld return counts as optimal within this of the best one.
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
