"""Learn mode's memory over a long session: RSS of ``python main.py learn`` sampled from
/proc while it trains at turbo, headless.

    python benchmarks/learn_memory.py                       # tic-tac-toe, 10 minutes
    python benchmarks/learn_memory.py --minutes 2 --every 10

Learn keeps bounded summaries (moving windows, downsampled curves), so after its first
minute (the table filling up, the first snapshots) RSS should stay flat: prints every
sample, and one ``RESULT`` line (benchmarks/README.md) with the growth from the sample at
one minute to the largest after it; target at most 20 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """The resident set size of process ``pid`` in MB (from /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", default="tictactoe")
    parser.add_argument("--agent", default="tabular")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    args = parser.parse_args(argv)

    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    with tempfile.TemporaryDirectory(prefix="qarcade-learn-memory-") as data:
        env["QARCADE_DATA_DIR"] = data
        command = [
            sys.executable,
            str(ROOT / "main.py"),
            "--frames",
            str(10**9),
            "learn",
            args.game,
            "--agent",
            args.agent,
            "--speed",
            "turbo",
        ]
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        try:
            while (elapsed := time.monotonic() - started) <= args.minutes * 60 + 1:
                if child.poll() is not None:
                    raise SystemExit(f"learn exited early with status {child.returncode}")
                samples.append((elapsed, rss_mb(child.pid)))
                print(f"{elapsed:6.0f} s  RSS {samples[-1][1]:7.1f} MB", flush=True)
                time.sleep(max(0.0, args.every - (time.monotonic() - started - elapsed)))
        finally:
            child.kill()
            child.wait()
    after_minute = [rss for t, rss in samples if t >= 60]
    growth = max(after_minute) - after_minute[0] if after_minute else float("nan")
    row = {
        "what": f"Learn {args.game} {args.agent} turbo, RSS growth after the first minute "
        f"over {args.minutes:g} min",
        "ours": round(growth, 1),
        "unit": "MB",
        "target": 20,
        "note": "samples (s, MB): " + ", ".join(f"{t:.0f}:{r:.0f}" for t, r in samples),
    }
    print("RESULT " + json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
