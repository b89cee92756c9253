"""Log-in and sign-up throttling per client address and per account, with ``limits``.

Only failed log-ins count. The rules, so that guessing is slow but nobody can lock a provider
out of their own panel just by knowing their e-mail:

- per address: too many failures from one address (any accounts) and it must wait;
- per account: once an account has had too many failures, only addresses that have *not* been
  failing on it may still try (one failure each, then they wait too). The owner, on their own
  phone or computer, logs in with the right password as usual; an attacker gets one guess per
  fresh address per window instead of a free run.

Sign-ups count every attempt per address (creating accounts in bulk, or probing which e-mails
have one). A moving window means the wait ends exactly when the oldest counted attempt ages
out, which is what the page tells the user. With Redis (AGENDEI_REDIS_URL) the counts are
shared by every instance.
"""

from __future__ import annotations

import hashlib
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter


class LoginThrottle:
    def __init__(
        self,
        storage: Storage,
        *,
        account_limit: str,
        address_limit: str,
        prefix: str,
        signup_limit: str = "10 per hour",
    ):
        self._limiter = MovingWindowRateLimiter(storage)
        self._account = parse(account_limit)
        self._address = parse(address_limit)
        self._signup = parse(signup_limit)
        # Failures of one address on one account (after the account's limit): one each.
        self._pair = parse(f"1 per {self._account.get_expiry()} seconds")
        self._prefix = prefix

    def _keys(self, email: str, address: str) -> tuple[str, str, str]:
        # Hash the e-mail: Redis keys should not spell out who tried to log in.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return (
            f"{self._prefix}:acct:{account}",
            f"{self._prefix}:addr:{address}",
            f"{self._prefix}:pair:{account}:{address}",
        )

    async def _wait(self, item: RateLimitItem, key: str) -> float:
        stats = await self._limiter.get_window_stats(item, key)
        return max(stats.reset_time - time.time(), 1.0)

    async def wait_seconds(self, email: str, address: str) -> int:
        """0 when a log-in may be tried now, else how long to wait."""
        account, addr, pair = self._keys(email, address)
        wait = 0.0
        if not await self._limiter.test(self._address, addr):
            wait = await self._wait(self._address, addr)
        # An account under attack: only addresses that have not failed on it may try.
        attacked = not await self._limiter.test(self._account, account)
        if attacked and not await self._limiter.test(self._pair, pair):
            wait = max(wait, await self._wait(self._pair, pair))
        return int(wait + 0.999)

    async def failed(self, email: str, address: str) -> None:
        account, addr, pair = self._keys(email, address)
        await self._limiter.hit(self._account, account)
        await self._limiter.hit(self._address, addr)
        await self._limiter.hit(self._pair, pair)

    async def succeeded(self, email: str, address: str = "") -> None:
        account, _, pair = self._keys(email, address)
        await self._limiter.clear(self._account, account)
        await self._limiter.clear(self._pair, pair)

    async def signup_wait_seconds(self, address: str) -> int:
        """Counts this sign-up attempt; 0 when it may go on, else how long to wait."""
        key = f"{self._prefix}:signup:{address}"
        if await self._limiter.hit(self._signup, key):
            return 0
        return int(await self._wait(self._signup, key) + 0.999)
