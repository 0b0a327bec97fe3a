"""The line the app hands the demo process, the ready line it answers with, and
how the attendees' additions are cut into batches that fit a frame."""

from __future__ import annotations

import json

import msgspec
import pytest

from desktop.core import AudioConnection, UserId
from desktop.core.commands import AddMember
from desktop.demo.crowd import batches
from desktop.demo.order import (
    Behaviour,
    Order,
    OrderRefused,
    order_line,
    read_order,
    read_ready,
    ready_line,
)
from desktop.protocol.codec import MAX_FRAME_BYTES

ORDER = Order(
    url="ws://127.0.0.1:8765/ws",
    token="s3cret-token",
    conversation_id="c1",
    count=12,
    seed=3,
    behaviour=Behaviour(help_probability=1.0, help_after=(0.0, 0.5)),
)


def test_an_order_survives_the_line() -> None:
    line = order_line(ORDER)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert read_order(line) == ORDER


def test_knobs_sit_flat_beside_the_rest() -> None:
    fields = json.loads(order_line(ORDER))
    assert fields["help_probability"] == 1.0
    assert "behaviour" not in fields
    plain = {"url": "ws://x/ws", "token": "t", "conversation_id": "c", "help_probability": 0.5}
    order = read_order(json.dumps(plain).encode())
    assert order.count == 40
    assert order.behaviour == Behaviour(help_probability=0.5)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"help_every": 3}, "help_every"),
        ({"help_probability": 1.5}, "help_probability"),
        ({"reaction": [5, 1]}, "reaction must go from low to high"),
        ({"count": 0}, "count"),
        ({"token": None}, "token"),
    ],
)
def test_a_wrong_order_is_refused_saying_what_is_wrong(
    change: dict[str, object], complaint: str
) -> None:
    fields = {**json.loads(order_line(ORDER)), **change}
    with pytest.raises(OrderRefused, match=complaint):
        read_order(json.dumps(fields).encode())


def test_garbage_is_refused() -> None:
    with pytest.raises(OrderRefused, match="not valid"):
        read_order(b"hello")


def test_the_token_stays_out_of_the_order_s_text() -> None:
    assert "s3cret-token" not in repr(ORDER)
    assert "s3cret-token" not in str(ORDER)
    assert "c1" in repr(ORDER)


def test_the_ready_line() -> None:
    line = ready_line(40)
    assert json.loads(line) == {"ready": True, "attendees": 40}
    ready = read_ready(line)
    assert ready is not None
    assert ready.attendees == 40
    assert read_ready(b"something else\n") is None
    assert read_ready(b'{"ready": false, "attendees": 0}') is None


def test_additions_are_cut_into_batches_that_fit_a_frame() -> None:
    adds = [
        AddMember(
            user_id=UserId(f"person.number-{index:03}"),
            audio=AudioConnection.VOIP,
            attributes={"team": "Engineering"},
        )
        for index in range(200)
    ]
    assert len(list(batches(adds))) == 1
    small = list(batches(adds, limit=2000))
    assert len(small) > 1
    assert [add for batch in small for add in batch.commands] == adds
    for batch in small:
        assert len(msgspec.json.encode(batch)) <= 2000 + 100
    assert len(msgspec.json.encode(next(batches(adds)))) < MAX_FRAME_BYTES // 2 + 100
