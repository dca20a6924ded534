"""``python -m qarcade``: the command line."""

import sys

from qarcade.cli import main

sys.exit(main())
