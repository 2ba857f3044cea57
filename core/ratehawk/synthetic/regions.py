"""Regions of the synthetic catalog, and which city a hotel is in.

Region ids are fixed (they do not depend on the seed): countries 2000+, cities 6100000+, airports
7100000+, neighbourhoods 8100000+. A hotel's city is a cheap hash of (seed, hid) weighted by the city's
share, so the region dump and the simulator can place hotels without building their records.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from core.ratehawk.synthetic.vocab import NEIGHBORHOODS, cities, countries

COUNTRY_ID_BASE = 2000
CITY_ID_BASE = 6_100_000
AIRPORT_ID_BASE = 7_100_000
NEIGHBORHOOD_ID_BASE = 8_100_000
# Cities with at least this share get neighbourhood regions too.
NEIGHBORHOOD_MIN_WEIGHT = 40.0

_MASK64 = (1 << 64) - 1


def mix64(*parts: int) -> int:
    """A splitmix64-style hash of a few integers: fast, stable across Python versions."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        x = (x ^ (x >> 31)) * 0x94D049BB133111EB & _MASK64
        x ^= x >> 29
    return x


def unit(*parts: int) -> float:
    """A float in [0, 1) determined by the given integers."""
    return (mix64(*parts) >> 11) * (1.0 / (1 << 53))


@dataclass(frozen=True, slots=True)
class Region:
    id: int
    type: str
    name: str
    country_code: str
    latitude: float
    longitude: float
    iata: str | None
    city_index: int | None  # the city whose hotels this region lists (cities only)

    def brief(self) -> dict:
        """The `region` object embedded in a hotel record."""
        return {
            "id": self.id,
            "name": self.name,
            "country_code": self.country_code,
            "iata": self.iata,
            "type": self.type,
        }


@lru_cache(maxsize=1)
def city_regions() -> tuple[Region, ...]:
    return tuple(
        Region(CITY_ID_BASE + i, "City", c.name, c.country.code, c.latitude, c.longitude, c.iata, i)
        for i, c in enumerate(cities())
    )


@lru_cache(maxsize=1)
def all_regions() -> tuple[Region, ...]:
    """Every region of the region dump: countries, cities, airports, neighbourhoods."""
    out: list[Region] = []
    city_list = cities()
    for i, country in enumerate(countries().values()):
        own = [c for c in city_list if c.country.code == country.code]
        lat = sum(c.latitude for c in own) / len(own)
        lon = sum(c.longitude for c in own) / len(own)
        out.append(Region(COUNTRY_ID_BASE + i, "Country", country.name, country.code, lat, lon, None, None))
    out.extend(city_regions())
    for i, c in enumerate(city_list):
        out.append(
            Region(
                AIRPORT_ID_BASE + i,
                "Airport",
                f"{c.name} Airport ({c.iata})",
                c.country.code,
                round(c.latitude + 0.12, 4),
                round(c.longitude - 0.09, 4),
                c.iata,
                None,
            )
        )
    n = 0
    for c in city_list:
        if c.weight < NEIGHBORHOOD_MIN_WEIGHT:
            continue
        for k, hood in enumerate(NEIGHBORHOODS):
            out.append(
                Region(
                    NEIGHBORHOOD_ID_BASE + n,
                    "Neighborhood",
                    f"{hood}, {c.name}",
                    c.country.code,
                    round(c.latitude + 0.01 * (k - 2), 4),
                    round(c.longitude + 0.01 * (2 - k), 4),
                    None,
                    None,
                )
            )
            n += 1
    return tuple(out)


@lru_cache(maxsize=1)
def _city_cumulative() -> tuple[float, ...]:
    weights = [c.weight for c in cities()]
    total = sum(weights)
    return tuple(w / total for w in accumulate(weights))


def city_index_of(seed: int, hid: int) -> int:
    """Index (into `cities()`) of the city a hotel is in."""
    cum = _city_cumulative()
    return min(bisect_right(cum, unit(seed, hid, 0xC1)), len(cum) - 1)


def region_of(seed: int, hid: int) -> Region:
    """The City region a hotel belongs to."""
    return city_regions()[city_index_of(seed, hid)]


def region_record(region: Region, hids: list[int] | None = None) -> dict:
    """One line of the region dump."""
    return {
        "id": region.id,
        "type": region.type,
        "name": {"en": region.name},
        "country_code": region.country_code,
        "center": {"latitude": region.latitude, "longitude": region.longitude},
        "hids": hids or [],
        "iata": region.iata,
    }
