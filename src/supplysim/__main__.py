"""``python -m supplysim``: the command-line interface."""

from __future__ import annotations

from supplysim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
