"""A bug that escapes every handler: a 500 answer, and the kept-alive connection still works."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from app.security import install_security
from app.settings import load_settings
from tests.e2e.emulator_fixtures import serve_app


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/panel/boom")
    async def boom() -> PlainTextResponse:
        raise RuntimeError("a bug")

    @app.get("/panel/fine")
    async def fine() -> PlainTextResponse:
        return PlainTextResponse("fine")

    install_security(app, load_settings(database_url="sqlite+aiosqlite:///unused.db"))
    return app


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> bytes:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length)
    return status.split()[1] + b" " + body


async def test_a_500_keeps_the_connection_usable() -> None:
    async with serve_app(_app()) as url:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        first = await _get(reader, writer, "/panel/boom")
        assert first.startswith(b"500 ") and b'href="/panel"' in first
        assert await _get(reader, writer, "/panel/fine") == b"200 fine"
        writer.close()
