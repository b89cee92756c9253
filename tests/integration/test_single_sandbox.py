"""The sandbox keeps its emulator in one process: a second instance on the same Redis refuses
to start with a clear reason; once the first stops, another may take over."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from app import single_sandbox
from app.settings import load_settings
from app.wiring import build_app, build_container
from tests.conftest import REDIS_URL, postgres_available

pytestmark = pytest.mark.skipif(not postgres_available(), reason="Redis not answering")


async def test_a_second_sandbox_instance_refuses_to_start(tmp_path: object) -> None:
    redis = Redis.from_url(REDIS_URL)
    await redis.delete(single_sandbox.KEY)
    containers = [
        build_container(
            load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db", redis_url=REDIS_URL)
        )
        for _ in range(2)
    ]
    try:
        first, second = (single_sandbox.SingleSandbox(c.redis) for c in containers)  # type: ignore[arg-type]
        await first.start()
        with pytest.raises(single_sandbox.SandboxAlreadyRunning, match="single instance"):
            await second.start()
        await first.stop()
        await second.start()  # the first is gone: this one may serve the sandbox
        await second.stop()
        # And the wiring does put the guard in a sandbox instance's start-up.
        build_app(containers[0], with_workers=True)
        names = [getattr(s, "__qualname__", "") for s in containers[0].startups]
        assert any("SingleSandbox" in n for n in names)
    finally:
        for container in containers:
            await container.close()
        await redis.delete(single_sandbox.KEY)
        await redis.aclose()
