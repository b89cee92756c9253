"""The body cap refuses early: a declared size at once, a streamed body once it passes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from webhooks.body_limit import BodyLimitMiddleware

CAP = 64 * 1024


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=CAP)
    return app


async def test_small_bodies_pass_and_large_ones_get_413_without_being_read_whole() -> None:
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1000):  # 16 MB if read to the end
            pulled += 16 * 1024
            yield b"x" * (16 * 1024)

    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/echo", content=b"x" * CAP)).text == str(CAP)
        declared = await client.post("/echo", content=b"x" * (CAP + 1))
        assert declared.status_code == 413
        chunked = await client.post("/echo", content=stream())
        assert chunked.status_code == 413
        assert chunked.headers["connection"] == "close"
    assert pulled <= CAP + 32 * 1024
