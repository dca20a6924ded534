"""Space Invaders: headless rules (:mod:`.rules`), the env (:mod:`.env`) and a numpy
rasteriser for pixel observations (:mod:`.pixels`). Nothing here imports pygame."""
