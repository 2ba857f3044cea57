"""The catalog's expectations, written once: each has a reason code, a severity and its GE expectation.

`reject` expectations send a line to quarantine with the expectation's reason; `warn` expectations
are counted and reported (a malformed e-mail address should not take a hotel off sale). Great
Expectations is imported only when a suite is built, never at import time (it costs seconds).

Rules GE cannot express row by row live in `rules.py` (shape problems found while parsing, and
duplicate hids across the whole dump).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.domain.catalog import HOTEL_KINDS

REJECT = "reject"
WARN = "warn"
TIME_RE = r"^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$"
MAX_RAW_BYTES = 400_000  # a record compressed must fit the store's 100 KB value limit


@dataclass(frozen=True)
class Expectation:
    """One expectation on a column of the staged hotels table."""

    reason: str
    kind: str  # GE expectation class name, e.g. "ExpectColumnValuesToBeBetween"
    column: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    severity: str = REJECT
    description: str = ""

    def build(self) -> Any:
        import great_expectations.expectations as gxe

        cls = getattr(gxe, self.kind)
        meta = {"reason": self.reason, "severity": self.severity}
        return cls(column=self.column, meta=meta, **self.kwargs)


def _time(column: str) -> Expectation:
    return Expectation(
        f"{column}_malformed", "ExpectColumnValuesToMatchRegex", column, {"regex": TIME_RE},
        description=f"{column}, when given, is HH:MM or HH:MM:SS",
    )  # fmt: skip


HOTEL_EXPECTATIONS: tuple[Expectation, ...] = (
    Expectation("hid_missing", "ExpectColumnValuesToNotBeNull", "hid", description="hid is present"),
    Expectation("hid_not_positive", "ExpectColumnValuesToBeBetween", "hid", {"min_value": 1},
                description="hid is a positive integer"),
    Expectation("name_missing", "ExpectColumnValuesToNotBeNull", "name", description="name is present"),
    Expectation("name_empty", "ExpectColumnValuesToMatchRegex", "name", {"regex": r"\S"},
                description="name has a visible character"),
    Expectation("name_too_long", "ExpectColumnValueLengthsToBeBetween", "name", {"max_value": 500},
                description="name is at most 500 characters"),
    Expectation("kind_missing", "ExpectColumnValuesToNotBeNull", "kind", description="kind is present"),
    Expectation("kind_unknown", "ExpectColumnValuesToBeInSet", "kind", {"value_set": sorted(HOTEL_KINDS)},
                description="kind is one of RateHawk's property kinds"),
    Expectation("star_rating_missing", "ExpectColumnValuesToNotBeNull", "star_rating",
                description="star_rating is present (0 = unrated)"),
    Expectation("star_rating_out_of_range", "ExpectColumnValuesToBeBetween", "star_rating",
                {"min_value": 0, "max_value": 5}, description="star_rating is within 0-5"),
    Expectation("latitude_missing", "ExpectColumnValuesToNotBeNull", "latitude", description="latitude is present"),
    Expectation("latitude_out_of_range", "ExpectColumnValuesToBeBetween", "latitude",
                {"min_value": -90, "max_value": 90}, description="latitude is within -90..90"),
    Expectation("longitude_missing", "ExpectColumnValuesToNotBeNull", "longitude",
                description="longitude is present"),
    Expectation("longitude_out_of_range", "ExpectColumnValuesToBeBetween", "longitude",
                {"min_value": -180, "max_value": 180}, description="longitude is within -180..180"),
    Expectation("region_missing", "ExpectColumnValuesToNotBeNull", "region_id",
                description="the hotel names its region (region.id)"),
    Expectation("region_country_code_missing", "ExpectColumnValuesToNotBeNull", "region_country_code",
                description="the region has a country code"),
    Expectation("region_country_code_invalid", "ExpectColumnValuesToMatchRegex", "region_country_code",
                {"regex": r"^[A-Z]{2}$"}, description="the country code is ISO 3166 alpha-2"),
    _time("check_in_time"),
    _time("check_out_time"),
    _time("front_desk_time_start"),
    _time("front_desk_time_end"),
    Expectation("record_too_large", "ExpectColumnValuesToBeBetween", "raw_bytes", {"max_value": MAX_RAW_BYTES},
                description=f"the record is at most {MAX_RAW_BYTES:,} bytes"),
    # Warnings: counted and shown, the hotel stays on sale.
    Expectation("email_malformed", "ExpectColumnValuesToMatchRegex", "email",
                {"regex": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"}, WARN, "email, when given, looks like an address"),
    Expectation("no_room_groups", "ExpectColumnValuesToBeBetween", "room_group_count", {"min_value": 1},
                WARN, "the hotel lists at least one room group"),
    Expectation("year_built_implausible", "ExpectColumnValuesToBeBetween", "year_built",
                {"min_value": 1000, "max_value": 2100}, WARN, "facts.year_built, when given, is plausible"),
)  # fmt: skip

# Reasons a deleted record is still judged by: it only needs to say which hotel to take off sale.
DELETED_RECORD_REASONS = frozenset({"hid_missing", "hid_not_positive"})

SUITE_COLUMNS = sorted({e.column for e in HOTEL_EXPECTATIONS})
