"""``create_emulator_app``: the emulator as one ASGI app (Bot API + control routes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .api import build_api_router
from .control import build_control_router
from .errors import EmulatorError
from .state import EmulatorState


async def _emulator_error(_: Request, exc: Exception) -> JSONResponse:
    status = exc.status if isinstance(exc, EmulatorError) else 500
    return JSONResponse({"detail": str(exc)}, status_code=status)


def create_emulator_app(state: EmulatorState | None = None) -> FastAPI:
    """Build the emulator app around ``state`` (a fresh one if omitted).

    Pass your own state to drive users and inspect transcripts from the same process; it is
    reachable afterwards as ``app.state.emulator``. On shutdown pending long polls are
    released and a webhook client the state created is closed.
    """
    emulator = state if state is not None else EmulatorState()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        emulator.closing = False
        yield
        await emulator.aclose()

    app = FastAPI(title="Agendei Telegram Bot API emulator", lifespan=lifespan)
    app.state.emulator = emulator
    app.add_exception_handler(EmulatorError, _emulator_error)
    app.include_router(build_control_router())
    app.include_router(build_api_router())
    return app
