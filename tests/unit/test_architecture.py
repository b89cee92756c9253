"""The dependency rule holds, and the checker really catches a forbidden import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture import PACKAGES, check

ROOT = Path(__file__).resolve().parents[2]


def test_the_source_tree_follows_the_dependency_rule() -> None:
    violations = check(ROOT)
    assert not violations, "\n".join(map(str, violations))


def _tree(tmp_path: Path, package: str, source: str) -> Path:
    for name in PACKAGES:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / package / "module.py").write_text(source)
    return tmp_path


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("domain", "import sqlalchemy\n"),
        ("domain", "from storage.uow import SqlUnitOfWork\n"),
        ("domain", "import aiogram\n"),
        ("panel", "from storage.tables import BookingRow\n"),
        ("bot", "import storage\n"),
        ("scheduler", "from aiogram import Bot\n"),
        ("webhooks", "from sqlmodel import select\n"),
        ("dialogs", "from app.wiring import build_app\n"),
    ],
)
def test_a_forbidden_import_is_reported(tmp_path: Path, package: str, source: str) -> None:
    violations = check(_tree(tmp_path, package, source))
    assert [(v.package, v.line) for v in violations] == [(package, 1)]


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("domain", "from datetime import datetime\nfrom domain.model import Booking\n"),
        ("storage", "import sqlalchemy\nfrom domain.model import Booking\n"),
        ("bot", "from dialogs import states\nimport aiogram\n"),
        ("app", "import storage\nimport bot\n"),
    ],
)
def test_allowed_imports_pass(tmp_path: Path, package: str, source: str) -> None:
    assert check(_tree(tmp_path, package, source)) == []
