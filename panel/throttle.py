"""Log-in throttling per account and per client address, with the ``limits`` library.

Only failures count. A moving window means the wait ends exactly when the oldest failure of the
window ages out, which is what the page tells the user.
"""

from __future__ import annotations

import hashlib
import time

from limits import parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(self, storage: Storage, *, account_limit: str, address_limit: str, prefix: str):
        self._limiter = MovingWindowRateLimiter(storage)
        self._account = parse(account_limit)
        self._address = parse(address_limit)
        self._prefix = prefix

    def _keys(self, email: str, address: str) -> tuple[str, str]:
        # Hash the e-mail: Redis keys should not spell out who tried to log in.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"{self._prefix}:acct:{account}", f"{self._prefix}:addr:{address}"

    async def wait_seconds(self, email: str, address: str) -> int:
        """0 when a log-in may be tried now, else how long to wait."""
        account, addr = self._keys(email, address)
        wait = 0.0
        for item, key in ((self._account, account), (self._address, addr)):
            if not await self._limiter.test(item, key):
                stats = await self._limiter.get_window_stats(item, key)
                wait = max(wait, stats.reset_time - time.time(), 1.0)
        return int(wait + 0.999)

    async def failed(self, email: str, address: str) -> None:
        account, addr = self._keys(email, address)
        await self._limiter.hit(self._account, account)
        await self._limiter.hit(self._address, addr)

    async def succeeded(self, email: str) -> None:
        account, _ = self._keys(email, "")
        await self._limiter.clear(self._account, account)
