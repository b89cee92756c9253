"""``agendei`` command line: run, migrate, doctor, backup, restore, provider create / link-code."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING

from domain.accounts import create_provider
from domain.errors import InvalidInput
from panel.passwords import MIN_PASSWORD_LENGTH, hash_password
from storage.migrate import migrate

from .logs import configure_logging
from .settings import Settings, SettingsError, load_settings
from .wiring import build_app, build_container

if TYPE_CHECKING:
    import uvicorn


class _Parser(argparse.ArgumentParser):
    """argparse that fails with one line and exit code 2 (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"agendei: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="agendei", description="Booking for small businesses.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="migrate, then serve web + bot + scheduler")
    run.add_argument("--polling", action="store_true", help="long polling (no public URL)")
    run.add_argument("--no-demo", action="store_true", help="do not seed a demo business")
    run.add_argument("--host", default=None)
    run.add_argument("--port", type=int, default=None)

    commands.add_parser("migrate", help="bring the database schema up to date")

    doctor = commands.add_parser("doctor", help="check the set-up: token, webhook, database...")
    doctor.add_argument("--polling", action="store_true", help="the bot runs with --polling")
    doctor.add_argument("--lang", default="pt_BR", choices=["pt_BR", "en"])

    backup = commands.add_parser("backup", help="copy the SQLite database while serving")
    backup.add_argument("file", help="where to write the copy (a new file)")
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("file", help="a file written by `agendei backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    provider = commands.add_parser("provider", help="manage provider accounts")
    provider_commands = provider.add_subparsers(
        dest="provider_command", required=True, parser_class=_Parser
    )
    create = provider_commands.add_parser("create", help="create an account and its business")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--business-name", required=True)
    create.add_argument("--timezone", default="America/Sao_Paulo")
    create.add_argument("--locale", default="pt_BR", choices=["pt_BR", "en"])
    create.add_argument("--json", action="store_true", help="print the ids as JSON")
    link = provider_commands.add_parser(
        "link-code", help="a one-time link that connects a Telegram account (15 min)"
    )
    link.add_argument("--business-id", type=int, required=True)
    link.add_argument("--staff-id", type=int, default=None)
    link.add_argument(
        "--bot-username", default=None, help="default: the configured bot's name (getMe)"
    )
    return parser


async def _migrate(settings: Settings) -> None:
    container = build_container(settings)
    try:
        await migrate(container.engine)
    finally:
        await container.close()


async def _provider_create(settings: Settings, args: argparse.Namespace) -> int:
    if len(args.password) < MIN_PASSWORD_LENGTH:
        print(
            f"agendei: error: password must have at least {MIN_PASSWORD_LENGTH} characters",
            file=sys.stderr,
        )
        return 2
    container = build_container(settings)
    try:
        await migrate(container.engine)
        result = await create_provider(
            container.uow_factory(),
            email=args.email,
            password_hash=await hash_password(args.password),
            business_name=args.business_name,
            timezone=args.timezone,
            locale=args.locale,
        )
    except InvalidInput as error:
        print(f"agendei: error: {error.field}: {error.message or 'invalid'}", file=sys.stderr)
        return 2
    finally:
        await container.close()
    b = result.business
    if args.json:
        print(json.dumps({"user_id": result.user.id, "business_id": b.id, "slug": b.slug}))
    else:
        print(f"Created business {b.name!r} (id {b.id}, slug {b.slug}) for {result.user.email}")
    return 0


async def _provider_link_code(settings: Settings, args: argparse.Namespace) -> int:
    from domain.errors import NotFound
    from domain.linking import issue_link_code

    from .bot_wiring import SANDBOX_USERNAME
    from .identity import ask_telegram

    username = args.bot_username
    if not username and settings.sandbox:
        username = SANDBOX_USERNAME
    elif not username:
        try:
            username = await ask_telegram(settings.telegram_token, settings.telegram_api_base)
        except Exception as error:  # bad token, Telegram unreachable: say which, and how to go on
            print(
                f"agendei: error: Telegram did not tell the bot's name (getMe: {error}); "
                "check AGENDEI_TELEGRAM_TOKEN or pass --bot-username",
                file=sys.stderr,
            )
            return 2
    container = build_container(settings)
    try:
        await migrate(container.engine)
        code, expires = await issue_link_code(
            container.uow_factory(),
            now=container.clock(),
            business_id=args.business_id,
            staff_id=args.staff_id,
        )
    except NotFound as error:
        print(f"agendei: error: {error.what} not found", file=sys.stderr)
        return 2
    finally:
        await container.close()
    print(f"https://t.me/{username}?start=link-{code}")
    print(f"valid until {expires.isoformat(timespec='minutes')} (one use)", file=sys.stderr)
    return 0


async def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from .doctor import Subject, diagnose, report

    container = build_container(settings)
    try:
        subject = Subject(
            settings=settings,
            engine=container.engine,
            redis=container.redis,
            polling=bool(args.polling),
        )
        findings = await diagnose(subject)
    finally:
        await container.close()
    print(report(findings, args.lang))
    return 0 if all(f.ok for f in findings) else 1


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from storage.backup import (
        BackupError,
        backup_sqlite,
        postgres_advice,
        restore_sqlite,
        sqlite_path,
    )

    try:
        database = sqlite_path(settings.database_url)
        if database is None:
            print(postgres_advice(settings.database_url))
            return 2
        if args.command == "backup":
            backup_sqlite(database, Path(args.file))
            print(f"backup written to {args.file}")
            return 0
        if not args.yes:
            answer = input(f"Replace {database} with {args.file}? Stop Agendei first. [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "s", "sim"):
                print("nothing changed")
                return 1
        restore_sqlite(Path(args.file), database)
    except BackupError as error:
        print(f"agendei: error: {error}", file=sys.stderr)
        return 2
    print(f"{database} restored from {args.file}; run `agendei migrate` if it is older")
    return 0


async def _demo(settings: Settings) -> str | None:
    from .demo import ensure_demo

    container = build_container(settings)
    try:
        shown = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return await ensure_demo(container, f"http://{shown}:{settings.port}")
    finally:
        await container.close()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    # The bot wiring builds its own URLs (sandbox webhook, emulator) from these settings.
    settings = settings.model_copy(update={"host": host, "port": port})
    asyncio.run(_migrate(settings))
    if not args.no_demo:
        line = asyncio.run(_demo(settings))
        if line:
            print(line, flush=True)
    container = build_container(settings)
    container.polling = bool(args.polling)
    app = build_app(container)
    logging.getLogger("agendei").info("Agendei on http://%s:%s", host, port)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through our handler (JSON when configured)
        # SIGTERM: stop accepting, let requests in flight finish for at most this long.
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
    )
    _graceful_server(config, container.stop_signals).run()
    return 0


def _graceful_server(config: uvicorn.Config, hooks: list[Callable[[], None]]) -> uvicorn.Server:
    """uvicorn's server, telling the app the moment a stop signal arrives (the scheduler stops
    claiming at once, while the requests in flight drain), not only at lifespan shutdown."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            for hook in hooks:
                try:
                    hook()
                except Exception:  # stopping must go on
                    logging.getLogger("agendei").exception("stop hook failed")
            super().handle_exit(sig, frame)

    return Server(config)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"agendei: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("database is up to date")
        return 0
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args)
    if args.command == "doctor":
        return asyncio.run(_doctor(settings, args))
    if args.command == "provider" and args.provider_command == "link-code":
        return asyncio.run(_provider_link_code(settings, args))
    if args.command == "provider":
        return asyncio.run(_provider_create(settings, args))
    return _serve(settings, args)


if __name__ == "__main__":
    sys.exit(main())
