"""``qarcade sweep`` on a local Ray: trials are train runs, a crashed trial resumes from its
checkpoint bit for bit, finished trials never train again, and the report's numbers hold.

One small Ray session for the module (its start-up is most of the time); skipped where the
``scale`` extra (Ray Tune, SciPy) is not installed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip(
    "ray.tune", reason='the scale extra is not installed (pip install -e ".[scale]")'
)
pytest.importorskip("scipy.stats", reason="the scale extra is not installed (needs scipy)")

from qarcade.agents import sweep  # noqa: E402
from qarcade.agents.checkpoints import load_arrays  # noqa: E402
from qarcade.cli import main  # noqa: E402

SPEC = sweep.SweepSpec(
    game="gridworld",
    agent="tabular",
    seeds=(0, 1),
    options={"map": "lake4"},
    grid={"settings": {"learning_rate": [0.5, 1.0]}},
    episodes=120,
    reports=5,
)


class CrashOnce:
    """A trial score that makes the first trial to reach its third report crash (once in
    the whole sweep: a marker file says it happened). The score, the sum of |Q|, reads the
    table only, so scoring never changes what a trial learns."""

    label = "sum of |Q|"

    def __init__(self, marker: Path) -> None:
        self.marker = marker
        self.calls = 0

    def __call__(self, agent: object, env: object) -> float:
        self.calls += 1
        if self.calls == 3:
            try:
                self.marker.open("x").close()
            except FileExistsError:
                pass
            else:
                raise RuntimeError("the trial crashes here, once")
        return float(np.abs(agent.table).sum())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def local_ray():
    import ray as ray_module

    # The workers unpickle CrashOnce by value: this test module is not on their path.
    ray_module.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    started = sweep.start_ray(None)
    yield
    if started:
        ray_module.shutdown()


def _starts(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "starts.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_a_crashed_sweep_resumes_exactly_and_finished_trials_never_start_again(
    local_ray: None, tmp_path: Path
) -> None:
    folder = tmp_path / "sweep"
    score = CrashOnce(tmp_path / "crashed")
    first = sweep.run_sweep(SPEC, folder, score=score, live=False, max_concurrent=2)
    assert len(first.errors) == 1 and "crashes here" in first.errors[0]
    assert len(first.trials) == 3
    assert len(_starts(folder)) == 4

    with pytest.raises(sweep.SweepError, match="already holds a sweep"):
        sweep.run_sweep(SPEC, folder, score=score, live=False)

    resumed = sweep.run_sweep(SPEC, folder, resume=True, score=score, live=False)
    assert resumed.errors == []
    assert len(resumed.trials) == 4
    again = _starts(folder)[4:]
    crashed = next(
        (s, t)
        for s in range(2)
        for t in SPEC.seeds
        if (s, t) not in {(r.setting, r.seed) for r in first.trials}
    )
    # Only the crashed trial started again, and from its checkpoint.
    assert [(e["setting"], e["seed"], e["from_checkpoint"]) for e in again] == [(*crashed, True)]

    # Every trial, the resumed one too, holds the table `train` makes with its settings.
    settings = resumed.settings
    for trial in resumed.trials:
        out = tmp_path / f"train-{trial.setting}-{trial.seed}"
        lr = settings[trial.setting].settings["learning_rate"]
        argv = ["train", "gridworld", "--map", "lake4", "--episodes", "120", "--quiet"]
        argv += ["--seed", str(trial.seed), "--set", f"learning_rate={lr}", "--out", str(out)]
        assert main(argv) == 0
        trained, _ = load_arrays(out / "agent.npz")
        swept, meta = load_arrays(trial.checkpoint)
        assert meta["episodes"] == 120
        assert trained.keys() == swept.keys()
        for key in trained:
            np.testing.assert_array_equal(trained[key], swept[key], err_msg=key)
        assert trial.score == pytest.approx(np.abs(swept["q"]).sum())
        assert len(trial.curve) == SPEC.reports

    lines = sweep.write_report(resumed, install=True)
    rows = sweep.summarise(resumed)
    assert [r["seeds"] for r in rows] == [2, 2]
    for row in rows:
        scores = [t.score for t in resumed.trials if t.setting == row["setting"]]
        assert row["mean"] == pytest.approx(np.mean(scores))
        assert row["IQM"] == pytest.approx(np.mean(scores))  # two seeds: nothing trimmed
        low, high = row["IQM CI95 low"], row["IQM CI95 high"]
        assert min(scores) - 1e-9 <= low <= row["IQM"] <= high <= max(scores) + 1e-9
    assert rows[0]["IQM"] >= rows[1]["IQM"]
    best = sweep.best_trial(resumed)
    assert best is not None and best.setting == rows[0]["setting"]
    assert (folder / "curves.png").stat().st_size > 10_000
    assert any(line.startswith("installed as") for line in lines)

    # versus and the menu now find the sweep's best before the shipped agent.
    from qarcade.app.players import load_opponent

    opponent = load_opponent("gridworld", "tabular", {"map": "lake4"})
    assert opponent.source.endswith("agents/gridworld-lake4-tabular.npz")
    assert "assets" not in opponent.source
    np.testing.assert_array_equal(opponent.agent.table, load_arrays(best.checkpoint)[0]["q"])


def _square_and_where(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@pytest.mark.slow
def test_run_pool_maps_a_function_over_tasks_on_ray_workers_in_order(local_ray: None) -> None:
    results = list(sweep.run_pool(_square_and_where, range(6)))
    assert [r[0] for r in results] == [0, 1, 4, 9, 16, 25]
    assert os.getpid() not in {r[1] for r in results}


def test_sweep_settings_grid_and_search_are_listed_in_a_fixed_order() -> None:
    spec = sweep.SweepSpec(
        game="gridworld",
        grid={"settings": {"learning_rate": [0.1, 0.5]}, "options": {"map": ["maze", "cliff"]}},
        search={"settings": {"gamma": ["uniform", 0.9, 0.99]}},
        samples=3,
        search_seed=7,
    )
    points = spec.points()
    assert len(points) == 2 * 2 * 3
    assert points == spec.points()  # the draws follow search_seed
    assert {p.settings["learning_rate"] for p in points} == {0.1, 0.5}
    assert all(0.9 <= p.settings["gamma"] <= 0.99 for p in points)
    assert len({p.settings["gamma"] for p in points}) == 12
    assert points[0].label.startswith("learning_rate=0.1 gamma=")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "gridworld", "--grid-set", "nonsense=1,2"], "unknown tabular setting"),
        (["sweep", "gridworld", "--search-set", "gamma=normal:0:1"], "unknown distribution"),
        (["sweep", "gridworld", "--seeds", "0"], "--seeds N needs N >= 1"),
        (["sweep", "gridworld", "--trial-resources", "cpu"], "--trial-resources"),
        (["sweep", "--resume", "nowhere"], "holds no sweep"),
        (["sweep", "--resume", "x", "--episodes", "3"], "cannot be combined with --resume"),
    ],
)
def test_sweep_mistakes_are_one_line_before_ray_starts(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()
