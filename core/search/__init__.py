"""The search-index port (Elasticsearch / OpenSearch, embedded Tantivy) and its documents."""

from __future__ import annotations

from core.config import Settings, get_settings
from core.search.documents import GeoPoint, HotelDoc, HotelFilter, HotelHit, RegionDoc, RegionHit, Suggestions
from core.search.port import SearchIndex

__all__ = [
    "GeoPoint",
    "HotelDoc",
    "HotelFilter",
    "HotelHit",
    "RegionDoc",
    "RegionHit",
    "SearchIndex",
    "Suggestions",
    "open_search_index",
]


def open_search_index(settings: Settings | None = None) -> SearchIndex:
    """The deployment's index on Elasticsearch/OpenSearch if `IBE_SEARCH_URL` is set, else on Tantivy."""
    settings = settings or get_settings()
    if settings.search_url is not None:
        from core.search.elastic_backend import ElasticIndex

        return ElasticIndex(settings.search_url, f"{settings.deployment}-search")
    from core.search.tantivy_backend import TantivyIndex

    return TantivyIndex(settings.search_path)
