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
        check=True,
        timeout=120,
    )
    lines = [line.split("=", 1) for line in result.stdout.splitlines()]
    return {name: float(value) for name, value in lines}


def test_distribute_benchmark_prints_both_ratios() -> None:
    figures = run_benchmark("distribute.py", "--attendees", "500", "--rooms", "10", "--repeat", "3")
    assert figures["attendees"] == 500
    assert figures["distribute_vs_sort_ratio"] > 0
    assert figures["conflicts_vs_sort_ratio"] > 0
