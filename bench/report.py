"""The benchmark result document of ARCHITECTURE.md."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Metric:
    """One measured value; ``meets`` is None when the metric has no goal (never a made-up True)."""

    name: str
    value: float
    unit: str
    goal: str = ""
    meets: bool | None = None

    def __post_init__(self) -> None:
        if not self.goal and self.meets is not None:
            object.__setattr__(self, "meets", None)


def write(name: str, metrics: list[Metric], notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "metrics": [asdict(m) for m in metrics],
        "notes": notes,
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
