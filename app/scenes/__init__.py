"""The app's screens: :class:`~app.scenes.menu.MenuScene` and
:mod:`~app.scenes.game` (Play, Versus, Race, Watch), Learn and Compare."""
