"""benchmarks/report.py: the RESULT contract (benchmarks/README.md) and the table it makes."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
report = importlib.util.module_from_spec(_spec)
sys.modules["bench_report"] = report
_spec.loader.exec_module(report)


def line(**fields: object) -> str:
    return "RESULT " + json.dumps(fields)


def test_parse_results_reads_only_result_lines_and_computes_ratios() -> None:
    text = "\n".join(
        [
            "env  steps/s",
            line(what="speed", ours=300.0, unit="steps/s", anchor=100.0, anchor_name="A"),
            line(
                what="time",
                ours=2.0,
                unit="s",
                anchor=8.0,
                anchor_name="B",
                higher_is_better=False,
                target=5,
            ),
            line(what="alone", ours=25_000, unit="steps/s", target=20_000),
            line(what="missing anchor", ours=1.0, unit="s", anchor=None, anchor_name="C"),
        ]
    )
    speed, time_, alone, missing = report.parse_results(text, "fake")
    assert speed.ratio == pytest.approx(3.0) and speed.meets_target is None
    assert time_.ratio == pytest.approx(4.0) and time_.meets_target is False
    assert alone.ratio is None and alone.meets_target is True
    assert missing.ratio is None and missing.script == "fake"
    md = report.table([report.Run("fake", [speed, time_, alone, missing], 1.0)])
    assert "| speed | 300 steps/s | A: 100 steps/s | 3.00x |" in md
    assert "**not met**" in md and "C: not run" in md


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("RESULT what=x", "JSON"),
        (line(what="x", unit="s"), "lacks ours"),
        (line(what="x", ours=1, unit="s", ratio=2), "unknown RESULT field"),
        (line(what="x", ours="fast", unit="s"), "finite numbers"),
    ],
)
def test_parse_results_rejects_lines_that_break_the_contract(bad: str, message: str) -> None:
    with pytest.raises(report.ResultError, match=message):
        report.parse_results(bad, "fake")


def test_run_script_collects_results_and_reports_failures(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(f"print({line(what='w', ours=2, unit='s')!r})\n")
    run = report.run_script(good, [], timeout=60)
    assert run.error == "" and [r.ours for r in run.results] == [2]

    silent = tmp_path / "silent.py"
    silent.write_text("print('hello')\n")
    assert "no RESULT" in report.run_script(silent, [], timeout=60).error

    crash = tmp_path / "crash.py"
    crash.write_text(textwrap.dedent("raise SystemExit('anchor exploded')\n"))
    assert "anchor exploded" in report.run_script(crash, [], timeout=60).error


def test_update_readme_replaces_only_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\noutro\n")
    report.update_readme(readme, "| new |\n")
    assert readme.read_text() == (
        f"intro\n{report.README_START}\n| new |\n{report.README_END}\noutro\n"
    )
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        report.update_readme(readme, "x")
