"""The ``agendei`` command line, against each backend."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import Backend


def _agendei(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env={"AGENDEI_DATABASE_URL": backend.database_url, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_migrate_then_provider_create_prints_ids(backend: Backend) -> None:
    assert _agendei(backend, "migrate").returncode == 0
    result = _agendei(
        backend,
        "provider",
        "create",
        "--email",
        "Zé@Example.com",
        "--password",
        "s3nha-forte",
        "--business-name",
        "Barbearia do Zé",
        "--timezone",
        "America/Recife",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["slug"] == "barbearia-do-ze"
    assert isinstance(created["business_id"], int) and isinstance(created["user_id"], int)

    again = _agendei(
        backend,
        "provider",
        "create",
        "--email",
        "zé@example.com",
        "--password",
        "s3nha-forte",
        "--business-name",
        "Outra",
    )
    assert again.returncode == 2
    assert again.stderr.strip() == "agendei: error: email: taken"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["provider", "create", "--email", "a@b.co"], "the following arguments are required"),
        (
            [
                "provider",
                "create",
                "--email",
                "a@b.co",
                "--password",
                "short",
                "--business-name",
                "X",
            ],
            "password must have at least 8 characters",
        ),
        (
            [
                "provider",
                "create",
                "--email",
                "a@b.co",
                "--password",
                "longenough",
                "--business-name",
                "X",
                "--timezone",
                "Mars/Olympus",
            ],
            "timezone: unknown time zone",
        ),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_wrong_arguments_give_one_line_and_nonzero_exit(
    backend: Backend, args: list[str], message: str
) -> None:
    result = _agendei(backend, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
