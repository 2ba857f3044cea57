"""Client-side pacing for RateHawk's per-endpoint, per-key rate limits.

Each endpoint has a limit of `requests` per `seconds` (published by `GET overview/`, echoed in the
`X-RateLimit-*` headers of every answer). The limiter keeps a sliding log of the requests sent per
endpoint and makes a caller wait until sending one more stays within the limit, with a small
margin so that network jitter never lets the server count one request too many in its window.
The server's own view wins: a lower `X-RateLimit-Remaining` than the local count (another process
on the same key) fills the log until the server's `X-RateLimit-Reset`, and a 429 blocks the
endpoint until then.

`RateLimiter` paces one process (one per client, shared by its coroutines). `SharedRateLimiter`
keeps the same logs in Redis, so several processes on one key (API replicas, workers) share the
key's budget; the phantom entries above still cover callers outside the platform.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

API_PREFIX = "api/b2b/v3/"
DAY = 86_400.0


@dataclass(frozen=True)
class Limit:
    """At most `requests` calls in any window of `seconds`."""

    requests: int
    seconds: float


# The contract's typical limits, used until `overview/` or a response header says otherwise.
DEFAULT_LIMIT = Limit(30, 60.0)
PUBLISHED_DEFAULTS: dict[str, Limit] = {
    "hotel/info/dump/": Limit(100, DAY),
    "hotel/info/incremental_dump/": Limit(100, DAY),
    "hotel/region/dump/": Limit(100, DAY),
}


def endpoint_key(endpoint: str) -> str:
    """`/api/b2b/v3/search/serp/region/` and `search/serp/region` both become `search/serp/region/`."""
    key = endpoint.strip().lstrip("/")
    if key.startswith(API_PREFIX):
        key = key[len(API_PREFIX) :]
    if key and not key.endswith("/"):
        key += "/"
    return key


def parse_reset(value: str, *, now_epoch: float | None = None) -> float | None:
    """Seconds from now until an `X-RateLimit-Reset` (or `Retry-After`) value.

    Accepts seconds to wait, a Unix timestamp, or a UTC datetime (`YYYY-MM-DDTHH:MM:SS`); the
    contract does not pin the format, so all three are understood.
    """
    now_epoch = time.time() if now_epoch is None else now_epoch
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - now_epoch)
    if number > 1_000_000_000:
        return max(0.0, number - now_epoch)
    return max(0.0, number)


class Limiter(Protocol):
    """What the client needs from a limiter (`RateLimiter` or `SharedRateLimiter`)."""

    waited_s: float

    def limit_for(self, endpoint: str) -> Limit: ...

    def load_published(self, entries: Iterable[object]) -> int: ...

    async def acquire(self, endpoint: str) -> None: ...

    async def observe(self, endpoint: str, headers: Mapping[str, str]) -> None: ...

    async def block(self, endpoint: str, seconds: float) -> None: ...

    async def aclose(self) -> None: ...


class _LimitTable:
    """The limits per endpoint: the contract's defaults, then `overview/`, then response headers."""

    def __init__(
        self,
        limits: Mapping[str, Limit] | None,
        default: Limit,
        margin: float,
        min_margin_s: float,
        reset_slack_s: float,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._limits: dict[str, Limit] = dict(PUBLISHED_DEFAULTS)
        self._limits.update({endpoint_key(k): v for k, v in (limits or {}).items()})
        self._default = default
        self._margin = margin
        self._min_margin_s = min_margin_s
        self._reset_slack_s = reset_slack_s
        self._sleep = sleep
        self.waited_s = 0.0  # total time callers were held back; useful in benchmarks and tests

    def limit_for(self, endpoint: str) -> Limit:
        return self._limits.get(endpoint_key(endpoint), self._default)

    def set_limit(self, endpoint: str, limit: Limit) -> None:
        self._limits[endpoint_key(endpoint)] = limit

    def load_published(self, entries: Iterable[object]) -> int:
        """Take the limits of `overview/` entries (`endpoint`, `is_limited`, `requests_number`,
        `seconds_number`); returns how many were applied. Unlimited endpoints get no pacing."""
        applied = 0
        for entry in entries:
            get = entry.get if isinstance(entry, Mapping) else lambda name, e=entry: getattr(e, name, None)
            endpoint = get("endpoint")
            if not endpoint:
                continue
            if get("is_limited") is False:
                self.set_limit(str(endpoint), Limit(1_000_000, 1.0))
            else:
                requests, seconds = get("requests_number"), get("seconds_number")
                if not requests or not seconds:
                    continue
                self.set_limit(str(endpoint), Limit(int(requests), float(seconds)))
            applied += 1
        return applied

    def _margin_for(self, limit: Limit) -> float:
        return max(self._min_margin_s, limit.seconds * self._margin)

    def _read_headers(
        self, endpoint: str, headers: Mapping[str, str]
    ) -> tuple[Limit, int | None, float | None]:
        """(the endpoint's limit, updated from the headers; Remaining; seconds until the reset)."""
        requests = _int(headers.get("x-ratelimit-requestsnumber"))
        seconds = _float(headers.get("x-ratelimit-secondsnumber"))
        if requests and seconds:
            self.set_limit(endpoint, Limit(requests, seconds))
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset = headers.get("x-ratelimit-reset")
        delay = parse_reset(reset) if reset else None
        if delay is not None:
            delay += self._reset_slack_s  # a reset given in whole seconds may be up to 1 s early
        return self.limit_for(endpoint), remaining, delay

    async def _wait(self, seconds: float) -> None:
        seconds = max(seconds, 0.001)
        self.waited_s += seconds
        await self._sleep(seconds)


class _Window:
    __slots__ = ("blocked_until", "sent")

    def __init__(self) -> None:
        self.sent: deque[float] = deque()
        self.blocked_until = 0.0

    def prune(self, now: float, limit: Limit) -> None:
        horizon = now - limit.seconds
        while self.sent and self.sent[0] <= horizon:
            self.sent.popleft()


class RateLimiter(_LimitTable):
    """Per-endpoint sliding-window pacing in this process; `acquire()` before each request,
    `observe()` after it, `block()` after a 429."""

    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        *,
        default: Limit = DEFAULT_LIMIT,
        margin: float = 0.02,
        min_margin_s: float = 0.05,
        reset_slack_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(limits, default, margin, min_margin_s, reset_slack_s, sleep)
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def _window(self, endpoint: str) -> _Window:
        return self._windows.setdefault(endpoint_key(endpoint), _Window())

    async def acquire(self, endpoint: str) -> None:
        """Wait until one more request to `endpoint` fits in its limit, then count it."""
        window = self._window(endpoint)
        while True:
            limit = self.limit_for(endpoint)
            now = self._clock()
            window.prune(now, limit)
            wait = window.blocked_until - now
            if wait <= 0:
                if len(window.sent) < limit.requests:
                    window.sent.append(now)
                    return
                wait = window.sent[0] + limit.seconds + self._margin_for(limit) - now
            await self._wait(wait)

    async def observe(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Align with the server's `X-RateLimit-*` headers of one answer."""
        limit, remaining, delay = self._read_headers(endpoint, headers)
        if remaining is None:
            return
        window = self._window(endpoint)
        now = self._clock()
        window.prune(now, limit)
        local_remaining = limit.requests - len(window.sent)
        if local_remaining > remaining:
            # Another client on the same key used part of the window: count its requests as ours,
            # expiring when the server's window resets.
            stamp = now if delay is None else now - limit.seconds + min(delay, limit.seconds)
            for _ in range(local_remaining - remaining):
                bisect.insort(window.sent, stamp)
        if remaining <= 0 and local_remaining > 0:
            # The server counts more than we sent; when both agree, the sliding log already waits.
            await self.block(endpoint, limit.seconds if delay is None else delay)

    async def block(self, endpoint: str, seconds: float) -> None:
        """Hold every request to `endpoint` for `seconds` (after a 429 or `Remaining: 0`)."""
        window = self._window(endpoint)
        seconds = min(max(seconds, 0.0), self.limit_for(endpoint).seconds + 1.0)
        window.blocked_until = max(window.blocked_until, self._clock() + seconds)

    async def aclose(self) -> None:
        return None


# Redis scripts of the shared limiter. Times are the Redis server's (TIME), in milliseconds, so
# processes on different hosts agree on the window without trusting their own clocks.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
_ACQUIRE = (
    _NOW
    + """
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, oldest + window + tonumber(ARGV[3]) - now)
"""
)
_OBSERVE = (
    _NOW
    + """
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local missing = (tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])) - tonumber(ARGV[3])
if missing > 0 then
  local stamp = now
  local delay = tonumber(ARGV[4])
  if delay >= 0 then stamp = now - window + math.min(delay, window) end
  for i = 1, missing do redis.call('ZADD', KEYS[1], stamp, ARGV[5] .. i) end
  redis.call('PEXPIRE', KEYS[1], window + 1000)
end
return missing
"""
)
_BLOCK = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
"""


class SharedRateLimiter(_LimitTable):
    """The same pacing with the sliding logs in Redis, so every process calling RateHawk with one
    key (API servers, workers, pipelines) shares the key's budget per endpoint.

    Keys: `<namespace>:<endpoint>:log` (sorted set of request times) and `<namespace>:<endpoint>:block`
    (set with a TTL after a 429). Limits themselves are read per process (overview and headers).
    """

    def __init__(
        self,
        redis: Any,
        namespace: str,
        limits: Mapping[str, Limit] | None = None,
        *,
        default: Limit = DEFAULT_LIMIT,
        margin: float = 0.02,
        min_margin_s: float = 0.05,
        reset_slack_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        owns_redis: bool = False,
    ) -> None:
        super().__init__(limits, default, margin, min_margin_s, reset_slack_s, sleep)
        self._redis = redis
        self._namespace = namespace
        self._owns_redis = owns_redis
        self._local = RateLimiter(
            limits,
            default=default,
            margin=margin,
            min_margin_s=min_margin_s,
            reset_slack_s=reset_slack_s,
            sleep=sleep,
        )
        self.degraded = False  # True once Redis failed and the process paced alone
        self._acquire = redis.register_script(_ACQUIRE)
        self._observe = redis.register_script(_OBSERVE)
        self._block = redis.register_script(_BLOCK)

    @classmethod
    def from_url(cls, url: str, namespace: str, **kwargs: Any) -> SharedRateLimiter:
        import redis.asyncio as aioredis

        return cls(aioredis.Redis.from_url(url), namespace, owns_redis=True, **kwargs)

    def _keys(self, endpoint: str) -> tuple[str, str]:
        base = f"{self._namespace}:{endpoint_key(endpoint)}"
        return f"{base}:log", f"{base}:block"

    async def acquire(self, endpoint: str) -> None:
        log_key, block_key = self._keys(endpoint)
        while True:
            limit = self.limit_for(endpoint)
            args = [
                limit.requests,
                int(limit.seconds * 1000),
                int(self._margin_for(limit) * 1000),
                uuid.uuid4().hex,
            ]
            try:
                wait_ms = int(await self._acquire(keys=[log_key, block_key], args=args))
            except (OSError, RedisError) as exc:
                await self._fallback(endpoint, exc).acquire(endpoint)
                return
            if wait_ms <= 0:
                return
            await self._wait(wait_ms / 1000)

    async def observe(self, endpoint: str, headers: Mapping[str, str]) -> None:
        limit, remaining, delay = self._read_headers(endpoint, headers)
        if remaining is None:
            return
        log_key, _ = self._keys(endpoint)
        delay_ms = -1 if delay is None else int(delay * 1000)
        args = [limit.requests, int(limit.seconds * 1000), remaining, delay_ms, f"server-{uuid.uuid4().hex}-"]
        try:
            missing = int(await self._observe(keys=[log_key], args=args))
        except (OSError, RedisError) as exc:
            await self._fallback(endpoint, exc).observe(endpoint, headers)
            return
        if remaining <= 0 and missing > 0:
            await self.block(endpoint, limit.seconds if delay is None else delay)

    async def block(self, endpoint: str, seconds: float) -> None:
        _, block_key = self._keys(endpoint)
        seconds = min(max(seconds, 0.0), self.limit_for(endpoint).seconds + 1.0)
        if seconds <= 0:
            return
        try:
            await self._block(keys=[block_key], args=[max(1, int(seconds * 1000))])
        except (OSError, RedisError) as exc:
            await self._fallback(endpoint, exc).block(endpoint, seconds)

    def _fallback(self, endpoint: str, exc: BaseException) -> RateLimiter:
        """Pacing in this process while Redis is unreachable: calls go on, at the same limits."""
        if not self.degraded:
            log.warning("ratehawk: shared rate limits unavailable (%r); pacing in this process only", exc)
        self.degraded = True
        self._local.set_limit(endpoint, self.limit_for(endpoint))
        return self._local

    async def aclose(self) -> None:
        if self._owns_redis:
            await self._redis.aclose()


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
