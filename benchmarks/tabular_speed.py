"""Tabular Q-learning: qarcade's table beside the code people would otherwise use.

Three measurements, each with its anchor run in the same process:

1. **Tic-tac-toe self-play, wall time to a perfect table.** qarcade's default
   ``train tictactoe --agent tabular`` (the one training loop, negamax targets, count-based
   exploration, backward replay) is graded every ``--check-every`` games with the exact
   grade (:func:`games.tictactoe.grading.grade_tictactoe`: the greedy move in all 4,520 positions);
   the clock counts training only, not grading. The anchor is OpenSpiel's
   ``tabular_qlearner.QLearner`` in self-play as in its ``tic_tac_toe_qlearner`` example
   (one learner per seat, its default settings), graded the same way, for up to
   ``--openspiel-episodes`` games or ``--openspiel-seconds`` of training.
2. **Gridworld episodes/s**: training on the slippery 4x4 lake with the default config,
   beside a plain numpy Q-learning loop on Gymnasium's ``FrozenLake-v1`` (slippery) with the
   same episodes, learning rate, discount and epsilon schedule; greedy success rates of both.
3. **Invaders**: mean score of the coarse table (default training) beside the random and
   the scripted players, over the same seeds.

Run it on one core:

    taskset -c 0 python benchmarks/tabular_speed.py

Prints a summary for people and ``RESULT`` lines for benchmarks/report.py.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np

from qarcade import games
from qarcade.agents.evaluation import evaluate, mean_score
from qarcade.agents.kinds import make_player
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import Trainer, training_env_options
from qarcade.games.tictactoe.grading import grade_tictactoe
from qarcade.games.tictactoe.solver import best_actions, obs_bits


def result(**row: object) -> None:
    print("RESULT " + json.dumps(row))


# ----------------------------------------------------------------- tic-tac-toe
def strict_grade(agent: TabularQAgent) -> float:
    """The fraction of positions where *every* greedy tie is optimal (so no tie-break can
    pick a bad move); at most the grade."""
    disc, good = agent.discretiser, 0
    for row in range(disc.num_rows):
        obs = disc.observation(row)
        mine, theirs = obs_bits(obs)
        mask = np.array([not (mine | theirs) >> s & 1 for s in range(9)])
        q = agent.q_values(obs, mask)
        good += set(np.flatnonzero(q == q.max())) <= set(best_actions(mine, theirs))
    return good / max(disc.num_rows, 1)


def qarcade_tictactoe(seed: int, check_every: int, max_episodes: int) -> dict[str, float]:
    env = games.make("tictactoe")
    agent = TabularQAgent.for_env(env, seed=seed)
    trainer = Trainer(env, agent, seed=seed, episodes=agent.config.episodes)
    spent, grade = 0.0, 0.0
    while trainer.episodes < max_episodes:
        tic = time.perf_counter()
        trainer.run(episodes=check_every)
        spent += time.perf_counter() - tic
        grade = grade_tictactoe(agent).fraction
        if grade == 1.0:
            break
    return {
        "seconds": spent,
        "episodes": trainer.episodes,
        "grade": grade,
        "strict": strict_grade(agent),
        "episodes_per_s": trainer.episodes / spent,
    }


def openspiel_tictactoe(
    seed: int, check_every: int, max_episodes: int, max_seconds: float
) -> dict[str, float] | str:
    try:
        import pyspiel
        from open_spiel.python import rl_environment
        from open_spiel.python.algorithms import tabular_qlearner
    except ImportError as error:
        return f"not installed ({error.name})"

    np.random.seed(seed)  # QLearner draws from numpy's global generator
    env = rl_environment.Environment("tic_tac_toe")
    num_actions = env.action_spec()["num_actions"]
    learners = [tabular_qlearner.QLearner(player_id=i, num_actions=num_actions) for i in (0, 1)]
    game = pyspiel.load_game("tic_tac_toe")

    def policy(obs: np.ndarray, mask: np.ndarray) -> int:
        mine, theirs = obs_bits(obs)
        x_to_move = mine.bit_count() == theirs.bit_count()
        xs, os_ = (mine, theirs) if x_to_move else (theirs, mine)
        state = game.new_initial_state()
        x_moves = [s for s in range(9) if xs >> s & 1]
        o_moves = [s for s in range(9) if os_ >> s & 1]
        for i, x in enumerate(x_moves):
            state.apply_action(x)
            if i < len(o_moves):
                state.apply_action(o_moves[i])
        env.set_state(state)
        step = env.get_time_step()
        return learners[state.current_player()].step(step, is_evaluation=True).action

    spent, episodes, grade = 0.0, 0, 0.0
    while episodes < max_episodes and spent < max_seconds:
        tic = time.perf_counter()
        for _ in range(check_every):
            step = env.reset()
            while not step.last():
                player = step.observations["current_player"]
                step = env.step([learners[player].step(step).action])
            for learner in learners:
                learner.step(step)
        spent += time.perf_counter() - tic
        episodes += check_every
        grade = grade_tictactoe(policy).fraction
        if grade == 1.0:
            break
    return {
        "seconds": spent,
        "episodes": episodes,
        "grade": grade,
        "episodes_per_s": episodes / spent,
    }


def bench_tictactoe(args: argparse.Namespace) -> None:
    ours = qarcade_tictactoe(args.seed, args.check_every, args.max_episodes)
    anchor = openspiel_tictactoe(
        args.seed, args.openspiel_check_every, args.openspiel_episodes, args.openspiel_seconds
    )
    print("tic-tac-toe self-play, exact grade over 4,520 positions (training time only)")
    print(
        f"  qarcade tabular:      {ours['grade']:.2%} optimal (strict, every tie: "
        f"{ours['strict']:.2%}) after {ours['episodes']:,} games, {ours['seconds']:.2f} s, "
        f"{ours['episodes_per_s']:,.0f} games/s"
    )
    if isinstance(anchor, str):
        print(f"  OpenSpiel QLearner:   {anchor}")
        note = f"OpenSpiel {anchor}"
    else:
        print(
            f"  OpenSpiel QLearner:   {anchor['grade']:.2%} optimal after "
            f"{anchor['episodes']:,} games, {anchor['seconds']:.2f} s, "
            f"{anchor['episodes_per_s']:,.0f} games/s"
        )
        note = (
            f"OpenSpiel tabular_qlearner self-play: {anchor['grade']:.1%} optimal after "
            f"{anchor['episodes']:,} games in {anchor['seconds']:.1f} s"
        )
    verdict = "ok" if ours["grade"] == 1.0 and ours["seconds"] < 3.0 else "BELOW TARGET"
    print(f"  target: 100% in under 3 s: {verdict}")
    if ours["grade"] == 1.0:
        result(
            what="tic-tac-toe tabular self-play: time to 100% exact grade",
            ours=round(ours["seconds"], 3),
            unit="s",
            higher_is_better=False,
            target=3.0,
            note=f"{ours['episodes']:,} games; " + note,
        )
    else:
        result(
            what="tic-tac-toe tabular self-play: exact grade reached",
            ours=ours["grade"],
            unit="fraction",
            target=1.0,
            note=note,
        )
    result(
        what="tic-tac-toe tabular self-play training",
        ours=round(ours["episodes_per_s"], 1),
        unit="games/s",
        anchor=None if isinstance(anchor, str) else round(anchor["episodes_per_s"], 1),
        anchor_name="OpenSpiel tabular_qlearner (self-play)",
        target=1.0,
        note=note,
    )


# ----------------------------------------------------------------- gridworld
def numpy_frozen_lake(config: TabularConfig, episodes: int, seed: int) -> dict[str, float] | str:
    """Plain numpy Q-learning on Gymnasium FrozenLake-v1 (slippery), the loop people write."""
    try:
        import gymnasium
    except ImportError as error:
        return f"not installed ({error.name})"
    env = gymnasium.make("FrozenLake-v1", is_slippery=True)
    rng = np.random.default_rng(seed)
    n_states, n_actions = env.observation_space.n, env.action_space.n
    q = np.zeros((n_states, n_actions))
    steps = 0
    decay = max(1, int(config.exploration_fraction * episodes))
    tic = time.perf_counter()
    state, _ = env.reset(seed=seed)
    for episode in range(episodes):
        epsilon = max(
            config.end_e, config.start_e + (config.end_e - config.start_e) * episode / decay
        )
        done = False
        while not done:
            if rng.random() < epsilon:
                action = int(rng.integers(n_actions))
            else:
                best = np.flatnonzero(q[state] == q[state].max())
                action = int(best[rng.integers(len(best))])
            next_state, reward, terminated, truncated, _ = env.step(action)
            target = reward + (0.0 if terminated else config.gamma * q[next_state].max())
            q[state, action] += config.learning_rate * (target - q[state, action])
            state = next_state
            steps += 1
            done = terminated or truncated
        state, _ = env.reset()
    spent = time.perf_counter() - tic
    wins = 0
    for i in range(1000):
        state, _ = env.reset(seed=seed + 1 + i)
        done = False
        while not done:
            state, reward, terminated, truncated, _ = env.step(int(q[state].argmax()))
            done = terminated or truncated
        wins += reward > 0
    return {
        "episodes_per_s": episodes / spent,
        "steps_per_s": steps / spent,
        "success": wins / 1000,
    }


def train_lake(env: games.Env, config: TabularConfig, seed: int) -> dict[str, float]:
    """Train a table on ``env`` with ``config`` for its episodes; its speed and greedy
    success rate."""
    agent = TabularQAgent.for_env(env, config, seed=seed)
    trainer = Trainer(env, agent, seed=seed, episodes=config.episodes)
    tic = time.perf_counter()
    trainer.run()
    spent = time.perf_counter() - tic
    greedy = evaluate(env, agent, games=1000, seed=seed + 1)
    return {
        "episodes_per_s": trainer.episodes / spent,
        "steps_per_s": trainer.steps / spent,
        "success": greedy[0]["success"],
        "exact": greedy[1]["success"],
        "optimum": greedy[2]["success"],
    }


def bench_gridworld(args: argparse.Namespace) -> None:
    """The speed row compares the same algorithm: one sampled Q-learning update a move
    (the default's other settings, ``planning_steps=0``), as the numpy loop does. The
    default also plans 20 expected updates a move on a slippery map (docs/learners.md);
    its speed and success rate are the second row."""
    env = games.make("gridworld", map="lake4", slippery=True)
    config = TabularConfig.for_env(env)
    plain = TabularConfig.for_env(env, planning_steps=0)
    ours = train_lake(env, plain, args.seed)
    default = train_lake(env, config, args.seed)
    anchor = numpy_frozen_lake(plain, plain.episodes, args.seed)
    print(f"gridworld: slippery 4x4 lake, {config.episodes:,} episodes of training")
    for name, run in (
        ("sampled updates only", ours),
        (f"default (planning {config.planning_steps})", default),
    ):
        print(
            f"  qarcade tabular, {name}: {run['episodes_per_s']:,.0f} episodes/s, "
            f"{run['steps_per_s']:,.0f} steps/s; greedy success {run['success']:.1%} over "
            f"1,000 (exact {run['exact']:.1%}, optimum {run['optimum']:.1%})"
        )
    if isinstance(anchor, str):
        print(f"  numpy loop on FrozenLake: {anchor}")
    else:
        print(
            f"  numpy loop on FrozenLake: {anchor['episodes_per_s']:,.0f} episodes/s, "
            f"{anchor['steps_per_s']:,.0f} steps/s; greedy success {anchor['success']:.1%}"
        )
    verdict = "ok" if default["success"] >= 0.70 else "BELOW TARGET"
    print(f"  target: the default's greedy success >= 70%: {verdict}")
    result(
        what="gridworld tabular training, slippery lake4 (one sampled update a move, as the loop)",
        ours=round(ours["episodes_per_s"], 1),
        unit="episodes/s",
        anchor=None if isinstance(anchor, str) else round(anchor["episodes_per_s"], 1),
        anchor_name="numpy Q-learning loop on Gymnasium FrozenLake-v1",
        target=1.0,
        note=f"greedy success {ours['success']:.1%} (optimum {ours['optimum']:.1%})",
    )
    result(
        what="gridworld tabular, slippery lake4, defaults: greedy success rate",
        ours=round(default["success"], 4),
        unit="fraction",
        target=0.70,
        note=(
            f"over 1,000 episodes; exact optimum {default['optimum']:.3f}; planning "
            f"{config.planning_steps} expected updates a move: "
            f"{default['episodes_per_s']:,.0f} episodes/s"
        ),
    )


# ----------------------------------------------------------------- invaders
def bench_invaders(args: argparse.Namespace) -> None:
    env = games.make("invaders", **training_env_options("invaders", {}))
    agent = TabularQAgent.for_env(env, seed=args.seed)
    trainer = Trainer(env, agent, seed=args.seed, episodes=agent.config.episodes)
    tic = time.perf_counter()
    trainer.run()
    spent = time.perf_counter() - tic
    players: list[tuple[str, Callable[[], object]]] = [
        ("random", lambda: make_player("random", env.name, seed=args.seed)),
        ("scripted", lambda: make_player("scripted", env.name)),
        ("tabular", lambda: agent),
    ]
    scores = {
        name: mean_score(env, make(), games=args.invaders_games, seed=args.seed + 100)  # type: ignore[arg-type]
        for name, make in players
    }
    options = ", ".join(f"{k}={v}" for k, v in env.options.items() if v is not None)
    print(f"invaders ({options}), mean score over {args.invaders_games} games, same seeds")
    print(
        f"  tabular trained {trainer.episodes} episodes, {trainer.steps:,} steps in {spent:.1f} s"
    )
    for name, (mean, std) in scores.items():
        print(f"  {name:9s} {mean:8.1f} +- {std:.1f}")
    memory = agent.memory_report()
    print(f"  table: {memory['entries']:,} entries, {memory['bytes']:,} bytes")
    ratio = scores["tabular"][0] / max(scores["random"][0], 1e-9)
    print(f"  target: tabular >= 2x random: {ratio:.2f}x {'ok' if ratio >= 2 else 'BELOW TARGET'}")
    result(
        what="invaders coarse Q-table: mean score",
        ours=round(scores["tabular"][0], 1),
        unit="points",
        anchor=round(scores["random"][0], 1),
        anchor_name="random player, same env and seeds",
        target=2.0,
        note=(
            f"scripted player {scores['scripted'][0]:.0f}; table trained {trainer.episodes} "
            f"episodes in {spent:.0f} s; {memory['entries']:,} entries"
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check-every", type=int, default=500, help="qarcade games per grade")
    parser.add_argument("--max-episodes", type=int, default=100_000)
    parser.add_argument("--openspiel-check-every", type=int, default=10_000)
    parser.add_argument("--openspiel-episodes", type=int, default=100_000)
    parser.add_argument("--openspiel-seconds", type=float, default=60.0)
    parser.add_argument("--invaders-games", type=int, default=20)
    parser.add_argument("--only", choices=("tictactoe", "gridworld", "invaders"), action="append")
    args = parser.parse_args()
    parts = {"tictactoe": bench_tictactoe, "gridworld": bench_gridworld, "invaders": bench_invaders}
    for name in args.only or parts:
        parts[name](args)
        print()


if __name__ == "__main__":
    main()
