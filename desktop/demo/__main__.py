"""``python -m desktop.demo``: the demo's simulated attendees (see :mod:`desktop.demo.child`)."""

from desktop.demo.child import main

if __name__ == "__main__":
    raise SystemExit(main())
