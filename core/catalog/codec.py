"""Compression of hotel records in the store: zstd with a dictionary trained on sample records.

Hotel lines share most of their keys and vocabulary, so a dictionary trained on a few thousand of
them compresses about twice as well as plain zstd, and faster (ARCHITECTURE.md). Every frame names
its dictionary (zstd writes the dictionary id into the frame header), and every dictionary ever
used stays in the store under ("catalog", "zdict", dict_id): a record written last month still
decompresses after the dictionary was retrained.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import zstandard

from core.kv import Store, Transaction
from core.kv.keys import CATALOG

DICT_BYTES = 64 * 1024  # well under the store's 100 KB value limit
LEVEL = 3
MIN_SAMPLES = 200

_ZDICT_CURRENT = CATALOG.key("zdict_current")


def _dict_key(dict_id: int) -> bytes:
    return CATALOG.key("zdict", dict_id)


class RecordCodec:
    """Compresses records with one dictionary (or none); decompresses with whichever they name."""

    def __init__(self, zdict: zstandard.ZstdCompressionDict | None) -> None:
        self.zdict = zdict
        self.dict_id = zdict.dict_id() if zdict is not None else 0
        self._compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=zdict, write_content_size=True)

    def compress(self, raw: bytes) -> bytes:
        return self._compressor.compress(raw)

    def compress_many(self, raws: Sequence[bytes]) -> list[bytes]:
        """Compress a batch on every core (zstd's threads run without the GIL)."""
        if len(raws) < 16:
            return [self._compressor.compress(r) for r in raws]
        frames = self._compressor.multi_compress_to_buffer(list(raws), threads=-1)
        return [frames[i].tobytes() for i in range(len(frames))]


def train(samples: Sequence[bytes]) -> zstandard.ZstdCompressionDict | None:
    """A dictionary trained on sample records, or None when there are too few to learn from."""
    if len(samples) < MIN_SAMPLES:
        return None
    try:
        return zstandard.train_dictionary(DICT_BYTES, list(samples), level=LEVEL)
    except zstandard.ZstdError:
        return None


def load_codec(store: Store) -> RecordCodec | None:
    """The codec of the store's current dictionary, or None if no dictionary was trained yet."""

    def read(tr: Transaction) -> bytes | None:
        current = tr.get(_ZDICT_CURRENT)
        return None if current is None else tr.get(_dict_key(int(current)))

    data = store.run(read)
    return RecordCodec(zstandard.ZstdCompressionDict(data)) if data else None


def save_codec(store: Store, codec: RecordCodec) -> None:
    """Keep the codec's dictionary in the store and make it the one new records use."""
    if codec.zdict is None:
        return

    def write(tr: Transaction) -> None:
        tr.set(_dict_key(codec.dict_id), codec.zdict.as_bytes())  # type: ignore[union-attr]
        tr.set(_ZDICT_CURRENT, str(codec.dict_id).encode())

    store.run(write)


class Decoder:
    """Decompresses stored records, loading (and caching) the dictionaries they name."""

    def __init__(self) -> None:
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._local = threading.local()  # zstd decompressors must not be shared between threads

    def decompress(self, tr: Transaction, blob: bytes) -> bytes:
        dict_id = zstandard.get_frame_parameters(blob).dict_id
        mine: dict[int, zstandard.ZstdDecompressor] = self._local.__dict__.setdefault("by_id", {})
        decompressor = mine.get(dict_id)
        if decompressor is None:
            if dict_id == 0:
                decompressor = zstandard.ZstdDecompressor()
            else:
                zdict = self._dicts.get(dict_id)
                if zdict is None:
                    data = tr.get(_dict_key(dict_id))
                    if data is None:
                        raise LookupError(f"zstd dictionary {dict_id} is missing from the store")
                    zdict = self._dicts[dict_id] = zstandard.ZstdCompressionDict(data)
                decompressor = zstandard.ZstdDecompressor(dict_data=zdict)
            mine[dict_id] = decompressor
        return decompressor.decompress(blob)
