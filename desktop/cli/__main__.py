"""``python -m desktop.cli``: see :mod:`desktop.cli`."""

from desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
