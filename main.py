"""Splinescope entry point: ``python main.py`` opens the window (``--help`` for more)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
