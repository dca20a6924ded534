"""Training records on disk: a CSV of per-episode metrics and a learning-curve PNG.

The CSV is a run's record and survives kills: a run appends the rows of the episodes it
saved (fsynced) just before each checkpoint, so the file always holds at least the
checkpoint's episodes, and a resumed run rewrites it (atomically) cut back to the
checkpoint before appending again. A kill loses at most the rows since the last save.

The PNG is drawn with matplotlib's object API on an Agg canvas, so it works headless
and never changes the process-wide matplotlib backend (the window may have its own).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qarcade.games.files import atomic_write

#: The CSV's columns, in order; missing values are written empty. ``eval`` is the game's
#: progress score (:func:`agents.evaluation.progress_score`); ``test`` the fraction of
#: greedy test games won against a random player, in two-player self-play.
CSV_COLUMNS = ("episode", "steps", "return", "outcome", "epsilon", "eval", "test")


def write_csv(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> str:
    """Write per-episode ``rows`` (keys from :data:`CSV_COLUMNS`) to ``path``, replacing
    it atomically (a kill leaves the old file or the new one)."""
    path = Path(path)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    _write_rows(writer, rows)
    data = text.getvalue().encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
    return str(path)


def append_csv(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> None:
    """Append ``rows`` to the CSV at ``path`` (written by :func:`write_csv`) and fsync
    it, so they are on disk before the checkpoint that counts them."""
    if not rows:
        return
    with Path(path).open("a", newline="", encoding="utf-8") as f:
        _write_rows(csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore"), rows)
        f.flush()
        os.fsync(f.fileno())


def _write_rows(writer: csv.DictWriter, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in CSV_COLUMNS})


def read_csv(path: str | os.PathLike[str], episodes: int | None = None) -> list[dict[str, Any]]:
    """The rows of a run's CSV, in order, up to episode ``episodes`` (all if None).

    Reading stops at the first row that is damaged or cut short by a kill, or does not
    number a later episode than the row before; a missing or unreadable file gives no
    rows.
    """
    rows: list[dict[str, Any]] = []
    try:
        with Path(path).open(newline="", encoding="utf-8") as f:
            for raw in csv.DictReader(f):
                try:
                    row = {k: json.loads(v) for k, v in raw.items() if k and v}
                except (ValueError, TypeError):
                    break
                last = rows[-1]["episode"] if rows else 0
                episode = row.get("episode")
                if not isinstance(episode, int) or episode <= last or not _complete(row):
                    break
                if episodes is not None and row["episode"] > episodes:
                    break
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error):
        return rows
    return rows


def _complete(row: dict[str, Any]) -> bool:
    """Whether a row read back has every column a row always has (a row cut short by a
    kill lacks the last ones)."""
    return all(isinstance(row.get(k), (int, float)) for k in ("steps", "return", "epsilon"))


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    """The mean of the last ``window`` values at every point (shorter at the start)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return x
    cumsum = np.concatenate([[0.0], np.cumsum(x)])
    ends = np.arange(1, len(x) + 1)
    starts = np.maximum(ends - window, 0)
    return (cumsum[ends] - cumsum[starts]) / (ends - starts)


def plot_learning_curve(
    path: str | os.PathLike[str],
    rows: Sequence[dict[str, Any]],
    *,
    title: str,
    eval_label: str = "evaluation",
    test_label: str = "greedy test games won",
    window: int = 100,
) -> str:
    """Draw, against episodes, what says how the learner does: in two-player self-play
    the greedy test games (``test``, named ``test_label``; the self-play results say
    nothing when both seats are the learner), against a fixed opponent the rates of the
    learner's wins, draws and losses, in one-player games the moving-average return;
    and the periodic evaluation (``eval``) if any. Save as PNG at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    episodes = np.array([r["episode"] for r in rows], dtype=float)
    evals = [(r["episode"], r["eval"]) for r in rows if r.get("eval") is not None]
    outcomes = [r.get("outcome") for r in rows]
    tests = [(r["episode"], r["test"]) for r in rows if r.get("test") is not None]
    two_player = any(o is not None for o in outcomes)
    panels = 1 + bool(evals)
    fig = Figure(figsize=(7, 3.2 * panels), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(panels, 1, 1)
    if tests:
        x, y = zip(*tests, strict=True)
        ax.plot(x, y, marker="o", markersize=3, label=test_label)
        ax.set_ylabel("fraction won")
        ax.set_ylim(-0.02, 1.02)
    elif two_player:
        labels = ("learner wins", "draws", "learner losses")
        for value, label in zip((1, 0, -1), labels, strict=True):
            hits = [float(o == value) for o in outcomes]
            ax.plot(episodes, moving_average(hits, window), label=label)
        ax.set_ylabel(f"rate, last {window} episodes")
        ax.set_ylim(-0.02, 1.02)
    else:
        returns = [r["return"] for r in rows]
        ax.plot(episodes, returns, color="0.8", linewidth=0.5, label="episode return")
        ax.plot(episodes, moving_average(returns, window), label=f"mean of last {window}")
        ax.set_ylabel("return")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    if evals:
        ax2 = fig.add_subplot(panels, 1, 2, sharex=ax)
        x, y = zip(*evals, strict=True)
        ax2.plot(x, y, marker="o", markersize=3)
        ax2.set_ylabel(eval_label)
        ax2.grid(alpha=0.3)
        ax2.set_xlabel("episode")
    else:
        ax.set_xlabel("episode")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return str(path)
