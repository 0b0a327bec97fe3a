"""Sending our camera to a room: one shared VP8 encode against one per peer.

A moving test picture (libavfilter's ``testsrc2``, 1280x720 scaled to the 640
wide that is sent) goes to four peers. Roomcast encodes each frame once
(``VideoEncoder``) and every peer's sender only packetizes it; aiortc's default
is an encoder per sender, so four encodes per frame (its ``Vp8Encoder``). Both
encode the same frames, in turns, so a machine growing busier or quieter hits
both alike; the figures are CPU milliseconds per camera frame (medians).
Target: shared_vs_per_peer_ratio ≤ 0.35 for four peers.

    python bench/video_encode.py [--peers N] [--frames N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import av
from aiortc.codecs.vpx import Vp8Encoder
from av import VideoFrame

from desktop.media.tracks import KeyframeRequest
from desktop.media.video import SEND_WIDTH, FrameClock, VideoEncoder, scaled


def camera_frames(count: int) -> list[VideoFrame]:
    """``count`` frames of a moving picture, scaled and stamped as they are sent."""
    source = av.open("testsrc2=s=1280x720:r=30", format="lavfi")
    clock = FrameClock(iter(index / 30 for index in range(count)).__next__)
    frames = []
    for frame in source.decode(video=0):
        sent = scaled(frame, SEND_WIDTH).reformat(format="yuv420p")
        clock.stamp(sent)
        frames.append(sent)
        if len(frames) == count:
            break
    source.close()
    return frames


def encode_each(encoders: list[Vp8Encoder], frame: VideoFrame) -> None:
    for encoder in encoders:
        encoder.encode(frame)


def cpu_ms(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--peers", type=int, default=4)
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()

    frames = camera_frames(args.frames)
    shared = VideoEncoder(KeyframeRequest())
    per_peer = [Vp8Encoder() for _ in range(args.peers)]
    shared_ms, per_peer_ms = [], []
    for frame in frames:
        shared_ms.append(cpu_ms(partial(shared.encode, frame)))
        per_peer_ms.append(cpu_ms(partial(encode_each, per_peer, frame)))
    shared_frame = statistics.median(shared_ms)
    per_peer_frame = statistics.median(per_peer_ms)

    print(f"peers={args.peers}")
    print(f"frames={len(frames)}")
    print(f"shared_encode_ms_per_frame={shared_frame:.2f}")
    print(f"per_peer_encode_ms_per_frame={per_peer_frame:.2f}")
    print(f"shared_vs_per_peer_ratio={shared_frame / per_peer_frame:.2f}")


if __name__ == "__main__":
    main()
