"""Learn mode's runs: every agent Learn trains is a person's work, kept in its own folder.

    <data dir>/learn/<game>[-<map>]-<kind>/<run>/agent.npz              the agent, autosaved
    <data dir>/learn/<game>[-<map>]-<kind>/<run>/after-100-games.npz    its difficulty ladder

A run is named by the local time it began (``2026-11-30_041512``). Starting from nothing
(or pressing Reset) begins a new run and leaves every earlier one as it was; continuing a
run saves into its own folder. The menu lists the runs with their game counts and dates,
and Versus plays the ladder of the run it is given (the newest by default).

Earlier versions kept one agent (and its ladder) directly in the ``<game>-<kind>`` folder;
such an agent is listed as a run too (named :data:`EARLIER`), so nothing saved is lost.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qarcade.games.core import GameError
from qarcade.games.userdata import user_data_dir

#: Games (episodes) of Learn after which a snapshot joins the run's difficulty ladder.
MILESTONES: tuple[int, ...] = (100, 1_000, 10_000)
#: The name a run saved by an earlier version (straight in the learner's folder) goes by.
EARLIER = "earlier"
#: The checkpoint suffix of each learner.
SUFFIXES: dict[str, str] = {"tabular": ".npz", "dqn": ".safetensors"}
#: Each agent file's summary, read once per version of the file (its mtime and size):
#: one entry per file, so the cache grows with the runs, not with their saves.
_SUMMARIES: dict[Path, tuple[tuple[int, int], RunSummary]] = {}


@dataclass(frozen=True)
class RunSummary:
    """What the menu says of a run: games and steps learnt, and when it was saved."""

    games: int
    steps: int
    saved: datetime.datetime


@dataclass(frozen=True)
class LearnRun:
    """One run of Learn: a folder holding one agent and its ladder.

    Attributes:
        folder: the run's folder (it exists once the run has saved).
        kind: the learner, ``"tabular"`` or ``"dqn"``.
    """

    folder: Path
    kind: str

    @property
    def name(self) -> str:
        """How the command line and the menu name the run."""
        if self.folder.name.endswith(f"-{self.kind}"):
            return EARLIER
        return self.folder.name

    @property
    def agent_path(self) -> Path:
        """Where the run's agent is saved."""
        return self.folder / f"agent{SUFFIXES[self.kind]}"

    def rung_path(self, games: int) -> Path:
        """The ladder snapshot of this run after ``games`` games."""
        return self.folder / f"after-{games}-games{SUFFIXES[self.kind]}"

    def ladder(self) -> list[int]:
        """The milestones (games) this run has a snapshot of."""
        return [n for n in MILESTONES if self.rung_path(n).is_file()]

    def summary(self) -> RunSummary | None:
        """Games, steps and save time from the run's checkpoint; None when it has none
        or it cannot be read (the menu then leaves the run out)."""
        from qarcade.agents.checkpoints import read_metadata

        try:
            stat = self.agent_path.stat()
        except OSError:
            return None
        version = (stat.st_mtime_ns, stat.st_size)
        cached = _SUMMARIES.get(self.agent_path)
        if cached is None or cached[0] != version:
            try:
                meta = read_metadata(self.agent_path)
            except GameError:
                return None
            try:
                saved = datetime.datetime.fromisoformat(str(meta.get("created")))
            except ValueError:
                saved = datetime.datetime.fromtimestamp(stat.st_mtime, datetime.timezone.utc)
            summary = RunSummary(int(meta["episodes"]), int(meta["steps"]), saved)
            _SUMMARIES[self.agent_path] = (version, summary)
        return _SUMMARIES[self.agent_path][1]

    def label(self) -> str:
        """``85,042 games · 30 Nov 04:15`` (local time), as the menu shows the run."""
        summary = self.summary()
        if summary is None:
            return self.name
        when = summary.saved.astimezone().strftime("%d %b %H:%M").lstrip("0")
        return f"{summary.games:,} games · {when}"


def learner_folder(game: str, kind: str, options: dict[str, Any] | None = None) -> Path:
    """The folder of every run of a ``kind`` learner of ``game``: one per game, map (a
    table belongs to one map) and learner."""
    stem = f"{game}-{kind}"
    map_ref = (options or {}).get("map")
    if isinstance(map_ref, str):
        stem = f"{game}-{Path(map_ref).stem}-{kind}"
    return user_data_dir() / "learn" / stem


def list_runs(game: str, kind: str, options: dict[str, Any] | None = None) -> list[LearnRun]:
    """The runs with a saved agent, newest first (by when the agent was last saved)."""
    parent = learner_folder(game, kind, options)
    found = [LearnRun(parent, kind)] if LearnRun(parent, kind).agent_path.is_file() else []
    try:
        folders = [p for p in parent.iterdir() if p.is_dir()]
    except OSError:
        folders = []
    found += [run for run in (LearnRun(p, kind) for p in folders) if run.agent_path.is_file()]

    def saved_at(run: LearnRun) -> float:
        try:
            return run.agent_path.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(found, key=saved_at, reverse=True)


def find_run(
    game: str, kind: str, options: dict[str, Any] | None = None, name: str | None = None
) -> LearnRun:
    """The run called ``name`` (the newest when None). Raises :class:`GameError` naming
    the runs there are when it is not found."""
    runs = list_runs(game, kind, options)
    where = learner_folder(game, kind, options)
    if not runs:
        raise GameError(f"Learn has no saved {kind} agent for {game} in {where}")
    if name is None:
        return runs[0]
    for run in runs:
        if run.name == name:
            return run
    listed = ", ".join(f"{run.name} ({run.label()})" for run in runs)
    raise GameError(f"no Learn run {name!r} of the {kind} learner for {game}; there are: {listed}")


def new_run(game: str, kind: str, options: dict[str, Any] | None = None) -> LearnRun:
    """A new, empty run folder, named by the local time (a suffix if that name is taken)."""
    parent = learner_folder(game, kind, options)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    for n in range(1, 1000):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return LearnRun(folder, kind)
    raise GameError(f"{parent}: cannot make a new run folder there (1,000 named {stamp})")
