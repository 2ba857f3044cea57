"""The embedded search index: Tantivy, its files in the data folder (`<data>/search/`).

One process writes at a time (Tantivy's writer lock); any number read. A writer is opened on the
first write and released by `commit()`. Readers reload at most every `REFRESH_S`, so commits of
another process show within that.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import tantivy

from core.search.documents import (
    HOTEL,
    REGION,
    GeoPoint,
    HotelDoc,
    HotelFilter,
    RegionDoc,
)
from core.search.port import EXACT_PREFIX_BOOST, PLACE_BOOST, REFRESH_S, SearchIndex, bounding_box, distance_m
from core.search.text import terms, typo_budget, words

TERMS_ANALYZER = "ibe_terms"  # whitespace split only: `core.search.text` has folded the terms
WRITER_HEAP = 256_000_000


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("key", tokenizer_name="raw", index_option="basic")  # "hotel:42" / "region:7"
    b.add_text_field("type", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("terms", tokenizer_name=TERMS_ANALYZER, index_option="freq")
    b.add_text_field("place", tokenizer_name=TERMS_ANALYZER, index_option="freq")  # region, city names
    b.add_bytes_field("payload", stored=True)
    b.add_integer_field("region_id", indexed=True, fast=True)
    b.add_text_field("country", tokenizer_name="raw", index_option="basic")
    b.add_text_field("chain", tokenizer_name="raw", index_option="basic")
    b.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    b.add_text_field("amenity", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("stars", indexed=True, fast=True)
    b.add_float_field("lat", stored=True, indexed=True, fast=True)
    b.add_float_field("lon", stored=True, indexed=True, fast=True)
    b.add_float_field("popularity", fast=True)
    return b.build()


class TantivyIndex(SearchIndex):
    def __init__(self, path: Path, writer_heap: int = WRITER_HEAP) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._schema = _schema()
        self._index = tantivy.Index(self._schema, path=str(path), reuse=True)
        analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        self._index.register_tokenizer(TERMS_ANALYZER, analyzer)
        self._heap = writer_heap
        self._writer: Any = None
        self._reloaded = time.monotonic()

    # --- writes -------------------------------------------------------------------------------
    def _w(self) -> Any:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=self._heap)
        return self._writer

    def put_hotels(self, docs: Iterable[HotelDoc]) -> int:
        w, n = self._w(), 0
        for d in docs:
            key = f"{HOTEL}:{d.hid}"
            w.delete_documents_by_term("key", key)
            fields: dict[str, Any] = {
                "key": key, "type": HOTEL, "id": d.hid, "popularity": float(d.popularity),
                "terms": " ".join(terms(*d.names.values())),
                "place": " ".join(terms(*d.region_names.values(), *d.city_names.values())),
                "payload": orjson.dumps({"names": d.names, "region_id": d.region_id, "country": d.country_code}),
            }  # fmt: skip
            if d.region_id is not None:
                fields["region_id"] = d.region_id
            for name, value in (("country", d.country_code), ("chain", d.chain), ("kind", d.kind)):
                if value:
                    fields[name] = value
            if d.stars is not None:
                fields["stars"] = d.stars
            if d.geo is not None:
                fields["lat"], fields["lon"] = d.geo.latitude, d.geo.longitude
            doc = tantivy.Document(**fields)
            for amenity in d.amenities:
                doc.add_text("amenity", amenity)
            w.add_document(doc)
            n += 1
        return n

    def put_regions(self, docs: Iterable[RegionDoc]) -> int:
        w, n = self._w(), 0
        for d in docs:
            key = f"{REGION}:{d.region_id}"
            w.delete_documents_by_term("key", key)
            payload = {"names": d.names, "type": d.type, "country": d.country_code}
            fields: dict[str, Any] = {
                "key": key, "type": REGION, "id": d.region_id, "popularity": d.popularity,
                "terms": " ".join(terms(*d.names.values())), "payload": orjson.dumps(payload),
            }  # fmt: skip
            if d.country_code:
                fields["country"] = d.country_code
            w.add_document(tantivy.Document(**fields))
            n += 1
        return n

    def delete_hotels(self, hids: Iterable[int]) -> int:
        w, n = self._w(), 0
        for hid in hids:
            w.delete_documents_by_term("key", f"{HOTEL}:{hid}")
            n += 1
        return n

    def commit(self) -> None:
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        writer.commit()
        writer.wait_merging_threads()  # releases the writer lock for other processes
        self._index.reload()
        self._reloaded = time.monotonic()

    # --- reads --------------------------------------------------------------------------------
    def _searcher(self) -> Any:
        now = time.monotonic()
        if now - self._reloaded >= REFRESH_S:
            self._index.reload()
            self._reloaded = now
        return self._index.searcher()

    def _of_type(self, doc_type: str) -> tantivy.Query:
        return tantivy.Query.term_query(self._schema, "type", doc_type)

    def hotel_ids(self) -> set[int]:
        searcher = self._searcher()
        found = searcher.search(self._of_type(HOTEL), limit=1, count=True).count
        if not found:
            return set()
        hits = searcher.search(self._of_type(HOTEL), limit=found, count=False, order_by_field="id").hits
        return {int(key) for key, _ in hits}

    def region_count(self) -> int:
        return int(self._searcher().search(self._of_type(REGION), limit=1, count=True).count)

    def _match(self, query: str) -> tantivy.Query | None:
        qwords = words(query)
        if not qwords:
            return None
        s = self._schema
        Occur, Q = tantivy.Occur, tantivy.Query

        def word(w: str, prefix: bool) -> tantivy.Query:
            budget = typo_budget(w)
            options = [
                (Occur.Should, Q.boost_query(Q.fuzzy_term_query(s, "terms", w, 0, prefix=prefix), EXACT_PREFIX_BOOST)),
                (Occur.Should, Q.fuzzy_term_query(s, "terms", w, budget, prefix=prefix)),
                (Occur.Should, Q.boost_query(Q.fuzzy_term_query(s, "place", w, budget, prefix=prefix), PLACE_BOOST)),
            ]  # fmt: skip
            return Q.boolean_query(options)

        # Every word must match a name or place word; the last one may be the start of a word.
        parts = [(Occur.Must, word(w, prefix=False)) for w in qwords[:-1]]
        parts.append((Occur.Must, word(qwords[-1], prefix=True)))
        return Q.boolean_query(parts)

    def _matches(self, doc_type: str, query: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
        match = self._match(query)
        if match is None:
            return []
        searcher = self._searcher()
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._of_type(doc_type)), (tantivy.Occur.Must, match)]
        )
        hits = searcher.search(q, limit=limit, weight_by_field="popularity").hits
        out = []
        for _, address in hits:
            doc = searcher.doc(address)
            out.append((int(doc["id"][0]), orjson.loads(bytes(doc["payload"][0]))))
        return out

    def find_hotels(self, where: HotelFilter, limit: int = 1000) -> list[int]:
        s, Q, Occur = self._schema, tantivy.Query, tantivy.Occur
        must = [self._of_type(HOTEL)]
        if where.region_id is not None:
            must.append(Q.term_query(s, "region_id", where.region_id))
        if where.country_code:
            must.append(Q.term_query(s, "country", where.country_code))
        if where.chain:
            must.append(Q.term_query(s, "chain", where.chain))
        if where.kinds:
            must.append(Q.term_set_query(s, "kind", list(where.kinds)))
        must.extend(Q.term_query(s, "amenity", a) for a in where.amenities)
        if where.min_stars is not None or where.max_stars is not None:
            must.append(
                Q.range_query(s, "stars", tantivy.FieldType.Integer, where.min_stars, where.max_stars)
            )
        near = where.near
        if near is not None and where.radius_m is not None:
            lat0, lat1, lon0, lon1 = bounding_box(near, where.radius_m)
            must.append(Q.range_query(s, "lat", tantivy.FieldType.Float, lat0, lat1))
            must.append(Q.range_query(s, "lon", tantivy.FieldType.Float, lon0, lon1))
        searcher = self._searcher()
        query = Q.boolean_query([(Occur.Must, q) for q in must])
        hits = searcher.search(query, limit=limit, order_by_field="popularity").hits
        out = []
        for _, address in hits:
            doc = searcher.doc(address)
            if near is not None and where.radius_m is not None:
                point = GeoPoint(doc["lat"][0], doc["lon"][0])
                if distance_m(near, point) > where.radius_m:
                    continue
            out.append(int(doc["id"][0]))
        return out

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
