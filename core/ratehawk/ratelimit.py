"""Client-side pacing for RateHawk's per-endpoint, per-key rate limits.

Each endpoint has a limit of `requests` per `seconds` (published by `GET overview/`, echoed in the
`X-RateLimit-*` headers of every answer). The limiter keeps a sliding log of the requests sent per
endpoint and makes a caller wait until sending one more stays within the limit, with a small
margin so that network jitter never lets the server count one request too many in its window.
The server's own view wins: a lower `X-RateLimit-Remaining` than the local count (another process
on the same key) fills the log until the server's `X-RateLimit-Reset`, and a 429 blocks the
endpoint until then.

The limiter is per process (one per client, shared by its coroutines). Several processes on one
key would need a shared counter (Redis), which this module does not provide.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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


class _Window:
    __slots__ = ("blocked_until", "limit", "sent")

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[float] = deque()
        self.blocked_until = 0.0

    def prune(self, now: float) -> None:
        horizon = now - self.limit.seconds
        while self.sent and self.sent[0] <= horizon:
            self.sent.popleft()


class RateLimiter:
    """Per-endpoint sliding-window pacing; `acquire()` before each request, `observe()` after."""

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
        self._limits: dict[str, Limit] = dict(PUBLISHED_DEFAULTS)
        self._limits.update({endpoint_key(k): v for k, v in (limits or {}).items()})
        self._default = default
        self._margin = margin
        self._min_margin_s = min_margin_s
        self._reset_slack_s = reset_slack_s
        self._clock = clock
        self._sleep = sleep
        self._windows: dict[str, _Window] = {}
        self.waited_s = 0.0  # total time callers were held back; useful in benchmarks and tests

    # -- configuration -------------------------------------------------------------------------
    def limit_for(self, endpoint: str) -> Limit:
        key = endpoint_key(endpoint)
        window = self._windows.get(key)
        return window.limit if window else self._limits.get(key, self._default)

    def set_limit(self, endpoint: str, limit: Limit) -> None:
        key = endpoint_key(endpoint)
        self._limits[key] = limit
        if key in self._windows:
            self._windows[key].limit = limit

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

    # -- pacing --------------------------------------------------------------------------------
    def _window(self, endpoint: str) -> _Window:
        key = endpoint_key(endpoint)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(self._limits.get(key, self._default))
        return window

    async def acquire(self, endpoint: str) -> None:
        """Wait until one more request to `endpoint` fits in its limit, then count it."""
        window = self._window(endpoint)
        while True:
            now = self._clock()
            window.prune(now)
            wait = window.blocked_until - now
            if wait <= 0:
                if len(window.sent) < window.limit.requests:
                    window.sent.append(now)
                    return
                margin = max(self._min_margin_s, window.limit.seconds * self._margin)
                wait = window.sent[0] + window.limit.seconds + margin - now
            wait = max(wait, 0.001)
            self.waited_s += wait
            await self._sleep(wait)

    def observe(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Align with the server's `X-RateLimit-*` headers of one answer."""
        window = self._window(endpoint)
        requests = _int(headers.get("x-ratelimit-requestsnumber"))
        seconds = _float(headers.get("x-ratelimit-secondsnumber"))
        if requests and seconds:
            window.limit = Limit(requests, seconds)
            self._limits[endpoint_key(endpoint)] = window.limit
        remaining = _int(headers.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        now = self._clock()
        window.prune(now)
        reset = headers.get("x-ratelimit-reset")
        delay = parse_reset(reset) if reset else None
        if delay is not None:
            delay += self._reset_slack_s  # a reset given in whole seconds may be up to 1 s early
        local_remaining = window.limit.requests - len(window.sent)
        if local_remaining > remaining:
            # Another client on the same key used part of the window: count its requests as ours,
            # expiring when the server's window resets.
            stamp = now if delay is None else now - window.limit.seconds + min(delay, window.limit.seconds)
            for _ in range(local_remaining - remaining):
                bisect.insort(window.sent, stamp)
        if remaining <= 0 and local_remaining > 0:
            # The server counts more than we sent; when both agree, the sliding log already waits.
            self.block(endpoint, window.limit.seconds if delay is None else delay)

    def block(self, endpoint: str, seconds: float) -> None:
        """Hold every request to `endpoint` for `seconds` (after a 429 or `Remaining: 0`)."""
        window = self._window(endpoint)
        seconds = min(max(seconds, 0.0), window.limit.seconds + 1.0)
        window.blocked_until = max(window.blocked_until, self._clock() + seconds)


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
