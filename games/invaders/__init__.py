"""Space Invaders: headless rules (:mod:`.rules`), the env (:mod:`.env`) and a numpy
rasteriser for pixel observations (:mod:`.pixels`). Nothing here imports pygame."""

from qarcade.games.invaders.rules import TICKS_PER_SECOND
from qarcade.games.spec import GameSpec

__all__ = ["SPEC"]


SPEC = GameSpec(
    name="invaders",
    title="Invaders",
    env="qarcade.games.invaders.env:InvadersEnv",
    view="qarcade.games.invaders.view:InvadersView",
    order=2,
    keeps_score=True,
    players=("scripted",),
    fallback="scripted",
    baselines=("random", "scripted"),
    baseline_options={"obs_mode": "features"},
    learner_settings="qarcade.games.invaders.learning:learner_settings",
    discretiser="invaders",
    gym_id="qarcade/Invaders-v0",
    ticks_per_second=TICKS_PER_SECOND,
)
