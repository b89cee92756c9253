"""Fuzzing the panel with schemathesis against the app's own OpenAPI schema.

The schema is generated from the app itself (``app.openapi()``), so it is there even though
production serves no ``/openapi.json``. Cases are drawn with Hypothesis (a fixed seed and a
bounded number per operation, so the run is repeatable and short), in both generation modes:
values the schema allows (ids up to any size, any text) and values it does not. They are sent
by a logged-in provider (without the CSRF token, as a forged request would be). Whatever
comes, the answer is never a 5xx, and nothing stored changes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from sqlalchemy import text

from tests.conftest import Backend
from tests.integration.panel_support import PanelApp, panel_app, provider

EXAMPLES_PER_OPERATION = 8
TABLES = ("users", "businesses", "services", "staff", "clients", "bookings", "outbox")


def _cases(schema_dict: dict[str, Any]) -> list[Any]:
    schema = schemathesis.openapi.from_dict(schema_dict)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err fails loudly here
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(strategy)
            def collect(case: Any) -> None:
                cases.append(case)

            try:
                collect()
            except Exception as error:  # an operation with nothing invalid to generate
                if "Unsatisfiable" not in type(error).__name__:
                    raise
    return cases


# Values at the edges of what a database or the calendar can hold, tried in every path and
# query parameter on top of Hypothesis's draws (which rarely reach 2**31 in a few examples).
EDGES = ("2147483648", "-2147483649", "9223372036854775808", "0", "9999-12-31", "a\x00b")


def _edge_requests(schema_dict: dict[str, Any]) -> list[httpx.Request]:
    requests = []
    for path, methods in schema_dict["paths"].items():
        for method, spec in methods.items():
            params = spec.get("parameters", [])
            for edge in EDGES:
                filled = path
                query = {}
                for param in params:
                    if param["in"] == "path":
                        filled = filled.replace("{" + param["name"] + "}", quote(edge, safe="-"))
                    elif param["in"] == "query":
                        query[param["name"]] = edge
                if filled == path and not query:
                    continue
                requests.append(
                    httpx.Request(method.upper(), "http://panel.test" + filled, params=query)
                )
    return requests


async def _snapshot(app: PanelApp) -> dict[str, int]:
    async with app.container.engine.connect() as conn:
        return {
            table: int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in TABLES
        }


def _request(case: Any) -> httpx.Request:
    query = {k: v for k, v in (case.query or {}).items() if v is not None}
    headers = {k: str(v) for k, v in (case.headers or {}).items() if v is not None}
    return httpx.Request(
        case.method.upper(),
        "http://panel.test" + case.formatted_path,
        params=query,
        headers=headers,
    )


async def test_fuzzed_panel_requests_never_get_a_5xx_nor_change_anything(
    backend: Backend,
) -> None:
    async with panel_app(backend) as app:
        client, _ = await provider(app)
        for page in ("/panel/export", "/panel/agenda", "/panel/clients"):
            await client.get(page)  # pages that make their tokens on first visit
        schema = app.transport.app.openapi()  # type: ignore[attr-defined]
        assert len(schema["paths"]) > 20
        cases = _cases(schema)
        before = await _snapshot(app)
        failures = []
        for case in cases:
            if case.method.upper() == "GET" and case.formatted_path.endswith("/sandbox"):
                continue  # the sandbox page prepares its test client on a GET, by design
            try:
                request = _request(case)
            except (httpx.InvalidURL, UnicodeEncodeError, ValueError):
                continue  # not even a valid HTTP request: no server would see it
            response = await client.http.send(request)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.text[:200]))
        for request in _edge_requests(schema):
            response = await client.http.send(request)
            if response.status_code >= 500:
                failures.append((request.method, str(request.url), {}, response.text[:200]))
        assert failures == []
        assert await _snapshot(app) == before
        assert len(cases) > 150
