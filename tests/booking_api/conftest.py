"""The API in-process (ASGI transport) on the session's real Redis and Temporal, with the RateHawk
and payments simulators as ASGI apps, and API keys of each scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from booking_api.app import create_app
from booking_api.services import AppConfig
from core.booking.apikeys import create_api_key
from core.config import Settings
from core.kv import open_store


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Any
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, scope: str = "book") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    @property
    def services(self) -> Any:
        return self.app.state.services


def make_keys(settings: Settings, partner: str = "p1", **limits: int) -> dict[str, str]:
    with open_store(settings) as store:
        keys = {
            scope: create_api_key(store, partner, scopes, name=scope, **limits)[0]
            for scope, scopes in {
                "search": ["search"],
                "book": ["search", "book"],
                "inventory": ["inventory"],
                "admin": ["admin"],
            }.items()
        }
    return keys


@pytest.fixture
async def api(settings: Settings, embedded_stack: Settings, unique: str) -> AsyncIterator[Api]:
    app = create_app(settings, AppConfig(task_queue=f"tq-{unique}", redis_prefix=f"t{unique}:"))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ibe.test") as client:
            yield Api(client, app, make_keys(settings))
