"""Run every benchmark in benchmarks/ and write the results table the README shows.

Each benchmark script runs in its own subprocess, so one that crashes or needs a missing
library cannot take the others down, and prints ``RESULT {json}`` lines (the contract is
in benchmarks/README.md). Every row puts ours beside its anchor *measured in the same
run of the same script*, so the ratio holds on any machine even where the absolute
numbers do not.

    python benchmarks/report.py                          # table to stdout
    python benchmarks/report.py --output benchmarks/RESULTS.md --readme README.md
    python benchmarks/report.py --only env_speed -- --seconds 1

``--readme`` replaces the text between ``<!-- benchmarks:start -->`` and
``<!-- benchmarks:end -->`` in that file. Exit status 1 if a benchmark failed or printed
no results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
README_START, README_END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
_RESULT = re.compile(r"^RESULT\s+(.*)$")


class ResultError(ValueError):
    """A ``RESULT`` line that breaks the contract in benchmarks/README.md."""


@dataclass(frozen=True)
class Result:
    """One row of the table: ours against an anchor (see benchmarks/README.md).

    Attributes:
        what: what is measured, in a few words.
        ours: our number.
        unit: the unit of ``ours`` and ``anchor``.
        ours_name: what produced ``ours`` (defaults to ``what``).
        anchor: the anchor's number from the same run, or None if it could not run.
        anchor_name: what produced the anchor (the library and env or algorithm).
        higher_is_better: True for rates (steps/s), False for times and losses.
        target: the ratio to reach; in a row without an anchor, the value of ours to reach.
        note: a short remark for the table (why an anchor is missing, the settings).
        script: the benchmark that printed it.
    """

    what: str
    ours: float
    unit: str
    ours_name: str = ""
    anchor: float | None = None
    anchor_name: str = ""
    higher_is_better: bool = True
    target: float | None = None
    note: str = ""
    script: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the anchor (> 1: ours is better)."""
        if self.anchor is None or self.anchor <= 0 or self.ours <= 0:
            return None
        return self.ours / self.anchor if self.higher_is_better else self.anchor / self.ours

    @property
    def meets_target(self) -> bool | None:
        """Whether the target is met; None where there is no target to judge."""
        if self.target is None:
            return None
        if self.anchor_name:
            return None if self.ratio is None else self.ratio >= self.target
        return self.ours >= self.target if self.higher_is_better else self.ours <= self.target


def parse_results(text: str, script: str = "") -> list[Result]:
    """The ``RESULT`` lines of a benchmark's output; other lines are ignored."""
    results = []
    for lineno, line in enumerate(text.splitlines(), 1):
        match = _RESULT.match(line.strip())
        if match is None:
            continue
        where = f"{script or 'output'} line {lineno}"
        try:
            fields = json.loads(match.group(1))
        except json.JSONDecodeError as error:
            fields = error
        if not isinstance(fields, dict):
            raise ResultError(f"{where}: RESULT is not followed by a JSON object: {fields}")
        missing = {"what", "ours", "unit"} - set(fields)
        if missing:
            raise ResultError(f"{where}: RESULT lacks {', '.join(sorted(missing))}")
        unknown = set(fields) - (set(Result.__dataclass_fields__) - {"script"})
        if unknown:
            raise ResultError(f"{where}: unknown RESULT field(s) {', '.join(sorted(unknown))}")
        try:
            result = Result(**fields, script=script)
            numbers = [result.ours] + [v for v in (result.anchor, result.target) if v is not None]
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers):
                raise TypeError("ours, anchor and target must be finite numbers")
        except TypeError as error:
            raise ResultError(f"{where}: {error}") from None
        results.append(result)
    return results


@dataclass
class Run:
    """What one benchmark script did."""

    script: str
    results: list[Result]
    seconds: float
    error: str = ""


#: Scripts left out of a plain run: they take tens of minutes or want arguments
#: (``dqn_games.py GAME`` trains each game to its targets; ``fuzz_report.py`` runs
#: thousands of fuzz cases; ``kill_campaign.py`` kills and resumes training 36 times;
#: ``learn_memory.py`` watches Learn for 10 minutes; ``generalization.py`` and
#: ``gym_envs.py`` train hundreds of runs; ``table_vs_network.py`` trains every size
#: from 4x4 to 64x64). ``--only NAME`` runs them.
LONG = frozenset(
    {
        "dqn_games",
        "fuzz_report",
        "kill_campaign",
        "learn_memory",
        "generalization",
        "gym_envs",
        "table_vs_network",
    }
)


def discover(only: list[str] | None = None) -> list[Path]:
    """The benchmark scripts: every ``benchmarks/*.py`` but this one and ``_private`` ones;
    without ``only``, the :data:`LONG` ones are left out too."""
    scripts = sorted(
        p for p in BENCH_DIR.glob("*.py") if p.name != Path(__file__).name and p.name[0] != "_"
    )
    if only:
        unknown = set(only) - {p.stem for p in scripts}
        if unknown:
            raise SystemExit(
                f"report.py: no benchmark named {', '.join(sorted(unknown))}; "
                f"choose from {', '.join(p.stem for p in scripts)}"
            )
        return [p for p in scripts if p.stem in only]
    return [p for p in scripts if p.stem not in LONG]


def run_script(path: Path, extra_args: list[str], timeout: float, cpu: int | None = None) -> Run:
    """Run one benchmark from the repository root and collect its results."""
    command = [sys.executable, str(path), *extra_args]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # Benchmarks that draw (view timings) need no screen or sound card.
    env.setdefault("SDL_VIDEODRIVER", "dummy")
    env.setdefault("SDL_AUDIODRIVER", "dummy")
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return Run(path.stem, [], time.perf_counter() - start, f"timed out after {timeout:g} s")
    seconds = time.perf_counter() - start
    try:
        results = parse_results(proc.stdout, path.stem)
    except ResultError as error:
        return Run(path.stem, [], seconds, str(error))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        return Run(path.stem, results, seconds, f"exit status {proc.returncode}: {last}")
    if not results:
        return Run(path.stem, [], seconds, "printed no RESULT lines")
    return Run(path.stem, results, seconds)


def fmt(value: float) -> str:
    """A number for the table: thousands separators for big ones, 3 digits for small."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table(runs: list[Run]) -> str:
    """The markdown results table, with how and where it was measured."""
    lines = [
        "| what | ours | anchor (same run) | ours vs anchor | target |",
        "| --- | ---: | --- | ---: | --- |",
    ]
    for run in runs:
        for r in run.results:
            ours = f"{fmt(r.ours)} {r.unit}"
            if r.ours_name and r.ours_name != r.what:
                ours = f"{ours} ({r.ours_name})"
            if r.anchor is not None:
                anchor = f"{r.anchor_name}: {fmt(r.anchor)} {r.unit}"
            elif r.anchor_name:
                anchor = f"{r.anchor_name}: not run"
            else:
                anchor = "none"
            ratio = "" if r.ratio is None else f"{r.ratio:.2f}x"
            target = ""
            if r.target is not None:
                op = ">=" if r.anchor_name or r.higher_is_better else "<="
                goal = f"{r.target:g}x" if r.anchor_name else f"{fmt(r.target)} {r.unit}"
                verdict = {True: "met", False: "**not met**", None: "not judged"}[r.meets_target]
                target = f"{op} {goal}: {verdict}"
            what = f"{r.what} ({r.note})" if r.note else r.what
            lines.append(f"| {what} | {ours} | {anchor} | {ratio} | {target} |")
        if run.error:
            lines.append(f"| `{run.script}` | failed: {run.error} | | | |")
    lines.append("")
    lines.append(
        "Ratios are *how many times better ours is* (rates: ours/anchor; times: anchor/ours), "
        "both measured in the same run of the same script. "
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on "
        f"{machine()}, Python {platform.python_version()}, with `python benchmarks/report.py`."
    )
    return "\n".join(lines) + "\n"


def machine() -> str:
    """The CPU model and core count, as well as this platform can tell."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    return f"{cpu} ({os.cpu_count()} logical cores, {platform.system()})"


def update_readme(path: Path, text: str) -> None:
    """Replace the text between the benchmark markers in ``path``."""
    content = path.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(
            f"report.py: {path} has no {README_START} ... {README_END} markers; "
            "add them where the table should go"
        )
    content = content[: start + len(README_START)] + "\n" + text + content[end:]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="benchmarks to run (stems)")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.add_argument("--readme", type=Path, help="put the table between markers in this file")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    parser.add_argument("--cpu", type=int, help="pin every benchmark to this core (taskset)")
    parser.add_argument("extra", nargs="*", help="after --: arguments for every benchmark")
    args = parser.parse_args(argv)

    runs = []
    for path in discover(args.only):
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        run = run_script(path, args.extra, args.timeout, args.cpu)
        status = f"failed: {run.error}" if run.error else f"{len(run.results)} results"
        print(f"  {run.seconds:.0f} s, {status}", file=sys.stderr, flush=True)
        runs.append(run)

    text = table(runs)
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    if args.readme:
        update_readme(args.readme, text)
    return 1 if any(run.error for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
