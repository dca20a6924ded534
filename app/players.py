"""Opponents for the window: which agents fit which game, and loading them.

Learners (tabular, DQN) come pretrained from ``assets/agents/<game>-<agent>.npz`` or
``.safetensors`` (for the gridworld, ``gridworld-<map>-<agent>`` is tried first, since a
Q-table belongs to one map). The fixed players (minimax, scripted, random) are built in.
A missing or broken checkpoint never stops the app: :func:`load_or_fallback` says what
went wrong and plays the game's built-in opponent instead.

Learn mode keeps each run it trains in the user's data folder (:mod:`app.learn_runs`):
the agent, and its *difficulty ladder*, snapshots taken after
:data:`~app.learn_runs.MILESTONES` games. A rung plays as the agent name
``"<kind>@<games>"`` (``"tabular@1000"``: the tabular agent of the newest run after 1,000
games of Learn), or ``"<kind>@<games>@<run>"`` for the ladder of another run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.app.learn_runs import MILESTONES, find_run, list_runs
from qarcade.assets import asset_dir
from qarcade.games.core import Env, GameError, OptionError
from qarcade.games.userdata import agent_file_stem, user_agents_dir

#: The pretrained agents (``assets/agents/``).
AGENTS_DIR = asset_dir("agents")
#: How fast the agent walks in a race to a goal (the gridworld), in steps a second, at
#: each pace a person can pick (the speed choices); the person moves as fast as they press.
RACE_PACES: dict[str, float] = {"slow": 2, "normal": 4, "fast": 8, "max": 15}
#: Loaded checkpoints, so going back and forth in the menu does not re-read files.
_CACHE: dict[Path, tuple[Agent, dict[str, Any]]] = {}


@dataclass
class Opponent:
    """An agent ready to play, and the env options it needs.

    Attributes:
        kind: ``"tabular"``, ``"dqn"``, ``"minimax"``, ``"random"`` or ``"scripted"``.
        agent: the agent.
        game_options: the options of the env this agent was trained with (its
            checkpoint's); empty for agents that play any variant. The window shows the
            game made with :meth:`games.core.Env.shown_options` of them, and the agent
            plays it through a :class:`PacedAgent`.
        source: where it came from, for the HUD ("assets/agents/..." or "built in").
    """

    kind: str
    agent: Agent
    game_options: dict[str, Any] = field(default_factory=dict)
    source: str = "built in"


class PacedAgent:
    """An agent playing, or giving hints on, the game a person is shown, at the pace and
    with the eyes it trained with.

    The shown env runs the game's own pace (Invaders: a tick a step, a step a frame). An
    agent trained on other options (:attr:`~games.core.Env.training_options`) has a
    *follower*, an env made with those options, which takes on the shown position every
    :attr:`~games.core.Env.ticks_per_step` of its steps (:meth:`~games.core.Env.follow`);
    the agent decides from what the follower observes there and holds that action in
    between: the same ticks, the same actions and the same observations as in training
    and in ``eval``. An agent trained on the shown game itself looks at it directly.

    Args:
        agent: the agent.
        shown: the env the person sees.
        follower: an env made with the agent's training options, or None when they are
            the shown game's.
    """

    def __init__(self, agent: Agent, shown: Env, follower: Env | None = None) -> None:
        self.agent = agent
        self.shown = shown
        self.follower = follower
        #: What the agent observes: the follower, or the shown env itself.
        self.eyes = follower if follower is not None else shown
        self.every = self.eyes.ticks_per_step
        self._steps = 0
        self._action: int | None = None

    def reset(self) -> None:
        """The shown env has just been reset (or restored): look at it afresh."""
        self._look()
        self._steps = 0

    def after_step(self) -> bool:
        """Called after every step of the shown env, whoever made it; True when the agent
        has looked again (every :attr:`every` steps), its observation and Q-values new."""
        self._steps += 1
        if self._steps % self.every:
            return False
        self._look()
        return True

    def _look(self) -> None:
        if self.follower is not None:
            self.follower.follow(self.shown)
        self._action = None

    def action(self) -> int:
        """The agent's action for the shown env's next step: a fresh greedy decision when
        it has looked again since its last, else the one it holds."""
        if self._action is None:
            eyes = self.eyes
            self._action = self.agent.act(eyes.observe(), eyes.action_mask(), explore=False)
        return self._action

    def q_values(self) -> np.ndarray | None:
        """The agent's Q-values for what it sees now (None if it has none)."""
        return self.agent.q_values(self.eyes.observe(), self.eyes.action_mask())


def pace(
    game: str, opponent: Opponent | None, options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The options of the game shown with ``opponent`` (the person's ``options`` with the
    agent's game on top, every training-only option left out) and of the follower env of
    its :class:`PacedAgent` (the options it trained with)."""
    trained = {**options, **(opponent.game_options if opponent else {})}
    return games.env_class(game).shown_options(trained), trained


def checkpoint_candidates(game: str, kind: str, options: dict[str, Any]) -> list[Path]:
    """The files a pretrained ``kind`` agent for ``game`` may be in, in order of
    preference: one for the map asked for before one for any map, and the person's own
    (:func:`~games.userdata.user_agents_dir`, where a sweep installs its best) before the
    shipped one."""
    stems = list(dict.fromkeys([agent_file_stem(game, kind, options), f"{game}-{kind}"]))
    return [
        folder / f"{stem}{suffix}"
        for stem in stems
        for folder in (user_agents_dir(), AGENTS_DIR)
        for suffix in (".npz", ".safetensors")
    ]


def load_opponent(game: str, kind: str, options: dict[str, Any] | None = None) -> Opponent:
    """Build or load the ``kind`` agent for ``game``.

    ``options`` are the env options the person asked for (e.g. ``{"map": "maze"}``); a
    checkpoint trained on a different map is refused, since its table would not fit.
    ``kind`` may name a rung of Learn's ladder, ``"tabular@1000"`` (see the module doc).
    Raises :class:`GameError` with a message for the person when the agent does not fit
    the game or its file is missing or broken.
    """
    options = dict(options or {})
    base, at, rung = kind.partition("@")
    fits = kinds.kinds_for(game)
    if at and base in fits:
        return _load_rung(game, base, rung, options)
    if kind not in fits:
        raise OptionError(f"{kind!r} cannot play {game}; choose one of: {', '.join(fits)}")
    if kind not in kinds.LEARNERS:
        return Opponent(kind, kinds.make_player(kind, game))
    from qarcade.agents.checkpoints import load_agent

    candidates = checkpoint_candidates(game, kind, options)
    for path in candidates:
        if path.is_file():
            break
    else:
        raise GameError(
            f"no pretrained {kind} agent for {game} (looked for "
            f"{', '.join(_shown(p) for p in candidates)}); "
            "train one with the command in assets/agents/README.md"
        )
    if path not in _CACHE:
        from qarcade.agents.checkpoints import read_metadata

        agent = load_agent(path, game=game, kind=kind)
        _CACHE[path] = (agent, read_metadata(path))
    agent, meta = _CACHE[path]
    game_options = dict(meta.get("game_options") or {})
    wanted_map = options.get("map")
    if wanted_map is not None and game_options.get("map") != wanted_map:
        raise GameError(
            f"the pretrained {kind} agent ({path.name}) was trained on map "
            f"{game_options.get('map')!r}, not {wanted_map!r}; pick that map, or train one "
            f"for {wanted_map!r}"
        )
    return Opponent(kind, agent, game_options, _shown(path))


def load_or_fallback(
    game: str, kind: str, options: dict[str, Any] | None = None
) -> tuple[Opponent, str | None]:
    """:func:`load_opponent`, or the game's built-in player if that fails.

    Returns the opponent and, when it fell back, a message for the person saying why.
    """
    try:
        return load_opponent(game, kind, options), None
    except GameError as error:
        fallback = games.spec(game).fallback
        if fallback == kind or "@" in kind:  # a rung was asked for by name: say it is not there
            raise
        message = f"{error} — playing {fallback} instead"
        return load_opponent(game, fallback, options), message


# ----------------------------------------------------------------- Learn's ladder
def ladder(
    game: str, kind: str, options: dict[str, Any] | None = None, run: str | None = None
) -> list[int]:
    """The milestones (games) with a ladder snapshot in the Learn run named ``run`` (the
    newest when None) of this learner (and map); empty when there is no such run."""
    try:
        return find_run(game, kind, options, run).ladder()
    except GameError:
        return []


def missing_rung(
    game: str, kind: str, options: dict[str, Any] | None, games: int, run: str | None = None
) -> str:
    """Why there is no ``kind`` agent after ``games`` games of Learn: the rungs the run
    (the newest when ``run`` is None) has saved, or that Learn has saved none yet."""
    saved = ladder(game, kind, options, run)
    map_ref = (options or {}).get("map")
    what = f"{game} on {Path(map_ref).stem}" if isinstance(map_ref, str) else game
    if saved:
        rungs = " or ".join(f"--after {n}" for n in saved)
        which = f"its run {run}" if run else "its newest run"
        return (
            f"no {kind} agent after {games:,} games of {what}; Learn has saved in {which}: {rungs}"
        )
    every = ", ".join(f"{n:,}" for n in MILESTONES)
    return (
        f"no {kind} agent after {games:,} games of {what}: Learn has saved none yet "
        f"(it keeps one after {every} games; `python main.py learn {game} --agent {kind}`)"
    )


def _load_rung(game: str, kind: str, rung: str, options: dict[str, Any]) -> Opponent:
    """The ``kind`` learner a Learn run saved after ``rung`` games: ``"1000"`` (the newest
    run) or ``"1000@<run>"``."""
    games_played, _, run_name = rung.partition("@")
    if kind not in kinds.LEARNERS or not games_played.isdigit():
        learners = " or ".join(f"{name}@N" for name in kinds.LEARNERS)
        raise OptionError(
            f"{kind}@{rung} is not an agent; a ladder agent is {learners} with N "
            f"one of {', '.join(map(str, MILESTONES))}"
        )
    # A run named and not there is an error listing the runs; no run at all, or a rung
    # the run lacks, an error listing the rungs saved.
    run = find_run(game, kind, options, run_name) if run_name else None
    if run is None and list_runs(game, kind, options):
        run = find_run(game, kind, options)
    path = run.rung_path(int(games_played)) if run is not None else None
    if path is None or not path.is_file():
        raise OptionError(missing_rung(game, kind, options, int(games_played), run_name or None))
    from qarcade.agents.checkpoints import load_agent, read_metadata

    agent = load_agent(path, game=game, kind=kind)
    game_options = dict(read_metadata(path).get("game_options") or {})
    return Opponent(f"{kind}@{games_played}", agent, game_options, _shown(path))


def _shown(path: Path) -> str:
    """A pretrained agent by its file name (shorter messages); any other file in full."""
    return f"assets/agents/{path.name}" if path.parent == AGENTS_DIR else str(path)
