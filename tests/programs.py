"""The programs test kits run, and the Debian packages that provide them."""

from __future__ import annotations

import shutil

import pytest

PACKAGES = {
    "Xvfb": "xvfb",
    "dbus-daemon": "dbus-daemon",
    "dbus-send": "dbus-bin",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "pulseaudio": "pulseaudio",
    "pactl": "pulseaudio-utils",
    "paplay": "pulseaudio-utils",
    "parec": "pulseaudio-utils",
    "espeak-ng": "espeak-ng",
    "sox": "sox",
}
"""The Debian package providing each program."""


def require(*programs: str) -> None:
    """Fail the test, naming the Debian packages, if a program is not installed."""
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        packages = " ".join(sorted({PACKAGES.get(program, program) for program in missing}))
        pytest.fail(
            f"{', '.join(missing)} not found: install the Debian packages {packages} "
            "(scripts/dev.sh test installs them)",
            pytrace=False,
        )
