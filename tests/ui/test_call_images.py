"""Camera pictures as the call's tiles show them: colours and orientation kept,
our own preview mirrored, and each image owning its pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from desktop.ui.call_flow import image_of

RED, BLUE = (255, 0, 0), (0, 0, 255)


def left_red_right_blue() -> np.ndarray:
    picture = np.zeros((4, 6, 3), dtype=np.uint8)
    picture[:, :3] = RED
    picture[:, 3:] = BLUE
    return picture


def test_a_picture_keeps_its_colours_and_orientation() -> None:
    image = image_of(left_red_right_blue())

    assert (image.width(), image.height()) == (6, 4)
    assert image.pixelColor(0, 0) == QColor(*RED)
    assert image.pixelColor(5, 3) == QColor(*BLUE)


def test_our_own_preview_shows_as_in_a_mirror() -> None:
    image = image_of(left_red_right_blue(), mirrored=True)

    assert image.pixelColor(0, 0) == QColor(*BLUE)
    assert image.pixelColor(5, 3) == QColor(*RED)


def test_the_image_owns_its_pixels() -> None:
    picture = left_red_right_blue()
    image = image_of(picture)

    picture[:] = 0

    assert image.pixelColor(0, 0) == QColor(*RED)
