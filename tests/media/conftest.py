"""Sound servers for the media tests that use real sound devices."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from soundkit import SoundServer, virtual_sound


@pytest.fixture(scope="module")
def sound() -> Iterator[SoundServer]:
    """Two machines on a sound server shared by this module's tests."""
    with virtual_sound(machines=2) as server:
        yield server


@pytest.fixture
def lone_machine() -> Iterator[SoundServer]:
    """A server of the test's own with one machine: unplugging it leaves no device
    for PulseAudio to move streams to, so they fail as on a real unplug."""
    with virtual_sound(machines=1) as server:
        yield server
