"""Bad dump lines, broken the ways real supplier feeds break, each recorded with its reason.

A plan picks exactly `round(fraction * lines)` line positions (deterministic for the seed) and gives
each a kind. The writer then breaks the line at that position instead of writing the good record.
Every kind is detectable by a strict parser for exactly that one reason:

| kind                   | what the line holds                                                     |
|------------------------|-------------------------------------------------------------------------|
| truncated_json         | a strict prefix of the record's JSON (not parseable)                    |
| missing_hid            | the record without its `hid` key                                        |
| non_integer_hid        | `hid` as a string such as "h10000042"                                  |
| latitude_out_of_range  | `latitude` outside [-90, 90]                                            |
| duplicate_hid          | an older copy of a hid that a later line repeats (`superseded_by_line`) |
| empty_name             | `name` empty or only spaces                                             |
| unknown_kind           | `kind` not in the contract's list                                       |
| wrong_types            | one field of the wrong JSON type (`field` says which)                   |
| deleted                | a valid record with `deleted: true` (to be removed from sale)           |

A duplicated hid keeps its newest line: the plan writes a new-content copy of an earlier good line's
hid, and the sidecar lists the *older* line(s) as `duplicate_hid` (what a loader must quarantine),
with `superseded_by_line` naming the newest copy (`mark_superseded` rewrites the entries so).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

DEFECT_KINDS = (
    "truncated_json",
    "missing_hid",
    "non_integer_hid",
    "latitude_out_of_range",
    "duplicate_hid",
    "empty_name",
    "unknown_kind",
    "wrong_types",
    "deleted",
)
UNKNOWN_KIND_VALUE = "Spaceport"
# field -> a value of the wrong JSON type for it
WRONG_TYPE_VALUES: tuple[tuple[str, object], ...] = (
    ("star_rating", "four stars"),
    ("latitude", "41.9028N"),
    ("room_groups", {"name": "Standard room"}),
    ("amenity_groups", "wifi, parking"),
    ("region", 6100003),
)


@dataclass(frozen=True, slots=True)
class Defect:
    """One planned bad line. `line` is 0-based here; the manifest writes it 1-based."""

    line: int
    kind: str
    duplicate_of: int | None = None  # 0-based line whose hid a duplicate_hid line repeats

    def as_tuple(self) -> tuple[int, str, int | None]:
        return (self.line, self.kind, self.duplicate_of)


def plan_defects(seed: int, lines: int, fraction: float, salt: int = 0) -> dict[int, Defect]:
    """Which lines of a dump of `lines` lines are bad, and how (exactly round(fraction*lines))."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"bad fraction must be within 0 and 1, got {fraction}")
    count = round(fraction * lines)
    if count == 0:
        return {}
    rng = random.Random(seed * 1_000_003 + salt)
    positions = sorted(rng.sample(range(lines), count))
    bad = set(positions)
    plan: dict[int, Defect] = {}
    for pos in positions:
        kind = DEFECT_KINDS[int(rng.random() * len(DEFECT_KINDS))]
        dup_of = None
        if kind == "duplicate_hid":
            dup_of = pos - 1
            while dup_of >= 0 and dup_of in bad:
                dup_of -= 1
            if dup_of < 0:  # no earlier good line to repeat
                kind, dup_of = "empty_name", None
        plan[pos] = Defect(pos, kind, dup_of)
    return plan


def break_line(
    record: dict,
    defect: Defect,
    rng: random.Random,
    other_record: Callable[[int], dict],
) -> tuple[bytes, dict]:
    """The bad line (without newline) for a defect, and its manifest entry.

    `other_record(line)` builds a different-content record carrying the hid of that (0-based) line,
    for duplicate_hid.
    """
    entry: dict = {"line": defect.line + 1, "kind": defect.kind, "hid": record.get("hid")}
    kind = defect.kind
    if kind == "truncated_json":
        full = orjson.dumps(record)
        cut = 20 + int(rng.random() * (len(full) - 40))
        return full[:cut], entry
    record = dict(record)
    if kind == "missing_hid":
        del record["hid"]
    elif kind == "non_integer_hid":
        record["hid"] = f"h{record['hid']}"
    elif kind == "latitude_out_of_range":
        record["latitude"] = round(90.5 + rng.random() * 200, 6) * (1 if rng.random() < 0.5 else -1)
    elif kind == "duplicate_hid":
        assert defect.duplicate_of is not None
        record = other_record(defect.duplicate_of)
        entry["hid"] = record["hid"]
        entry["duplicate_of_line"] = defect.duplicate_of + 1  # rewritten by mark_superseded
    elif kind == "empty_name":
        record["name"] = " " * int(rng.random() * 3)
    elif kind == "unknown_kind":
        record["kind"] = UNKNOWN_KIND_VALUE
    elif kind == "wrong_types":
        field, value = WRONG_TYPE_VALUES[int(rng.random() * len(WRONG_TYPE_VALUES))]
        record[field] = value
        entry["field"] = field
    elif kind == "deleted":
        record["deleted"] = True
    else:  # pragma: no cover - plan_defects only yields known kinds
        raise ValueError(kind)
    return orjson.dumps(record), entry


def mark_superseded(entries: list[dict]) -> list[dict]:
    """Sidecar entries in line order, with each duplicated hid listed on its older line(s).

    `break_line` records a duplicate on the line that repeats the hid (`duplicate_of_line`: the
    line it copies). The newest copy of a hid is the one a loader keeps, so every older copy of the
    hid becomes the `duplicate_hid` entry (replacing any other entry of that line, such as
    `deleted`), with `superseded_by_line` the newest; the number of entries per kind is unchanged
    unless an older copy carried another entry.
    """
    copies: dict[int, list[int]] = {}  # first line of a hid -> the lines repeating it
    for entry in entries:
        if entry["kind"] == "duplicate_hid":
            copies.setdefault(entry["duplicate_of_line"], []).append(entry["line"])
    hid_of = {e["duplicate_of_line"]: e["hid"] for e in entries if e["kind"] == "duplicate_hid"}
    out = {e["line"]: e for e in entries if e["kind"] != "duplicate_hid"}
    for first, repeats in copies.items():
        lines = sorted([first, *repeats])
        for line in lines[:-1]:
            out[line] = {"line": line, "kind": "duplicate_hid", "hid": hid_of[first],
                         "superseded_by_line": lines[-1]}  # fmt: skip
    return [out[line] for line in sorted(out)]
