"""The demo on a real X server, photographed: the main window, the settings
dialog, the Smart Distribute panel with a conflict, the moderator's rooms
overview and a participant's join banner.

The PNGs go to ``ROOMCAST_ARTEFACTS`` (default: ``artefacts/screenshots`` in the
repository) so they can be looked at after every run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage
from screenkit import desktop_session

TOUR = Path(__file__).with_name("tour.py")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = (
    "main_window.png",
    "settings_dialog.png",
    "smart_distribute_conflict.png",
    "rooms_overview.png",
    "participant_join_banner.png",
    "rooms_overview_dark.png",
    "room_call.png",
)


def artefacts() -> Path:
    return Path(os.environ.get("ROOMCAST_ARTEFACTS", ROOT / "artefacts")) / "screenshots"


def test_the_demo_tour_saves_a_screenshot_of_each_main_screen() -> None:
    out = artefacts()
    for name in SHOTS:
        (out / name).unlink(missing_ok=True)
    with desktop_session() as session:
        environment = {**session.environment(), "QT_QPA_PLATFORM": "xcb"}
        result = subprocess.run(
            [sys.executable, str(TOUR), str(out)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=110,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # What the app built at start-up is out of the collector's full scans.
    frozen = re.search(r"^tour: frozen=(\d+)$", result.stdout, re.MULTILINE)
    assert frozen is not None, result.stdout[-3000:]
    assert int(frozen.group(1)) > 10_000
    for name in SHOTS:
        image = QImage(str(out / name))
        assert not image.isNull(), name
        assert image.width() >= 600, name
        assert image.height() >= 300, name
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 23)
            for y in range(0, image.height(), 17)
        }
        assert len(colours) > 20, f"{name} looks blank"
