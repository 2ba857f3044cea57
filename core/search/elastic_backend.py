"""The production search index: Elasticsearch (or OpenSearch's compatible API) via the official client.

One index per deployment (`<deployment>-search`), created with the mapping below on first use.
Terms come folded from `core.search.text` (as in the Tantivy backend); an edge n-gram sub-field
gives typo-tolerant prefixes (`match` with fuzziness on the word starts). `commit()` refreshes
the index, so writes are searchable at once; otherwise the server's refresh interval applies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk, scan

from core.search.documents import (
    HOTEL,
    REGION,
    HotelDoc,
    HotelFilter,
    RegionDoc,
)
from core.search.port import EXACT_PREFIX_BOOST, PLACE_BOOST, SearchIndex
from core.search.text import terms, typo_budget, words

_PREFIXED = {
    "type": "text",
    "analyzer": "whitespace",
    "fields": {"prefix": {"type": "text", "analyzer": "ibe_prefix", "search_analyzer": "whitespace"}},
}
SETTINGS = {
    "analysis": {
        "filter": {"ibe_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}},
        "analyzer": {"ibe_prefix": {"type": "custom", "tokenizer": "whitespace", "filter": ["ibe_edge"]}},
    }
}
MAPPINGS = {
    "dynamic": False,
    "properties": {
        "type": {"type": "keyword"},
        "id": {"type": "long"},
        "terms": _PREFIXED,
        "place": _PREFIXED,
        "payload": {"type": "object", "enabled": False},
        "region_id": {"type": "long"},
        "country": {"type": "keyword"},
        "chain": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "amenity": {"type": "keyword"},
        "stars": {"type": "integer"},
        "geo": {"type": "geo_point"},
        "popularity": {"type": "float"},
    },
}


class ElasticIndex(SearchIndex):
    def __init__(self, url: str, index: str, client: Elasticsearch | None = None) -> None:
        self._es = client or Elasticsearch(url, request_timeout=30)
        self.index = index
        self._pending: list[dict[str, Any]] = []
        if not self._es.indices.exists(index=index):
            self._es.indices.create(index=index, settings=SETTINGS, mappings=MAPPINGS)

    def put_hotels(self, docs: Iterable[HotelDoc]) -> int:
        n = 0
        for d in docs:
            source: dict[str, Any] = {
                "type": HOTEL, "id": d.hid, "popularity": float(d.popularity),
                "terms": " ".join(terms(*d.names.values())),
                "place": " ".join(terms(*d.region_names.values(), *d.city_names.values())),
                "payload": {"names": d.names, "region_id": d.region_id, "country": d.country_code},
                "region_id": d.region_id, "country": d.country_code, "chain": d.chain, "kind": d.kind,
                "amenity": list(d.amenities), "stars": d.stars,
                "geo": {"lat": d.geo.latitude, "lon": d.geo.longitude} if d.geo else None,
            }  # fmt: skip
            self._queue({"_op_type": "index", "_id": f"{HOTEL}:{d.hid}", "_source": source})
            n += 1
        return n

    def put_regions(self, docs: Iterable[RegionDoc]) -> int:
        n = 0
        for d in docs:
            source = {
                "type": REGION, "id": d.region_id, "popularity": d.popularity,
                "terms": " ".join(terms(*d.names.values())), "country": d.country_code,
                "payload": {"names": d.names, "type": d.type, "country": d.country_code},
            }  # fmt: skip
            self._queue({"_op_type": "index", "_id": f"{REGION}:{d.region_id}", "_source": source})
            n += 1
        return n

    def delete_hotels(self, hids: Iterable[int]) -> int:
        n = 0
        for hid in hids:
            self._queue({"_op_type": "delete", "_id": f"{HOTEL}:{hid}"})
            n += 1
        return n

    def _queue(self, action: dict[str, Any], flush_at: int = 5_000) -> None:
        self._pending.append({"_index": self.index, **action})
        if len(self._pending) >= flush_at:
            self._flush()

    def _flush(self) -> None:
        actions, self._pending = self._pending, []
        if not actions:
            return
        _, errors = bulk(self._es, actions, raise_on_error=False, stats_only=False)
        failed = [e for e in errors if not _is_missing_delete(e)]  # type: ignore[union-attr]
        if failed:
            raise RuntimeError(f"search index: {len(failed)} bulk actions failed, first: {failed[0]}")

    def commit(self) -> None:
        self._flush()
        self._es.indices.refresh(index=self.index)

    def _ids(self, doc_type: str) -> Iterator[int]:
        query = {"query": {"term": {"type": doc_type}}, "_source": ["id"]}
        for hit in scan(self._es, index=self.index, query=query, size=5_000):
            yield int(hit["_source"]["id"])

    def hotel_ids(self) -> set[int]:
        return set(self._ids(HOTEL))

    def region_count(self) -> int:
        return int(self._es.count(index=self.index, query={"term": {"type": REGION}})["count"])

    def _match(self, query: str) -> dict[str, Any] | None:
        qwords = words(query)
        if not qwords:
            return None

        def word(w: str, prefix: bool) -> dict[str, Any]:
            field = "terms.prefix" if prefix else "terms"
            place = "place.prefix" if prefix else "place"
            fuzz = typo_budget(w)
            return {"bool": {"should": [
                {"constant_score": {"filter": {"term": {field: w}}, "boost": EXACT_PREFIX_BOOST}},
                {"constant_score": {"filter": {"match": {field: {"query": w, "fuzziness": fuzz}}}, "boost": 1.0}},
                {"constant_score": {"filter": {"match": {place: {"query": w, "fuzziness": fuzz}}},
                                    "boost": PLACE_BOOST}},
            ], "minimum_should_match": 1}}  # fmt: skip

        must = [word(w, prefix=False) for w in qwords[:-1]] + [word(qwords[-1], prefix=True)]
        return {"bool": {"must": must}}

    def _matches(self, doc_type: str, query_text: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
        match = self._match(query_text)
        if match is None:
            return []
        query = {
            "function_score": {
                "query": {"bool": {"filter": [{"term": {"type": doc_type}}], "must": [match]}},
                "field_value_factor": {"field": "popularity", "modifier": "log2p", "missing": 0},
                "boost_mode": "multiply",
            }
        }
        found = self._es.search(index=self.index, query=query, size=limit, source_includes=["id", "payload"])
        return [(int(h["_source"]["id"]), h["_source"]["payload"]) for h in found["hits"]["hits"]]

    def find_hotels(self, where: HotelFilter, limit: int = 1000) -> list[int]:
        filters: list[dict[str, Any]] = [{"term": {"type": HOTEL}}]
        for field, value in (("region_id", where.region_id), ("country", where.country_code),
                             ("chain", where.chain)):  # fmt: skip
            if value is not None:
                filters.append({"term": {field: value}})
        if where.kinds:
            filters.append({"terms": {"kind": list(where.kinds)}})
        filters.extend({"term": {"amenity": a}} for a in where.amenities)
        if where.min_stars is not None or where.max_stars is not None:
            bounds = {k: v for k, v in (("gte", where.min_stars), ("lte", where.max_stars)) if v is not None}
            filters.append({"range": {"stars": bounds}})
        if where.near is not None and where.radius_m is not None:
            point = {"lat": where.near.latitude, "lon": where.near.longitude}
            filters.append({"geo_distance": {"distance": f"{where.radius_m}m", "geo": point}})
        found = self._es.search(
            index=self.index, query={"bool": {"filter": filters}}, size=limit, source_includes=["id"],
            sort=[{"popularity": "desc"}],
        )  # fmt: skip
        return [int(h["_source"]["id"]) for h in found["hits"]["hits"]]

    def drop(self) -> None:
        """Delete the whole index (tests use a throwaway index name)."""
        with contextlib.suppress(NotFoundError):
            self._es.indices.delete(index=self.index)

    def close(self) -> None:
        self._flush()
        self._es.close()


def _is_missing_delete(error: Any) -> bool:
    """A bulk delete of a document that is not there: nothing to do, not a failure."""
    delete = error.get("delete") if isinstance(error, dict) else None
    return isinstance(delete, dict) and delete.get("status") == 404
