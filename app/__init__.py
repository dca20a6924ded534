"""The pygame application: a menu, scenes for play, versus and watch, a HUD and the one
asset loader. ``python main.py`` opens it; nothing outside ``app/`` and the ``view``
modules imports pygame, and this package imports it only when a window is wanted."""
