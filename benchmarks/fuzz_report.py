"""Run the fuzz properties of tests/test_fuzz.py with many more cases and tabulate what
every bad input produced.

    python benchmarks/fuzz_report.py                 # default case counts (~3 minutes)
    python benchmarks/fuzz_report.py --scale 0.1     # a tenth of them
    python benchmarks/fuzz_report.py --only map

The test file runs a few hundred cases per property so the suite stays fast; this runs
the same properties (the same strategies and checks) at ``--scale`` times
:data:`CASES`, and unlike the tests it does not stop at the first failure: a failing case
is counted (``FAILED: ...``) and the first one of each kind is printed as a reproducer.
The table gives, per property, each outcome — an exception type and the first words of
its message, or ``ok: ...`` — and how many cases produced it.

Prints one ``RESULT`` line per property (benchmarks/README.md): the share of cases that
ended cleanly (a clean error or a valid result), target 100%. Exit status 1 if any case
failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_fuzz as fuzz  # noqa: E402 - needs the tests folder on the path
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_conformance import CONFIGS  # noqa: E402

from qarcade import games  # noqa: E402

#: Cases per property at ``--scale 1``.
CASES = {
    "actions": 1500,
    "options": 3000,
    "map": 20000,
    "checkpoint bytes .npz": 6000,
    "checkpoint bytes .safetensors": 6000,
    "checkpoint fields": 4500,
}


def properties() -> dict[str, list[tuple[str, st.SearchStrategy, Callable[[Any], None]]]]:
    """Property group -> (property name in the tally, strategy, check of one case)."""
    actions = []
    for name, options in CONFIGS:
        num_actions = games.make(name, **options).num_actions

        def play(case: tuple[int, list[Any]], name: str = name, options: dict = options) -> None:
            fuzz.play_actions(games.make(name, **options), *case)

        strategy = st.tuples(st.integers(0, 2**32 - 1), fuzz.action_sequences(num_actions))
        actions.append(("actions", strategy, play))
    folder = fuzz.checkpoint_folder()
    map_path = folder / "fuzzed.txt"
    options = [
        (
            "options",
            fuzz.option_sets(name),
            lambda case, name=name: fuzz.check_options(name, case),
        )
        for name in games.GAMES
        if fuzz.option_names(name)
    ]
    groups = {
        "actions": actions,
        "options": options,
        "map": [("map", fuzz.map_inputs(), lambda d: fuzz.check_map_file(d, map_path))],
        "checkpoint fields": [
            (
                f"checkpoint fields {path.suffix}",
                fuzz.field_changes(path),
                lambda changes, path=path: fuzz.check_changed_checkpoint(path, changes, use=True),
            )
            for path in fuzz.real_checkpoints()
        ],
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


def run(
    prop: str,
    strategy: st.SearchStrategy,
    check: Callable[[Any], None],
    cases: int,
    failures: dict[str, str],
) -> int:
    """Run ``cases`` cases; a failing one is tallied, not raised. Returns cases run."""
    ran = 0

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def each(case: Any) -> None:
        nonlocal ran
        ran += 1
        try:
            check(case)
        except (AssertionError, fuzz.Hang) as error:
            reason = str(error).split(":")[0]
            cause = error.__cause__
            kind = f"FAILED, {reason}" + (f": {fuzz.outcome_of(cause)}" if cause else "")
            fuzz.TALLY[prop, kind] += 1
            failures.setdefault(f"{prop}: {kind}", f"{case!r}\n    {error}")

    each()
    return ran


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case count")
    parser.add_argument("--only", choices=sorted(CASES), help="run one property group")
    args = parser.parse_args(argv)

    failures: dict[str, str] = {}
    ran: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for group, props in properties().items():
        if args.only and group != args.only:
            continue
        cases = max(1, round(CASES[group] * args.scale / len(props)))
        for prop, strategy, check in props:
            ran[prop] += run(prop, strategy, check, cases, failures)
    elapsed = time.perf_counter() - started

    print(f"fuzz cases run: {sum(ran.values())} in {elapsed:.0f} s")
    for prop, n in sorted(ran.items()):
        unit = " sequences" if prop == "actions" else ""
        print(f"  {prop}: {n}{unit}")
    print("\nwhat each bad input produced (outcome: cases)")
    print(fuzz.format_tally(fuzz.TALLY))
    if failures:
        print("\nfirst failing case of each kind:")
        for kind, example in failures.items():
            print(f"- {kind}\n    {example}")
    for prop in sorted({p for p, _ in fuzz.TALLY}):
        outcomes = {o: n for (p, o), n in fuzz.TALLY.items() if p == prop}
        total = sum(outcomes.values())
        failed = sum(n for o, n in outcomes.items() if o.startswith("FAILED"))
        row = {
            "what": f"fuzz: {prop}, clean outcomes",
            "ours": round(100.0 * (total - failed) / total, 2),
            "unit": "%",
            "target": 100,
            "note": f"{total} cases" + (" (actions)" if prop == "actions" else ""),
        }
        print("RESULT " + json.dumps(row))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
