""" "Verificar minha configuração": the same checks as ``agendei doctor``, for the provider.

The checks themselves live in app/ (they need Telegram, the database and Redis); the panel
receives them as a function that returns lines already in the provider's language.
"""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..context import Auth, PanelContext


@dataclass(frozen=True)
class SetupCheck:
    ok: bool
    note: bool  # not a failure, but something to know (e.g. sandbox mode)
    title: str
    detail: str
    fix: str


CheckSetup = Callable[[str], Awaitable[list[SetupCheck]]]


def build(ctx: PanelContext, check_setup: CheckSetup) -> APIRouter:
    router = APIRouter()

    @router.get("/panel/setup/check")
    async def setup_check(request: Request, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        checks = await check_setup(auth.texts.locale)
        failures = sum(1 for c in checks if not c.ok)
        return ctx.render(request, "setup_check.html", auth=auth, checks=checks, failures=failures)

    return router
