"""The benchmarks keep running: each prints its ``name=value`` lines on a small load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_benchmark(script: str, *arguments: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stderr[-3000:]}"
    lines = [line.split("=", 1) for line in result.stdout.splitlines()]
    return {name: float(value) for name, value in lines}


def test_distribute_benchmark_prints_both_ratios() -> None:
    figures = run_benchmark("distribute.py", "--attendees", "500", "--rooms", "10", "--repeat", "3")
    assert figures["attendees"] == 500
    assert figures["distribute_vs_sort_ratio"] > 0
    assert figures["conflicts_vs_sort_ratio"] > 0


def test_fanout_benchmark_prints_its_figures() -> None:
    figures = run_benchmark("server_fanout.py", "--clients", "20", "--rooms", "4", "--repeat", "2")
    assert figures["clients"] == 20
    assert figures["rooms"] == 4
    for name in (
        "fanout_p50_ms",
        "fanout_p99_ms",
        "bare_p50_ms",
        "bare_p99_ms",
        "fanout_vs_bare_ratio",
    ):
        assert figures[name] > 0, name


def test_ui_panel_benchmark_prints_its_figures() -> None:
    figures = run_benchmark("ui_panel.py", "--attendees", "200", "--rooms", "10", "--repeat", "2")
    assert figures["attendees"] == 200
    for name in (
        "baseline_tree_ms",
        "panel_open_ms",
        "distribute_repaint_ms",
        "drop_ms",
        "open_vs_baseline_ratio",
        "distribute_vs_baseline_ratio",
        "drop_vs_baseline_ratio",
    ):
        assert figures[name] > 0, name


def test_audio_latency_benchmark_prints_its_figures() -> None:
    figures = run_benchmark(
        "audio_latency.py", "--seconds", "3", "--mesh-seconds", "1", "--mesh-rounds", "1"
    )
    assert figures["clicks_clean"] >= 2
    assert figures["clicks_after_loss"] >= 2
    for name in (
        "aiortc_latency_ms_p50",
        "aiortc_latency_after_loss_ms_p50",
        "latency_ms_p50",
        "latency_vs_aiortc_ratio",
        "latency_after_loss_ms_p50",
        "naive_cpu_per_audio_peer_pct",
        "cpu_per_audio_peer_pct",
        "mesh_cpu_vs_naive_ratio",
    ):
        assert figures[name] > 0, name


def test_video_encode_benchmark_prints_its_figures() -> None:
    figures = run_benchmark("video_encode.py", "--peers", "2", "--frames", "10")
    assert figures["peers"] == 2
    assert figures["frames"] == 10
    for name in (
        "shared_encode_ms_per_frame",
        "per_peer_encode_ms_per_frame",
        "shared_vs_per_peer_ratio",
    ):
        assert figures[name] > 0, name
