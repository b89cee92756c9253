"""Run every benchmark module listed in ``BENCHMARKS`` and write its JSON result."""

from __future__ import annotations

import importlib
import sys

from bench.report import RESULTS

# Modules exposing ``run() -> dict`` (the result document); added as benchmarks land.
BENCHMARKS: list[str] = ["availability", "scheduler_delivery", "webhook_throughput"]


def main(argv: list[str]) -> int:
    selected = argv or BENCHMARKS
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not selected:
        print("no benchmarks defined yet")
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        path = module.run()
        print(f"{name}: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
