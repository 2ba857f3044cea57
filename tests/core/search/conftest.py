"""The search index on each backend present: Tantivy always, Elasticsearch/OpenSearch when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from core.config import Settings
from core.search import SearchIndex


@pytest.fixture(scope="session")
def search_server_url() -> str | None:
    """`IBE_SEARCH_URL` as it was when the session started, before any test clears it."""
    return os.environ.get("IBE_SEARCH_URL") or None


@pytest.fixture(params=["tantivy", "elasticsearch"])
def search_index(
    request: pytest.FixtureRequest, search_server_url: str | None, settings: Settings
) -> Iterator[SearchIndex]:
    from core.search import open_search_index

    if request.param == "tantivy":
        with open_search_index(settings) as index:
            yield index
        return
    if search_server_url is None:
        pytest.skip(
            "Elasticsearch/OpenSearch: IBE_SEARCH_URL is not set (point it at a server to run these cases)"
        )
    # A throwaway index per test keeps runs on a shared server apart.
    server = settings.model_copy(
        update={"search_url": search_server_url, "deployment": f"test-{uuid.uuid4().hex[:8]}"}
    )
    index = open_search_index(server)
    try:
        yield index
    finally:
        index.drop()  # type: ignore[attr-defined]
        index.close()
