"""``python main.py`` from a source checkout: the same command line as ``qarcade``."""

import sys

from qarcade.cli import main

if __name__ == "__main__":
    sys.exit(main())
