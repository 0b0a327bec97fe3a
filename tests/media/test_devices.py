"""Sound devices by name, on a virtual sound server, and the remembered choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from soundkit import SoundServer

from desktop.media import devices
from desktop.media.devices import CHOICE_FILE, DeviceChoice, DeviceKind
from desktop.media.errors import MediaError, MediaErrorCode


def test_each_machine_lists_a_speaker_and_a_microphone(sound: SoundServer) -> None:
    listed = {device.name: device for device in devices.list_devices()}
    for machine in sound.machines:
        speaker = listed[machine.speaker_device]
        mic = listed[machine.mic_device]
        assert (speaker.max_input_channels, mic.max_output_channels) == (0, 0)
        assert speaker.max_output_channels >= 1
        assert mic.max_input_channels >= 1
        assert speaker.host_api == mic.host_api == "ALSA"
        assert speaker.default_samplerate > 0
        assert not speaker.is_default_output
        assert not mic.is_default_input
    assert {m.mic_device for m in sound.machines} <= {d.name for d in devices.inputs()}
    assert {m.speaker_device for m in sound.machines} <= {d.name for d in devices.outputs()}
    assert not {m.speaker_device for m in sound.machines} & {d.name for d in devices.inputs()}


def test_exactly_one_default_device_each_way(sound: SoundServer) -> None:
    listed = devices.list_devices()
    default_input = [device for device in listed if device.is_default_input]
    default_output = [device for device in listed if device.is_default_output]
    assert len(default_input) == len(default_output) == 1
    assert devices.resolve(None, DeviceKind.INPUT) == default_input[0].index
    assert devices.resolve(None, DeviceKind.OUTPUT) == default_output[0].index


def test_names_resolve_to_current_indices(sound: SoundServer) -> None:
    listed = {device.name: device.index for device in devices.list_devices()}
    for machine in sound.machines:
        assert devices.find(machine.mic_device, DeviceKind.INPUT) == listed[machine.mic_device]
        assert (
            devices.find(machine.speaker_device, DeviceKind.OUTPUT)
            == (listed[machine.speaker_device])
        )
        # A speaker is no microphone, whatever its name.
        assert devices.find(machine.speaker_device, DeviceKind.INPUT) is None
    # Exact names only: PortAudio's own lookup would take a part of a name.
    assert devices.find("roomcast_mic", DeviceKind.INPUT) is None


def test_choice_round_trips_through_its_file(sound: SoundServer, tmp_path: Path) -> None:
    second = sound.machines[1]
    chosen = DeviceChoice(input=second.mic_device, output=second.speaker_device)
    chosen.save(tmp_path / "data")

    loaded = DeviceChoice.load(tmp_path / "data")

    assert loaded == chosen
    assert json.loads((tmp_path / "data" / CHOICE_FILE).read_text(encoding="utf-8")) == {
        "input": "roomcast_mic2",
        "output": "roomcast_spk2",
        "camera": None,
    }
    assert loaded.input is not None
    assert devices.resolve(loaded.input, DeviceKind.INPUT) == devices.find(
        second.mic_device, DeviceKind.INPUT
    )


def test_saving_replaces_only_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text("{}", encoding="utf-8")
    DeviceChoice(input="Headset").save(tmp_path)
    DeviceChoice(output="Speakers", camera="Front camera").save(tmp_path)

    assert sorted(path.name for path in tmp_path.iterdir()) == [CHOICE_FILE, "other.json"]
    assert DeviceChoice.load(tmp_path) == DeviceChoice(output="Speakers", camera="Front camera")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, DeviceChoice()),
        ("", DeviceChoice()),
        ("{not json", DeviceChoice()),
        ('["Headset"]', DeviceChoice()),
        ('{"input": 3, "output": "Speakers"}', DeviceChoice(output="Speakers")),
        ('{"input": "", "output": null, "extra": 1}', DeviceChoice()),
        ('{"input": "Headset"}', DeviceChoice(input="Headset")),
        ('{"camera": "Front camera"}', DeviceChoice(camera="Front camera")),
        ('{"camera": ["Front camera"]}', DeviceChoice()),
    ],
)
def test_missing_or_damaged_choice_gives_defaults(
    tmp_path: Path, content: str | None, expected: DeviceChoice
) -> None:
    if content is not None:
        (tmp_path / CHOICE_FILE).write_text(content, encoding="utf-8")

    assert DeviceChoice.load(tmp_path) == expected
    # Reading never rewrites what is there.
    if content is not None:
        assert (tmp_path / CHOICE_FILE).read_text(encoding="utf-8") == content


def test_a_device_that_is_gone_is_missing(lone_machine: SoundServer, tmp_path: Path) -> None:
    machine = lone_machine.machines[0]
    DeviceChoice(input=machine.mic_device, output=machine.speaker_device).save(tmp_path)
    assert devices.find(machine.mic_device, DeviceKind.INPUT) is not None

    lone_machine.unplug(machine)
    devices.rescan()

    remembered = DeviceChoice.load(tmp_path)
    assert remembered.input == machine.mic_device  # still remembered for when it is back
    assert devices.find(machine.mic_device, DeviceKind.INPUT) is None
    assert devices.find(machine.speaker_device, DeviceKind.OUTPUT) is None
    with pytest.raises(MediaError) as raised:
        devices.resolve(remembered.input, DeviceKind.INPUT)
    assert raised.value.code is MediaErrorCode.DEVICE_MISSING
    assert raised.value.message == "The microphone “roomcast_mic1” is not connected."


def test_a_name_never_seen_is_missing(sound: SoundServer) -> None:
    with pytest.raises(MediaError) as raised:
        devices.resolve("USB Headset", DeviceKind.OUTPUT)
    assert raised.value.code is MediaErrorCode.DEVICE_MISSING
    assert "speaker “USB Headset”" in raised.value.message
