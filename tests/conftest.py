"""Shared test setup: headless SDL, so view tests run without a screen or sound card."""

import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


@pytest.fixture(autouse=True)
def _own_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the person's data folder: the window prefers their own
    agents (a sweep's best) to the shipped ones, and Learn and the hi-score write there."""
    monkeypatch.setenv("QARCADE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
