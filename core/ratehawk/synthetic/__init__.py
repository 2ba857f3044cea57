"""Synthetic RateHawk catalog: hotel records as a pure function of (seed, hid), and dump files.

Public API:

- `hotel_record(seed, hid, revision=0) -> dict`: one full hotel record (a dump line), every field of
  the contract's hotel schema. `hotel_basics(seed, hid)` gives name/kind/stars/region/position cheaply.
- `hid_at(i)`, `index_of(hid)`, `catalog_hids(n)`, `in_catalog(hid, n)`: the hids of a catalog of n
  hotels (the first three are the sandbox test hotels 8473727, 8819557, 9744270).
- `write_dumps(out_dir, hotels, seed=0, bad_fraction=0.0, workers=None, progress=None) -> DumpManifest`:
  writes the full, incremental and region dumps (zstd JSON lines), the bad-line sidecars and
  `manifest.json`; see `core.ratehawk.synthetic.dump` for the files and their layout.
- `iter_dump_lines(path)`, `read_bad_lines(path)`, `DumpManifest.load(out_dir)`: read them back.
- `DEFECT_KINDS`: the kinds of bad lines (see `core.ratehawk.synthetic.defects`).
"""

from core.ratehawk.synthetic.defects import DEFECT_KINDS
from core.ratehawk.synthetic.dump import (
    FULL_DUMP,
    INCREMENTAL_DUMP,
    MANIFEST,
    REGION_DUMP,
    DumpFile,
    DumpManifest,
    bad_lines_path,
    incremental_plan,
    iter_dump_lines,
    read_bad_lines,
    write_dumps,
)
from core.ratehawk.synthetic.hotels import (
    FIRST_HID,
    PRICE_UP_10_HID,
    PRICE_UP_20_HID,
    SANDBOX_HIDS,
    TEST_HOTEL_HID,
    HotelBasics,
    catalog_hids,
    hid_at,
    hotel_basics,
    hotel_record,
    in_catalog,
    index_of,
)
from core.ratehawk.synthetic.regions import Region, all_regions, region_of, region_record

__all__ = [
    "DEFECT_KINDS",
    "FIRST_HID",
    "FULL_DUMP",
    "INCREMENTAL_DUMP",
    "MANIFEST",
    "PRICE_UP_10_HID",
    "PRICE_UP_20_HID",
    "REGION_DUMP",
    "SANDBOX_HIDS",
    "TEST_HOTEL_HID",
    "DumpFile",
    "DumpManifest",
    "HotelBasics",
    "Region",
    "all_regions",
    "bad_lines_path",
    "catalog_hids",
    "hid_at",
    "hotel_basics",
    "hotel_record",
    "in_catalog",
    "incremental_plan",
    "index_of",
    "iter_dump_lines",
    "read_bad_lines",
    "region_of",
    "region_record",
    "write_dumps",
]
