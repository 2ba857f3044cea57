"""Per-API-key rate limits: a token bucket kept in Redis and updated atomically by a Lua script.

The script reads the server's clock (`TIME`), refills the bucket, takes one token if there is one,
and returns (allowed, tokens left, ms until one token is back), so every API process shares one
bucket per key and no client clock matters. Answers carry `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (seconds) and `RateLimit-Policy`; a refused request gets 429 with `Retry-After`.
When Redis cannot be reached the limiter lets requests through (and `/readyz` reports Redis down).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

TOKEN_BUCKET = """
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
tokens = math.min(capacity, tokens + (now - ts) * per_ms)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', key, math.ceil(capacity / per_ms) + 1000)
local wait_ms = 0
if tokens < 1 then wait_ms = math.ceil((1 - tokens) / per_ms) end
return {allowed, math.floor(tokens), wait_ms}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    window_s: int

    def headers(self) -> dict[str, str]:
        h = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
            "RateLimit-Policy": f"{self.limit};w={self.window_s}",
        }
        if not self.allowed:
            h["Retry-After"] = str(max(self.reset_s, 1))
        return h


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "ibe:rl:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(TOKEN_BUCKET)

    async def take(self, key_id: str, rate_per_minute: int, burst: int) -> Decision:
        per_ms = rate_per_minute / 60_000
        window_s = math.ceil(burst / per_ms / 1000) if per_ms else 60
        try:
            allowed, remaining, wait_ms = await self._script(
                keys=[self._prefix + key_id], args=[burst, per_ms, 1]
            )
        except RedisError as exc:
            log.warning("rate limiter unavailable, letting the request through: %s", exc)
            return Decision(True, burst, burst, 0, window_s)
        return Decision(bool(allowed), burst, int(remaining), math.ceil(int(wait_ms) / 1000), window_s)
