"""LGPD: a provider downloads all of their business's data, or one client's, as one zip; and
erases one client's data when the client asks the business (upcoming bookings cancelled)."""

# No "from __future__ import annotations": FastAPI must see the Depends(...) of closures.

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from domain import booking as use_cases
from domain.portability import business_archive, client_archive
from domain.validation import owned_client

from ..archive import pack
from ..context import Auth, PanelContext, Posted


def _zip(data: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, media_type="application/zip", headers=headers)


def build(ctx: PanelContext) -> APIRouter:
    router = APIRouter()

    @router.get("/panel/export/all.zip")
    async def everything(auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        tables = await business_archive(
            ctx.uow_factory(read_only=True), business_id=auth.business_id
        )
        return _zip(pack(tables), f"{auth.business.slug}-dados.zip")

    @router.get("/panel/clients/{client_id}/export.zip")
    async def one_client(client_id: int, auth: Annotated[Auth, Depends(ctx.auth)]) -> Response:
        tables = await client_archive(
            ctx.uow_factory(read_only=True), business_id=auth.business_id, client_id=client_id
        )
        return _zip(pack(tables), f"cliente-{client_id}.zip")

    @router.post("/panel/clients/{client_id}/erase")
    async def erase(client_id: int, posted: Annotated[Posted, Depends(ctx.posted)]) -> Response:
        auth = posted.auth
        async with ctx.uow_factory(read_only=True) as uow:
            await owned_client(uow, auth.business_id, client_id)  # 404 for anybody else's
        await use_cases.erase_client(ctx.uow_factory(), now=ctx.clock(), client_id=client_id)
        return RedirectResponse(f"/panel/clients/{client_id}?erased=1", 303)

    return router
