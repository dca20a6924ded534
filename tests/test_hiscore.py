"""The HI-SCORE file: a person's best, never lowered; a damaged or unwritable file is no
crash. (Which scores count, and where they show, is tested with the scenes, in
test_app.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qarcade.app.hiscore import HiScore


def test_the_best_kept_is_never_lowered(tmp_path: Path) -> None:
    path = tmp_path / "data" / "invaders.json"
    HiScore(path).keep(120)
    assert json.loads(path.read_text()) == {"best": 120}
    HiScore(path).keep(50)
    assert HiScore(path).best == 120


@pytest.mark.parametrize(
    "content", ["", "{", "[1, 2]", '{"best": "many"}', '{"best": -5}', '{"other": 3}', "\x00\xff"]
)
def test_damaged_hiscore_file_counts_as_no_record(tmp_path: Path, content: str) -> None:
    path = tmp_path / "invaders.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    hiscore = HiScore(path)
    assert hiscore.best == 0
    hiscore.keep(30)
    assert HiScore(path).best == 30


def test_unwritable_hiscore_path_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    hiscore = HiScore(blocker / "sub" / "invaders.json")
    hiscore.keep(40)
    assert hiscore.best == 40
