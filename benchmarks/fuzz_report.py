"""Run the fuzz properties of tests/test_fuzz.py with many more cases, each in its own
process, and tabulate what every bad input produced and what it cost.

    python benchmarks/fuzz_report.py                 # default case counts
    python benchmarks/fuzz_report.py --scale 0.1     # a tenth of them
    python benchmarks/fuzz_report.py --only "special files"

The test file runs a few cases per property so the suite stays fast; this runs the same
properties (the same strategies and checks) at ``--scale`` times :data:`CASES`. Every
case runs in a child forked for it, with no memory cap: the child's peak resident set
size (``wait4``'s ``ru_maxrss``) is what the case cost, as the real program would pay it;
a case still running after :data:`HANG_SECONDS` is killed and counted as a hang; an
exception the check did not expect is counted as a traceback. Cases hypothesis rejects
(a change the file format cannot hold) are not counted.

Prints, per class: the cases run and each outcome with its count, then a summary table
(cases, failures, tracebacks, hangs, slowest case, peak RSS), and one ``RESULT`` line per
class (benchmarks/README.md): the share of cases that ended cleanly, target 100%. Exit
status 1 if any case failed, raised, hung, or a class peaked over :data:`RSS_LIMIT_MB`.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_fuzz as fuzz  # noqa: E402 - needs the tests folder on the path
from hypothesis import HealthCheck, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import UnsatisfiedAssumption  # noqa: E402
from test_conformance import CONFIGS  # noqa: E402

from qarcade import games  # noqa: E402

#: Cases per class at ``--scale 1``, shared among the class's properties.
CASES = {
    "actions": 300,
    "options": 600,
    "map": 2000,
    "checkpoint bytes .npz": 600,
    "checkpoint bytes .safetensors": 600,
    "checkpoint fields": 600,
    "nested json": 200,
    "special files": 150,
    "large maps": 120,
    "crafted fields": 450,
    "command line": 40,
    "env calls": 600,
}
#: A case that runs longer than this is a hang (the checks' own limit, plus the fork).
HANG_SECONDS = fuzz.CASE_TIME_LIMIT + 2.0
#: The most one class's cases may peak at.
RSS_LIMIT_MB = 500


@dataclass
class ClassReport:
    """What one class of cases gave."""

    cases: int = 0
    failed: int = 0
    tracebacks: int = 0
    hangs: int = 0
    slowest: float = 0.0
    peak_rss_mb: float = 0.0
    examples: dict[str, str] = field(default_factory=dict)


Check = Callable[[Any], None]


def properties() -> dict[str, list[tuple[str, st.SearchStrategy, Check]]]:
    """Class -> (property name in the tally, strategy, check of one case)."""
    actions = []
    for name, options in CONFIGS:
        num_actions = games.make(name, **options).num_actions

        def play(case: tuple[int, list[Any]], name: str = name, options: dict = options) -> None:
            fuzz.play_actions(games.make(name, **options), *case)

        strategy = st.tuples(st.integers(0, 2**32 - 1), fuzz.action_sequences(num_actions))
        actions.append(("actions", strategy, play))
    folder = fuzz.checkpoint_folder()
    map_path = folder / "fuzzed.txt"
    checkpoints = {path.name: path for path in fuzz.real_checkpoints()}
    groups: dict[str, list[tuple[str, st.SearchStrategy, Check]]] = {
        "actions": actions,
        "options": [
            ("options", fuzz.option_sets(name), lambda c, name=name: fuzz.check_options(name, c))
            for name in games.names()
            if fuzz.option_names(name)
        ],
        "map": [("map", fuzz.map_inputs(), lambda d: fuzz.check_map_file(d, map_path))],
        "checkpoint fields": [
            (
                f"checkpoint fields {path.suffix}",
                fuzz.field_changes(path),
                lambda c, path=path: fuzz.check_changed_checkpoint(path, c, use=True),
            )
            for path in checkpoints.values()
        ],
        "nested json": [("nested json", fuzz.nested_json_cases(), fuzz.check_nested_json)],
        "special files": [
            (
                "special files",
                st.tuples(st.sampled_from(fuzz.SPECIAL_FILES), st.sampled_from(fuzz.LOADERS)),
                fuzz.check_special_file,
            )
        ],
        "large maps": [("large maps", fuzz.large_map_cases(), fuzz.check_large_map)],
        "crafted fields": [
            (
                f"checkpoint fields {path.suffix}",
                fuzz.crafted_changes(name),
                lambda c, path=path: fuzz.check_changed_checkpoint(path, c, use=True),
            )
            for name, path in checkpoints.items()
        ],
        "command line": [
            (
                "command line",
                st.tuples(st.sampled_from(fuzz.CLI_CASES), st.integers(1, 60)),
                fuzz.check_cli_case,
            )
        ],
        "env calls": [("env calls", fuzz.env_call_cases(), fuzz.check_env_call)],
    }
    for suffix in (".npz", ".safetensors"):
        groups[f"checkpoint bytes {suffix}"] = [
            (
                f"checkpoint bytes {suffix}",
                fuzz.damages(fuzz.checkpoint_bytes(suffix)),
                lambda d, suffix=suffix: fuzz.check_checkpoint_bytes(d, suffix),
            )
        ]
    return groups


def run_in_child(check: Check, case: Any) -> tuple[str, list, float, float]:
    """Run ``check(case)`` in a forked child: (status, tally entries, seconds, peak RSS
    in MB). Status is ``ok``, ``rejected``, ``FAILED: ...``, ``TRACEBACK: ...`` or
    ``HANG``."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run the case, report, and leave without cleanup
        os.close(read_end)
        fuzz.TALLY.clear()
        try:
            check(case)
            status = "ok"
        except UnsatisfiedAssumption:
            status = "rejected"
        except (AssertionError, fuzz.Hang) as error:
            cause = f" ({fuzz.outcome_of(error.__cause__)})" if error.__cause__ else ""
            status = f"FAILED: {str(error).splitlines()[0][:120]}{cause}"
        except BaseException:
            status = "TRACEBACK: " + traceback.format_exc()[-600:]
        report = {"status": status, "tally": [[*k, n] for k, n in fuzz.TALLY.items()]}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    deadline = started + HANG_SECONDS
    while True:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            report = {"status": "HANG", "tally": []}
            break
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            report = json.loads(data) if data else {"status": "TRACEBACK: died", "tally": []}
            break
        data += chunk
    os.close(read_end)
    _, _, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    return report["status"], report["tally"], seconds, usage.ru_maxrss / 1024


def run_class(
    props: list[tuple[str, st.SearchStrategy, Check]], cases: int, report: ClassReport
) -> None:
    """Run ``cases`` cases of each property, each in a child, into ``report``."""
    for _, strategy, check in props:
        run_property(strategy, check, cases, report)


def run_property(
    strategy: st.SearchStrategy, check: Check, cases: int, report: ClassReport
) -> None:
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def each(case: Any) -> None:
        status, tally, seconds, rss = run_in_child(check, case)
        if status == "rejected":
            reject()
        report.cases += 1
        report.slowest = max(report.slowest, seconds)
        report.peak_rss_mb = max(report.peak_rss_mb, rss)
        for prop, outcome, n in tally:
            fuzz.TALLY[prop, outcome] += n
        if status == "ok":
            return
        kind = status.split(":")[0]
        report.failed += kind == "FAILED"
        report.tracebacks += kind == "TRACEBACK"
        report.hangs += kind == "HANG"
        report.examples.setdefault(status[:200], repr(case)[:300])

    each()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case count")
    parser.add_argument("--only", choices=sorted(CASES), help="run one class")
    args = parser.parse_args(argv)

    import resource

    import torch

    # Children are forked from here: everything they share is made once, and torch runs
    # one thread (threads do not survive a fork).
    torch.set_num_threads(1)
    groups = properties()
    fuzz.zip_bomb()
    fuzz.reference_pictures()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reports: dict[str, ClassReport] = {}
    started = time.perf_counter()
    for group, props in groups.items():
        if args.only and group != args.only:
            continue
        report = reports[group] = ClassReport()
        run_class(props, max(1, round(CASES[group] * args.scale / len(props))), report)
        print(f"{group}: {report.cases} cases, {time.perf_counter() - started:.0f} s", flush=True)

    print("\nwhat each input produced (outcome: cases)")
    print(fuzz.format_tally(fuzz.TALLY))
    print(f"\nper class (every case in its own process; the parent's RSS is {base_rss:.0f} MB)")
    print(
        f"{'class':32s} {'cases':>6s} {'failed':>6s} {'tracebacks':>10s} {'hangs':>5s} "
        f"{'slowest s':>9s} {'peak RSS MB':>11s}"
    )
    bad = False
    for group, r in reports.items():
        print(
            f"{group:32s} {r.cases:6d} {r.failed:6d} {r.tracebacks:10d} {r.hangs:5d} "
            f"{r.slowest:9.2f} {r.peak_rss_mb:11.0f}"
        )
        bad |= bool(r.failed or r.tracebacks or r.hangs) or r.peak_rss_mb > RSS_LIMIT_MB
    for group, r in reports.items():
        for status, example in r.examples.items():
            print(f"\n{group}: {status}\n    case: {example}")
    for group, r in reports.items():
        clean = r.cases - r.failed - r.tracebacks - r.hangs
        row = {
            "what": f"fuzz: {group}, clean outcomes",
            "ours": round(100.0 * clean / max(r.cases, 1), 2),
            "unit": "%",
            "target": 100,
            "note": f"{r.cases} cases, {r.tracebacks} tracebacks, {r.hangs} hangs, slowest "
            f"{r.slowest:.1f} s, peak RSS {r.peak_rss_mb:.0f} MB",
        }
        print("RESULT " + json.dumps(row))
    print(
        f"\n{sum(r.cases for r in reports.values())} cases in {time.perf_counter() - started:.0f} s"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
