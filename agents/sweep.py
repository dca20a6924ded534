"""Seed and setting sweeps on Ray Tune: ``python main.py sweep``.

    python main.py sweep tictactoe --grid-set learning_rate=0.2,0.5 --seeds 4 --episodes 3000
    python main.py sweep gridworld --map maze --search-set alpha=loguniform:0.05:1 --samples 4
    python main.py sweep --resume runs/sweeps/tictactoe-tabular
    python main.py sweep gridworld --grid-option map=maze,cliff --seeds 3 --address auto

A sweep is a list of *settings* (agent settings, ``--set``, and game options,
``--option``: every combination of the ``--grid-*`` values, times ``--samples`` draws of
the ``--search-*`` distributions) and a list of seeds; every (setting, seed) pair is one
Ray Tune trial. A trial is a ``train`` run: the same :class:`~agents.training.Trainer`
built by :func:`~agents.commands.new_trainer`, the same metrics.csv rows, the same
checkpoint file, which it hands to Ray's checkpointing inside a checkpoint folder
``--reports`` times (default 20) over its budget. Ray restores an interrupted sweep from there
(``--resume``): finished trials are kept, unfinished ones go on from their last
checkpoint with :func:`~agents.training.resume`.

Each trial's *score* is the game's exact progress score where it has one
(:func:`~agents.evaluation.progress_score`: tic-tac-toe's grade, the gridworld's greedy
return), else the mean return of its last 100 training episodes; :func:`run_sweep` takes
another scoring function (the generalization benchmark scores on maps a trial never saw).

At the end the sweep folder holds ``summary.csv`` (per setting: mean, interquartile mean
and a 95% bootstrap confidence interval of the IQM over seeds, Agarwal et al. 2021),
``curves.png`` (every setting's score against training, mean with a 95% bootstrap band),
``trials.csv``, ``best/`` (the best setting's best seed) and ``starts.jsonl`` (every time
a trial started or was restored, written by the driver). The best checkpoint is also
copied into the person's agents folder (:func:`~games.userdata.user_agents_dir`), where
``versus``, ``watch`` and the menu look before the shipped agents.

This module needs Ray Tune and SciPy (``pip install -e ".[scale]"``); the command line
imports it only when a sweep runs (:mod:`agents.sweep_command`).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import ray
from ray import tune

from qarcade.games.core import Env, GameError, OptionError

if TYPE_CHECKING:
    from qarcade.agents.base import Agent

#: The distributions ``--search-set``/``--search-option`` take, as Ray Tune's samplers.
DISTRIBUTIONS = ("uniform", "loguniform", "randint", "choice")

#: A trial's score of a trained agent on (a fresh copy of) its training env.
ScoreFn = Callable[["Agent", Env], float]


class SweepError(GameError):
    """A sweep that cannot run or continue: the message says why and what to do."""


# ----------------------------------------------------------------- what to run
@dataclasses.dataclass(frozen=True)
class Setting:
    """One point of the sweep: agent settings and game options on top of the fixed ones."""

    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def label(self) -> str:
        """``"learning_rate=0.5 map=maze"``, or ``"defaults"``."""
        parts = [f"{k}={_short(v)}" for k, v in {**self.settings, **self.options}.items()]
        return " ".join(parts) or "defaults"

    def to_json(self) -> dict[str, Any]:
        return {"settings": self.settings, "options": self.options}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Setting:
        return cls(dict(data["settings"]), dict(data["options"]))


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """Everything a sweep trains, JSON-able (it is saved as ``sweep.json``).

    Attributes:
        game, agent: what every trial trains (agent: ``tabular`` or ``dqn``).
        seeds: the seeds every setting is trained with.
        options, settings: game options and agent settings common to every trial.
        grid: ``{"settings": {key: [values]}, "options": {key: [values]}}``; every
            combination is a setting.
        search: the same shape with a distribution ``[name, *args]`` per key (see
            :data:`DISTRIBUTIONS`); each of ``samples`` draws is a setting per grid point.
        samples: draws of the ``search`` distributions (1 without a search).
        search_seed: seeds the draws, so a sweep's settings can be listed again.
        episodes, steps: each trial's budget (default: the agent config's, as ``train``).
        vs: two-player games: ``self`` (self-play), ``random`` or ``minimax``.
        device: dqn: ``auto``, ``cpu`` or ``cuda``.
        reports: reports (each with a checkpoint) per trial, at equal fractions of its
            budget: the points of the learning curves, and where an interrupted trial
            resumes from.
    """

    game: str
    agent: str = "tabular"
    seeds: tuple[int, ...] = (0,)
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    grid: dict[str, dict[str, list[Any]]] = dataclasses.field(default_factory=dict)
    search: dict[str, dict[str, list[Any]]] = dataclasses.field(default_factory=dict)
    samples: int = 1
    search_seed: int = 0
    episodes: int | None = None
    steps: int | None = None
    vs: str = "self"
    device: str | None = None
    reports: int = 20

    def points(self) -> list[Setting]:
        """The sweep's settings, in a fixed order: grid combinations, each with every
        draw of the search (drawn with ``search_seed``)."""
        axes = [
            (part, key, values)
            for part in ("settings", "options")
            for key, values in self.grid.get(part, {}).items()
        ]
        searched = [
            (part, key, _distribution(key, spec))
            for part in ("settings", "options")
            for key, spec in self.search.get(part, {}).items()
        ]
        rng = np.random.RandomState(self.search_seed)
        points = []
        for combination in itertools.product(*(values for _, _, values in axes)):
            for _ in range(self.samples if searched else 1):
                point: dict[str, dict[str, Any]] = {"settings": {}, "options": {}}
                for (part, key, _), value in zip(axes, combination, strict=True):
                    point[part][key] = value
                for part, key, domain in searched:
                    point[part][key] = _plain(domain.sample(random_state=rng))
                points.append(Setting(point["settings"], point["options"]))
        return points

    def trainer(self, setting: Setting, seed: int) -> Any:
        """The trainer of one trial, as ``train`` builds it."""
        from qarcade.agents.commands import new_trainer

        return new_trainer(
            self.game,
            self.agent,
            options={**self.options, **setting.options},
            overrides={**self.settings, **setting.settings},
            seed=seed,
            vs=self.vs,
            episodes=self.episodes,
            steps=self.steps,
            device=self.device,
        )

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "seeds": list(self.seeds)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SweepSpec:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown or "game" not in data:
            raise ValueError(f"not a sweep description (fields {', '.join(unknown) or 'game'})")
        return cls(**{**data, "seeds": tuple(data.get("seeds", (0,)))})


def _distribution(key: str, spec: Sequence[Any]) -> Any:
    """Ray Tune's sampler for ``[name, *args]``."""
    name, *params = spec
    if name not in DISTRIBUTIONS:
        raise OptionError(
            f"search {key}: unknown distribution {name!r}; choose one of {', '.join(DISTRIBUTIONS)}"
        )
    if name == "choice":
        return tune.choice(params)
    if len(params) != 2:
        raise OptionError(f"search {key}: {name} takes a low and a high bound, e.g. {name}:0.1:1")
    try:
        return getattr(tune, name)(*params)
    except (TypeError, ValueError) as error:
        raise OptionError(f"search {key}: {name}{tuple(params)}: {error}") from None


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it is (settings go into JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str) and os.sep in value:
        return Path(value).stem
    return json.dumps(value) if not isinstance(value, str) else value


# ----------------------------------------------------------------- one trial
#: Files a trial's checkpoint folder holds besides the agent.
_CURVE, _METRICS, _TRIAL = "curve.json", "metrics.csv", "trial.json"


def score_label(spec: SweepSpec, score: ScoreFn | None = None) -> str:
    """What a trial's score measures."""
    if score is not None:
        return getattr(score, "label", getattr(score, "__name__", "score"))
    from qarcade import games
    from qarcade.agents import evaluation

    scorer = evaluation.progress_score(games.make(spec.game, **spec.options))
    return scorer[0] if scorer else "mean return, last 100 training episodes"


def run_trial(config: dict[str, Any], score: ScoreFn | None = None) -> None:
    """Ray Tune's function trainable: one ``train`` run of ``config["setting"]`` with
    ``config["seed"]``, continued from Ray's checkpoint when the trial is restored.

    ``spec.reports`` times over its budget (at the end of an episode, so the checkpoint
    resumes exactly) it reports ``score``, ``episodes``, ``steps``, ``done`` and the Ray
    ``node`` it runs on, with a checkpoint folder holding the agent's checkpoint,
    metrics.csv and the score curve so far.
    """
    from qarcade.agents.commands import EpisodeRecorder, one_thread_on_cpu
    from qarcade.agents.evaluation import progress_score
    from qarcade.agents.plotting import read_csv, write_csv
    from qarcade.agents.training import resume

    spec = SweepSpec.from_json(config["spec"])
    setting, seed = Setting.from_json(config["setting"]), int(config["seed"])
    restored = tune.get_checkpoint()
    if restored is None:
        trainer = spec.trainer(setting, seed)
        rows: list[dict[str, Any]] = []
        curve: list[dict[str, Any]] = []
    else:
        with restored.as_directory() as folder:
            saved = next(p for p in Path(folder).iterdir() if p.stem == "agent")
            trainer = resume(saved, game=spec.game).trainer
            rows = read_csv(Path(folder) / _METRICS, trainer.episodes)
            curve = json.loads((Path(folder) / _CURVE).read_text())
    agent = trainer.agent
    one_thread_on_cpu(agent)
    recorder = EpisodeRecorder(trainer, rows)
    scorer = progress_score(trainer.env)
    by_episodes = trainer.total_episodes is not None
    total = trainer.total_episodes if by_episodes else trainer.total_steps

    def done() -> int:
        return trainer.episodes if by_episodes else trainer.steps

    def current_score() -> float:
        if score is not None:
            return float(score(agent, trainer.env))
        if scorer is not None:
            # The recorder has just scored this episode when the marks meet: scoring
            # again would cost time, and greedy ties may draw on the agent's generator,
            # so the trial would drift from the train run it is.
            if rows and rows[-1]["episode"] == trainer.episodes and "eval" in rows[-1]:
                return float(rows[-1]["eval"])
            return float(scorer[1](agent))
        return trainer.metrics.mean_return()

    def report() -> None:
        point = {
            "episodes": trainer.episodes,
            "steps": trainer.steps,
            "score": current_score(),
            "done": done() >= total,
        }
        curve.append(point)
        where = {"node": ray.get_runtime_context().get_node_id()}
        with tempfile.TemporaryDirectory(prefix="qarcade-trial-") as folder:
            agent.save(
                str(Path(folder) / f"agent{agent.checkpoint_suffix}"),
                training=trainer.state_dict(),
            )
            write_csv(Path(folder) / _METRICS, rows)
            (Path(folder) / _CURVE).write_text(json.dumps(curve))
            trial = {"setting": setting.to_json(), "seed": seed, "game": spec.game}
            (Path(folder) / _TRIAL).write_text(json.dumps(trial))
            tune.report({**point, **where}, checkpoint=tune.Checkpoint.from_directory(folder))

    next_mark = math.floor(done() * spec.reports / total) + 1

    def on_episode(trainer: Any, stats: Any) -> None:
        nonlocal next_mark
        recorder(trainer, stats)
        if done() * spec.reports >= next_mark * total and done() < total:
            next_mark = math.floor(done() * spec.reports / total) + 1
            report()

    trainer.callbacks.append(on_episode)
    if done() >= total:  # restored from its final checkpoint: nothing left to train
        report()
        return
    if by_episodes:
        trainer.run()
    else:
        while trainer.steps < total:
            trainer.step()
    report()


# ----------------------------------------------------------------- the sweep
@dataclasses.dataclass
class TrialResult:
    """One finished trial: its setting (by index), seed, final score, score curve
    (``[{"episodes", "steps", "score", "done"}, ...]``) and checkpoint file."""

    setting: int
    seed: int
    score: float
    curve: list[dict[str, Any]]
    checkpoint: Path
    trial_id: str


@dataclasses.dataclass
class SweepResult:
    """What :func:`run_sweep` returns: the settings, the finished trials, what failed."""

    spec: SweepSpec
    settings: list[Setting]
    trials: list[TrialResult]
    errors: list[str]
    score_label: str
    folder: Path


def run_sweep(
    spec: SweepSpec,
    folder: str | os.PathLike[str],
    *,
    resume: bool = False,
    address: str | None = None,
    max_concurrent: int | None = None,
    resources: dict[str, float] | None = None,
    score: ScoreFn | None = None,
    live: bool = True,
) -> SweepResult:
    """Run (or, with ``resume``, continue) the sweep ``spec`` with Ray Tune, its state
    and checkpoints in ``folder``.

    Args:
        spec: what to train.
        folder: the sweep's folder (Ray's experiment folder). A new sweep needs one that
            holds no sweep yet; ``resume`` needs the one an interrupted sweep left.
        address: a Ray cluster (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``);
            None starts a local Ray on every core (or uses the one this process already
            started).
        max_concurrent: at most this many trials at a time (default: as many as the
            resources allow).
        resources: what one trial takes, Ray's names (default ``{"cpu": 1}``); a custom
            resource pins trials to the nodes that offer it.
        score: scores a trained agent instead of the default (see the module doc); an
            attribute ``label`` names it in the table. It must be importable by Ray's
            workers (a module-level function).
        live: print the live view (trials done, running, best so far) on stderr.

    The generalization benchmark's pool (maps x seeds) is a sweep over
    ``grid={"options": {"map": maps}}`` with ``seeds``; its ``score`` plays held-out maps.
    """
    folder = Path(folder).resolve()
    state = folder / "sweep.json"
    if resume:
        if not tune.Tuner.can_restore(str(folder)):
            raise SweepError(
                f"{folder} holds no sweep to resume; start one with python main.py sweep GAME"
            )
    elif state.exists():
        raise SweepError(
            f"{folder} already holds a sweep; continue it with python main.py sweep --resume "
            f"{folder}, or give another --out"
        )
    settings = spec.points()
    if not resume:
        _check(spec, settings)
        folder.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(spec.to_json(), indent=2))
    label = score_label(spec, score)
    started_ray = start_ray(address)
    try:
        trainable = tune.with_resources(
            tune.with_parameters(run_trial, score=score), resources or {"cpu": 1}
        )
        callbacks: list[tune.Callback] = [_StartLog(folder / "starts.jsonl", settings)]
        if live:
            callbacks.append(_LiveView(settings, label, len(settings) * len(spec.seeds)))
        if resume:
            tuner = tune.Tuner.restore(
                str(folder), trainable, resume_unfinished=True, resume_errored=True
            )
            # Ray restores the callbacks pickled with the sweep; give this run's instead (a
            # live view or none, the start log where the folder is now). Tuner has no
            # public setter; through Ray Client there is no local tuner and the saved
            # callbacks run.
            local = getattr(tuner, "_local_tuner", None)
            if local is not None:
                local.get_run_config().callbacks = callbacks
        else:
            param_space = {
                "spec": spec.to_json(),
                "setting": tune.grid_search([s.to_json() for s in settings]),
                "seed": tune.grid_search(list(spec.seeds)),
            }
            tuner = tune.Tuner(
                trainable,
                param_space=param_space,
                tune_config=tune.TuneConfig(
                    max_concurrent_trials=max_concurrent,
                    # A new worker process per trial costs seconds of start-up and imports.
                    reuse_actors=True,
                    trial_dirname_creator=_trial_folder(settings),
                ),
                run_config=tune.RunConfig(
                    name=folder.name,
                    storage_path=str(folder.parent),
                    verbose=0,
                    callbacks=callbacks,
                    # Every checkpoint is kept: Ray's saved state may name one a little
                    # older than the newest, and a deleted one could not be resumed from.
                    checkpoint_config=tune.CheckpointConfig(num_to_keep=None),
                ),
            )
        grid = tuner.fit()
    finally:
        if started_ray:
            ray.shutdown()
    return _collect(spec, settings, grid, label, folder)


def run_pool(
    fn: Callable[[Any], Any],
    tasks: Iterable[Any],
    *,
    address: str | None = None,
    cpus_per_task: float = 1.0,
) -> Iterator[Any]:
    """``fn(task)`` for every task on the sweeps' Ray (local on every core, or the
    cluster at ``address``), yielded in the order of ``tasks``: a drop-in for
    ``ProcessPoolExecutor.map`` for benchmarks whose runs are not ``train`` runs (the
    generalization benchmark grades and stops each run its own way). ``fn`` and the tasks
    must pickle (a function in a script's ``__main__`` pickles by value)."""
    started = start_ray(address)
    try:
        remote = ray.remote(num_cpus=cpus_per_task)(fn)
        refs = [remote.remote(task) for task in tasks]
        for ref in refs:
            yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()


def _check(spec: SweepSpec, settings: list[Setting]) -> None:
    """Build every setting's trainer once, so a typo fails now, in one line, not in a
    trial on another machine."""
    if not spec.seeds:
        raise OptionError("a sweep needs at least one seed")
    for setting in settings:
        try:
            spec.trainer(setting, spec.seeds[0])
        except GameError as error:
            raise OptionError(f"setting {setting.label}: {error}") from None


def start_ray(address: str | None) -> bool:
    """Connect to ``address`` or start a local Ray; True when this call started it. The
    workers import qarcade from where this process did (a checkout or an install)."""
    import logging

    if ray.is_initialized():
        return False
    package = sys.modules[__name__.partition(".")[0]]
    root = str(Path(str(package.__file__)).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    ray.init(
        # "local": a Ray of our own even where a cluster runs on this machine.
        address=address or "local",
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    return True


def _trial_folder(settings: list[Setting]) -> Callable[[Any], str]:
    index = {json.dumps(s.to_json(), sort_keys=True): i for i, s in enumerate(settings)}

    def name(trial: Any) -> str:
        key = json.dumps(trial.config["setting"], sort_keys=True)
        return f"setting{index.get(key, 0)}-seed{trial.config['seed']}-{trial.trial_id}"

    return name


def _setting_index(settings: list[Setting], config: dict[str, Any]) -> int:
    key = json.dumps(config["setting"], sort_keys=True)
    for i, setting in enumerate(settings):
        if json.dumps(setting.to_json(), sort_keys=True) == key:
            return i
    raise SweepError(f"a trial's setting {key} is not one of the sweep's")


def _collect(
    spec: SweepSpec, settings: list[Setting], grid: Any, label: str, folder: Path
) -> SweepResult:
    """The finished trials of Ray's result grid, each read from its last checkpoint."""
    trials, errors = [], []
    for result in grid:
        config = result.config
        name = f"setting {_setting_index(settings, config)} seed {config['seed']}"
        if result.error is not None:
            errors.append(f"{name}: {str(result.error).strip().splitlines()[-1]}")
            continue
        if result.checkpoint is None:
            errors.append(f"{name}: no checkpoint")
            continue
        checkpoint_folder = Path(result.checkpoint.path)
        curve = json.loads((checkpoint_folder / _CURVE).read_text())
        if not curve or not curve[-1]["done"]:
            errors.append(f"{name}: did not finish")
            continue
        agent_file = next(p for p in checkpoint_folder.iterdir() if p.stem == "agent")
        trials.append(
            TrialResult(
                setting=_setting_index(settings, config),
                seed=int(config["seed"]),
                score=float(curve[-1]["score"]),
                curve=curve,
                checkpoint=agent_file,
                trial_id=str(result.metrics.get("trial_id", "")),
            )
        )
    trials.sort(key=lambda t: (t.setting, t.seed))
    return SweepResult(spec, settings, trials, errors, label, folder)


# ----------------------------------------------------------------- live view
class _LiveView(tune.Callback):
    """One status line on stderr whenever a trial starts or ends, and every few seconds
    while results come in: trials done and running, and the best score so far (the best
    of every trial's latest score: a finished trial's final one, a running trial's
    newest, which may still fall)."""

    def __init__(
        self, settings: list[Setting], label: str, total: int, every_s: float = 5.0
    ) -> None:
        self.settings, self.label, self.total, self.every_s = settings, label, total, every_s
        self._started = time.monotonic()
        self._shown = 0.0
        self._scores: dict[str, tuple[float, str]] = {}

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._show(trials, force=True)

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        if "score" in result:
            index = _setting_index(self.settings, trial.config)
            self._scores[trial.trial_id] = (
                float(result["score"]),
                f"setting {index} ({self.settings[index].label}), seed {trial.config['seed']}",
            )
        self._show(trials)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._show(trials, force=True)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._show(trials, force=True)

    def _show(self, trials: list, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._shown < self.every_s:
            return
        self._shown = now
        # Ray creates trials as it gets to them: count against the sweep's size.
        counts = {s: sum(t.status == s for t in trials) for s in ("TERMINATED", "RUNNING", "ERROR")}
        line = (
            f"sweep {now - self._started:6.0f} s: {counts['TERMINATED']}/{self.total} done, "
            f"{counts['RUNNING']} running"
        )
        if counts["ERROR"]:
            line += f", {counts['ERROR']} failed"
        if self._scores:
            best, where = max(self._scores.values(), key=lambda s: s[0])
            line += f"; best so far {best:.4g} ({self.label}) by {where}"
        print(line, file=sys.stderr, flush=True)


class _StartLog(tune.Callback):
    """Appends a JSON line to ``path`` whenever a trial starts or is restored: which
    trial, which setting and seed, whether from a checkpoint. A resumed sweep's log shows
    that no finished trial started again."""

    def __init__(self, path: Path, settings: list[Setting]) -> None:
        self.path, self.settings = path, settings

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "trial": trial.trial_id,
            "setting": _setting_index(self.settings, trial.config),
            "seed": trial.config["seed"],
            "from_checkpoint": trial.checkpoint is not None,
        }
        with self.path.open("a") as f:
            f.write(json.dumps(entry) + "\n")


# ----------------------------------------------------------------- the report
def _iqm(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The interquartile mean: the mean of the middle half (rliable's IQM)."""
    from scipy import stats

    return stats.trim_mean(x, 0.25, axis=axis)


def _bootstrap_ci(
    samples: np.ndarray, statistic: Callable[..., np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% percentile-bootstrap interval of ``statistic`` over the seeds (axis 0)."""
    from scipy import stats

    ci = stats.bootstrap(
        (samples,),
        statistic,
        axis=0,
        confidence_level=0.95,
        n_resamples=5000,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    return np.asarray(ci.low), np.asarray(ci.high)


def summarise(result: SweepResult) -> list[dict[str, Any]]:
    """One row per setting: its values, seeds finished, mean, IQM and the 95% bootstrap
    confidence interval of the IQM over seeds, and the best seed; best IQM first."""
    rows = []
    for index, setting in enumerate(result.settings):
        trials = [t for t in result.trials if t.setting == index]
        row: dict[str, Any] = {"setting": index, "values": setting.label, "seeds": len(trials)}
        if trials:
            scores = np.array([t.score for t in trials])
            row["mean"] = float(scores.mean())
            row["IQM"] = float(_iqm(scores))
            if len(scores) > 1:
                low, high = _bootstrap_ci(scores, _iqm)
                row["IQM CI95 low"], row["IQM CI95 high"] = float(low), float(high)
            best = max(trials, key=lambda t: t.score)
            row["best seed"] = f"{best.seed} ({best.score:.4g})"
        rows.append(row)
    rows.sort(key=lambda r: -r.get("IQM", -math.inf))
    return rows


def best_trial(result: SweepResult) -> TrialResult | None:
    """The best seed of the setting with the best IQM (a setting is chosen on all its
    seeds, so one lucky seed does not pick it)."""
    rows = summarise(result)
    if not rows or "IQM" not in rows[0]:
        return None
    trials = [t for t in result.trials if t.setting == rows[0]["setting"]]
    return max(trials, key=lambda t: t.score)


def plot_curves(result: SweepResult, path: str | os.PathLike[str]) -> str:
    """Every setting's score against training (episodes, or steps for a step budget):
    the mean over seeds and its 95% bootstrap band; saved as PNG at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    unit = "episodes" if result.spec.steps is None else "steps"
    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for index, setting in enumerate(result.settings):
        curves = [t.curve for t in result.trials if t.setting == index]
        if not curves:
            continue
        length = min(len(c) for c in curves)
        x = np.mean([[p[unit] for p in c[:length]] for c in curves], axis=0)
        y = np.array([[p["score"] for p in c[:length]] for c in curves])
        (line,) = ax.plot(
            x, y.mean(axis=0), label=f"{setting.label} ({len(curves)} seeds)", linewidth=1.5
        )
        if len(curves) > 1:
            low, high = _bootstrap_ci(y, np.mean)
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    spec = result.spec
    fixed = (
        f" ({Setting(spec.settings, spec.options).label})" if spec.options or spec.settings else ""
    )
    ax.set_title(f"{spec.game}{fixed} {spec.agent}\nmean over seeds, 95% bootstrap band")
    ax.set_xlabel(unit)
    ax.set_ylabel(result.score_label)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    return str(path)


def write_report(result: SweepResult, *, install: bool = True) -> list[str]:
    """Write ``summary.csv``, ``trials.csv``, ``curves.png`` and ``best/`` into the sweep
    folder, and with ``install`` copy the best checkpoint into the person's agents folder;
    returns the lines to print (the table first)."""
    import csv

    from qarcade.agents.evaluation import format_table
    from qarcade.games.userdata import agent_file_stem, user_agents_dir

    folder = result.folder
    rows = summarise(result)
    columns = ["setting", "values", "seeds", "mean", "IQM", "IQM CI95 low", "IQM CI95 high"]
    columns.append("best seed")
    with (folder / "summary.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    with (folder / "trials.csv").open("w", newline="") as f:
        trial_writer = csv.writer(f)
        trial_writer.writerow(["setting", "seed", "score", "episodes", "steps", "checkpoint"])
        for t in result.trials:
            last = t.curve[-1]
            trial_writer.writerow(
                [t.setting, t.seed, t.score, last["episodes"], last["steps"], t.checkpoint]
            )
    lines = [f"score: {result.score_label}", format_table(rows)]
    if result.trials:
        lines.append(f"learning curves: {plot_curves(result, folder / 'curves.png')}")
    lines += [f"failed: {error}" for error in result.errors]
    best = best_trial(result)
    if best is None:
        return lines
    kept = folder / "best" / best.checkpoint.name
    kept.parent.mkdir(exist_ok=True)
    shutil.copyfile(best.checkpoint, kept)
    lines.append(
        f"best: setting {best.setting} ({result.settings[best.setting].label}), seed "
        f"{best.seed}, score {best.score:.4g}: {kept}"
    )
    lines.append(f"  python main.py eval {kept}")
    if install:
        setting = result.settings[best.setting]
        options = {**result.spec.options, **setting.options}
        stem = agent_file_stem(result.spec.game, result.spec.agent, options)
        target = user_agents_dir() / f"{stem}{best.checkpoint.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copy beside, then rename: versus never reads half a file.
        partial = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(best.checkpoint, partial)
        os.replace(partial, target)
        lines.append(
            f"installed as {target}: versus, watch and the menu play it as the "
            f"{result.spec.agent} agent (delete the file to get the shipped one back)"
        )
    return lines
