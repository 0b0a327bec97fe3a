"""The offer rule and what our session descriptions declare."""

from __future__ import annotations

from desktop.core import UserId
from desktop.media.peer import OPUS_FMTP, makes_offer, with_opus_fec

AIORTC_AUDIO = (
    "v=0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 96 9 0\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
)


def test_the_smaller_id_offers_by_code_point() -> None:
    assert makes_offer(UserId("ann"), UserId("zed"))
    assert not makes_offer(UserId("zed"), UserId("ann"))
    assert makes_offer(UserId("Zed"), UserId("ann"))  # upper case sorts first


def test_opus_is_declared_with_in_band_fec_right_after_its_rtpmap() -> None:
    sdp = with_opus_fec(AIORTC_AUDIO)
    lines = sdp.split("\r\n")
    opus = lines.index("a=rtpmap:96 opus/48000/2")
    assert lines[opus + 1] == f"a=fmtp:96 {OPUS_FMTP}"
    assert "useinbandfec=1" in OPUS_FMTP
    assert sdp.replace(f"a=fmtp:96 {OPUS_FMTP}\r\n", "") == AIORTC_AUDIO


def test_an_existing_opus_fmtp_is_left_alone() -> None:
    sdp = AIORTC_AUDIO.replace(
        "a=rtpmap:96 opus/48000/2\r\n", "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1\r\n"
    )
    assert with_opus_fec(sdp) == sdp
