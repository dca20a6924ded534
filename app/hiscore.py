"""A person's best score at a game that keeps a score (the Invaders HI-SCORE).

Kept in a small JSON file per game in the user's data folder (:func:`hiscore_path`),
where a missing or damaged file simply counts as no record. Only the scene knows whether
a person plays a lane, so only a scene writes here; agents' scores never count (a bot's
4,000 points beside a person's record would be a record nobody can keep). Views show
what the scene hands them (:attr:`games.view.View.best_score`).
"""

from __future__ import annotations

import json
from pathlib import Path

from qarcade.games.files import FileProblem, WriteError, atomic_write, loads_json, read_file
from qarcade.games.userdata import user_data_dir


def hiscore_path(game: str) -> Path:
    """Where the best score at ``game`` is kept: ``<game>.json`` in ``$QARCADE_DATA_DIR``
    if set, else in the platform's per-user data folder (``~/.local/share/qarcade`` on
    Linux)."""
    return user_data_dir() / f"{game}.json"


class HiScore:
    """The best of the kept record and the scores a person made since it was read.

    :meth:`update` while a person's game is under way (it shows at once), :meth:`keep`
    when it ends (it is written if it beats the record).

    Args:
        path: the JSON file (``{"best": 1234}``), or None to keep nothing on disk.
            A missing, unreadable or malformed file counts as no record, and a file that
            cannot be written is left alone: a high score is never worth a crash.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.record = self._load()
        self.best = self.record

    def _load(self) -> int:
        if self.path is None:
            return 0
        try:
            data = loads_json(read_file(self.path, 4096, what="hi-score file"), source="hi-score")
            best = data["best"]
        except (FileProblem, TypeError, KeyError):
            return 0
        return best if isinstance(best, int) and 0 <= best < 10**9 else 0

    def update(self, score: float) -> None:
        """Show ``score`` of the person's game under way as the best if it beats it."""
        self.best = max(self.best, int(score))

    def keep(self, score: float) -> None:
        """Write ``score`` as the record if it beats it (atomically: write, then rename)."""
        self.update(score)
        if self.path is None or int(score) <= self.record:
            return
        data = json.dumps({"best": int(score)}).encode("utf-8")
        try:
            atomic_write(self.path, lambda f: f.write(data))
        except WriteError:
            return
        self.record = int(score)
