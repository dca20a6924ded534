"""kill -9 at random moments of ``python main.py train``, then resume: nothing saved is lost.

    python benchmarks/kill_campaign.py                  # 36 kills, a few minutes
    python benchmarks/kill_campaign.py --kills 6        # 6 per run kind

Three run kinds (a tic-tac-toe table, a gridworld DQN with its replay buffer, an Invaders
table) each train into their own folder, saving often; each is killed ``--kills`` times
with SIGKILL and resumed with ``train --resume`` after every kill. Half the kills wait for
a checkpoint's temporary file to appear (the kill lands in the checkpoint's write, its
fsync or its rename), the other half land at a random moment (mostly between saves, where
metrics.csv rows are appended). After every kill:

- the checkpoint loads;
- metrics.csv holds the episodes 1..N of the checkpoint, none missing (rows past it are
  allowed: they are cut when the run resumes).

At the end every run is resumed to its budget and must exit 0 with metrics.csv holding
exactly one row per episode. Prints one line per kill and one ``RESULT`` line
(benchmarks/README.md): kills whose checks all held, target all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qarcade.agents.checkpoints import load_agent, read_metadata  # noqa: E402
from qarcade.agents.plotting import read_csv  # noqa: E402

#: name -> (arguments of a new run, episodes between saves, checkpoint file name)
RUNS: dict[str, tuple[list[str], int, str]] = {
    "tictactoe tabular": (["tictactoe", "--agent", "tabular"], 200, "agent.npz"),
    "gridworld dqn": (
        [
            *("gridworld", "--map", "lake4", "--agent", "dqn"),
            *("--set", "save_replay_buffer=true", "--set", "buffer_size=5000"),
        ],
        20,
        "agent.safetensors",
    ),
    "invaders tabular": (
        ["invaders", "--agent", "tabular", "--option", "preset=small"],
        1,
        "agent.npz",
    ),
}
#: Every run's budget: more than any of them reaches in the campaign.
TOTAL_EPISODES = 10**8


def start(arguments: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "train", *arguments, "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy"),
    )


def kill_into_a_save(child: subprocess.Popen[bytes], folder: Path, name: str) -> str:
    """Kill ``child`` while a checkpoint's temporary file exists (or at 30 s); which."""
    temporary = folder / f".{name}.{child.pid}.tmp"
    deadline = time.monotonic() + 30
    skip = random.randint(0, 3)  # not always the first save
    seen = False
    while time.monotonic() < deadline and child.poll() is None:
        exists = temporary.exists()
        if exists and not seen:
            if skip == 0:
                child.send_signal(signal.SIGKILL)
                return "in a checkpoint write"
            skip -= 1
        seen = exists
        time.sleep(0.0005)
    child.send_signal(signal.SIGKILL)
    return "at 30 s, no save seen"


def check(folder: Path, name: str) -> tuple[int, int, list[str]]:
    """(checkpoint episodes, CSV rows, problems) after a kill. No checkpoint at all is
    fine when none was ever saved (the kill came before the first save's rename)."""
    problems = []
    checkpoint = folder / name
    if not checkpoint.exists():
        return 0, len(read_csv(folder / "metrics.csv")), []
    try:
        load_agent(checkpoint)
        episodes = read_metadata(checkpoint)["episodes"]
    except Exception as error:  # every failure is a finding here, whatever its type
        return 0, 0, [f"checkpoint does not load: {type(error).__name__}: {error}"]
    rows = read_csv(folder / "metrics.csv")
    if len(rows) < episodes:
        problems.append(f"metrics.csv holds {len(rows)} rows for {episodes} saved episodes")
    if [r["episode"] for r in rows[:episodes]] != list(range(1, min(len(rows), episodes) + 1)):
        problems.append("metrics.csv rows are not episodes 1..N")
    return episodes, len(rows), problems


def campaign(run: str, kills: int, folder: Path) -> tuple[int, list[str]]:
    arguments, every, name = RUNS[run]
    clean, findings = 0, []
    for k in range(kills):
        common = ["--episodes", str(TOTAL_EPISODES), "--save-every", str(every)]
        if (folder / name).exists():
            args = ["--resume", str(folder / name), *common]
        else:
            args = [*arguments, *common, "--out", str(folder)]
        child = start(args)
        if k % 2 == 0:
            where = kill_into_a_save(child, folder, name)
        else:
            time.sleep(random.uniform(3.0, 10.0))
            child.send_signal(signal.SIGKILL)
            where = "at a random moment"
        _, err = child.communicate()
        if child.returncode != -signal.SIGKILL:
            findings.append(
                f"{run} kill {k + 1}: exited {child.returncode} before the kill: "
                f"{err.decode()[-300:]}"
            )
            continue
        episodes, rows, problems = check(folder, name)
        print(
            f"{run:18s} kill {k + 1:2d} {where:22s} checkpoint {episodes:6d} episodes, "
            f"csv {rows:6d} rows {problems or 'ok'}",
            flush=True,
        )
        clean += not problems
        findings += [f"{run} kill {k + 1}: {p}" for p in problems]
    # Resume to the end of a short extension: the record must be whole.
    episodes = read_metadata(folder / name)["episodes"]
    finish = start(["--resume", str(folder / name), "--episodes", str(episodes + 3)])
    _, err = finish.communicate(timeout=600)
    rows = read_csv(folder / "metrics.csv")
    if finish.returncode != 0:
        findings.append(
            f"{run}: the final resume exited {finish.returncode}: {err.decode()[-300:]}"
        )
    elif [r["episode"] for r in rows] != list(range(1, episodes + 4)):
        findings.append(
            f"{run}: after the final resume metrics.csv has {len(rows)} rows, "
            f"not episodes 1..{episodes + 3}"
        )
    else:
        print(
            f"{run:18s} resumed to {episodes + 3} episodes: metrics.csv has one row per episode",
            flush=True,
        )
    return clean, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=12, help="kills per run kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    clean, findings = 0, []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qarcade-kills-") as tmp:
        for run in RUNS:
            ok, found = campaign(run, args.kills, Path(tmp) / run.replace(" ", "-"))
            clean += ok
            findings += found
    total = args.kills * len(RUNS)
    print(
        f"\n{clean} of {total} kills left a loadable checkpoint and a whole metrics.csv "
        f"({time.perf_counter() - started:.0f} s)"
    )
    for finding in findings:
        print(f"FINDING: {finding}")
    row = {
        "what": "kill -9 campaign: kills after which nothing saved was lost",
        "ours": clean,
        "unit": "kills",
        "target": total,
        "note": f"{len(findings)} findings",
    }
    print("RESULT " + json.dumps(row))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
