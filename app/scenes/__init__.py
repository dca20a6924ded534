"""The app's screens: :class:`~app.scenes.menu.MenuScene` and
:class:`~app.scenes.game.GameScene` (Play, Versus, Watch)."""
