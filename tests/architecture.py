"""The dependency rule of ARCHITECTURE.md as data, and a checker over the source tree's ASTs."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = (
    "app",
    "domain",
    "storage",
    "dialogs",
    "bot",
    "scheduler",
    "webhooks",
    "panel",
    "i18n",
    "emulator",
)
DATABASE_LIBRARIES = ("sqlalchemy", "sqlmodel", "alembic", "aiosqlite", "asyncpg")

# package -> project packages it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "domain": frozenset(PACKAGES) - {"domain"},
    "storage": frozenset(PACKAGES) - {"storage", "domain"},
    "dialogs": frozenset({"app", "storage", "bot", "scheduler", "webhooks", "panel"}),
    "bot": frozenset({"app", "storage", "scheduler", "webhooks", "panel"}),
    "scheduler": frozenset({"app", "storage", "bot", "dialogs", "webhooks", "panel"}),
    "webhooks": frozenset({"app", "storage", "bot", "dialogs", "scheduler", "panel"}),
    "panel": frozenset({"app", "storage", "bot", "dialogs", "scheduler", "webhooks"}),
    "app": frozenset(),
    # shared catalogs and formatting: imports nothing of ours
    "i18n": frozenset(PACKAGES) - {"i18n"},
    # the Bot API emulator stands in for Telegram's servers: it knows nothing of Agendei
    "emulator": frozenset(PACKAGES) - {"emulator"},
}
# Third-party libraries kept out of packages that must not know them.
FORBIDDEN_LIBRARIES: dict[str, frozenset[str]] = {
    "scheduler": frozenset({"aiogram", "aiogram_dialog"}),
    "panel": frozenset({"aiogram", "aiogram_dialog"}),
}


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    package: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.package}/ imports {self.imported}"


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def check(root: Path) -> list[Violation]:
    violations = []
    stdlib = sys.stdlib_module_names
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for line, name in _imports(tree):
                top = name.split(".")[0]
                bad = (
                    top in FORBIDDEN[package]
                    or (package != "storage" and top in DATABASE_LIBRARIES)
                    or top in FORBIDDEN_LIBRARIES.get(package, frozenset())
                    or (package == "domain" and top not in stdlib and top != "domain")
                )
                if bad:
                    violations.append(Violation(path.relative_to(root), line, package, name))
    return violations
