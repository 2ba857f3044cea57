"""Search-result pages cached briefly in Redis. ETG allows caching result pages only: hotel-page
and prebook answers are never cached (their routes do not use this)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class SearchCache:
    def __init__(self, redis: Redis, ttl_s: int = 60, prefix: str = "ibe:serp:") -> None:
        self._redis, self.ttl_s, self._prefix = redis, ttl_s, prefix

    def key(self, query: dict[str, Any]) -> str:
        return self._prefix + hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()

    async def get(self, key: str) -> Any | None:
        try:
            raw = await self._redis.get(key)
        except RedisError as exc:
            log.warning("search cache unavailable: %s", exc)
            return None
        return None if raw is None else orjson.loads(raw)

    async def put(self, key: str, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        try:
            await self._redis.set(key, orjson.dumps(value), ex=self.ttl_s)
        except RedisError as exc:
            log.warning("search cache unavailable: %s", exc)
