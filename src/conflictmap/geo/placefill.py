"""Place uploaded rows: geocode place names offline, fill province and country from coordinates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from geopy.exc import GeopyError

from conflictmap.errors import ConflictMapError
from conflictmap.geo.gazetteer import distance_km
from conflictmap.models import Place, Progress, RowProblem

# ACLED geo_precision for what the geocoder matched: the town itself, or only a province/country.
GEO_PRECISION = {"place": 1, "admin1": 3, "country": 3}
# How far a point may lie from its province's seat and still be taken as inside it.
_PROVINCE_KM = 600.0


class PlaceLookup(Protocol):
    """What placing rows needs from the gazetteer (conflictmap.gazetteer.Gazetteer has it)."""

    def country(self, code_or_name: str) -> Place | None: ...

    def admin1(self, country_code: str, name: str) -> Place | None: ...

    def nearest(
        self, latitude: float, longitude: float, *, max_km: float = 100.0
    ) -> Place | None: ...


class Geocoder(Protocol):
    """geopy's contract: a Location (with ``raw``) or None for no match."""

    def geocode(self, query: str, *, exactly_one: bool = True) -> Any: ...


@dataclass(frozen=True, slots=True)
class FillOutcome:
    """How many rows the geocoder placed or could not place, and the rows refused on the way."""

    geocoded: int
    not_geocoded: int
    problems: tuple[RowProblem, ...]
    warnings: tuple[RowProblem, ...] = ()


class PlaceFiller:
    """Fills places in records, looking each distinct name or point up once (files repeat them)."""

    def __init__(self, gazetteer: PlaceLookup | None, *, geocoder: Geocoder | None) -> None:
        self._gazetteer = gazetteer
        self._geocoder = geocoder
        self._countries: dict[str, Place | None] = {}
        self._admin1: dict[tuple[str, str], Place | None] = {}
        self._nearest: dict[tuple[float, float], Place | None] = {}
        self._settled: dict[tuple[str, str, float, float], bool] = {}

    def fill(
        self, records: list[dict[str, Any]], *, progress: Progress | None = None
    ) -> FillOutcome:
        """Geocode records without coordinates; fill country and admin1, spelt the gazetteer's way.

        Records are changed in place. A record whose place cannot be found, or whose
        coordinates lie in its stated country only when swapped, gets a problem.
        """
        report = progress or _quiet
        problems: list[RowProblem] = []
        codes = [self._country_code(r) for r in records]
        to_geocode = [i for i, r in enumerate(records) if r["latitude"] is None]
        geocoded, not_geocoded = self._geocode(
            records, to_geocode, codes=codes, problems=problems, progress=report
        )
        located = set(to_geocode)
        # A point near the province its row names needs no reverse lookup: it is neither
        # swapped nor missing a province. Only the others are looked up, once per point.
        unsettled = [
            i
            for i, r in enumerate(records)
            if r["latitude"] is not None
            and i not in located
            and (codes[i] or not r["admin1"])
            and not self._in_named_province(codes[i], r)
        ]
        points = {(records[i]["latitude"], records[i]["longitude"]) for i in unsettled}
        for done, (lat, lon) in enumerate(sorted(points)):
            if done % 500 == 0:
                report(
                    0.5 + 0.5 * done / len(points), f"Checking coordinates {done:,}/{len(points):,}"
                )
            self._near(lat, lon)
        for i in unsettled:
            r = records[i]
            near = self._near(r["latitude"], r["longitude"])
            code = codes[i]
            if code and (near is None or near.country_code != code):
                flipped = (
                    self._near(r["longitude"], r["latitude"]) if abs(r["longitude"]) <= 90 else None
                )
                if flipped is not None and flipped.country_code == code:
                    problems.append(
                        RowProblem(
                            r["line"],
                            "latitude",
                            f"coordinates {r['latitude']}, {r['longitude']} are outside "
                            f"{r['country']}, but swapped they fall near {flipped.name}: "
                            "the pair looks swapped",
                        )
                    )
                    continue
            if near is not None and not code:
                r["country"] = r["country"] or near.country
                codes[i] = near.country_code if r["country"] == near.country else ""
            if near is not None and not r["admin1"] and near.country_code == codes[i]:
                r["admin1"] = near.admin1
        for i, r in enumerate(records):
            if r["admin1"] and codes[i]:
                found = self._admin1_place(codes[i], r["admin1"])
                if found is not None:
                    r["admin1"] = found.name
        report(1.0, "Places checked")
        return FillOutcome(geocoded, not_geocoded, tuple(problems))

    def _in_named_province(self, code: str, record: dict[str, Any]) -> bool:
        if not (code and record["admin1"]):
            return False
        key = (code, record["admin1"], record["latitude"], record["longitude"])
        if key not in self._settled:
            province = self._admin1_place(code, record["admin1"])
            self._settled[key] = province is not None and (
                distance_km(province.latitude, province.longitude, key[2], key[3]) <= _PROVINCE_KM
            )
        return self._settled[key]

    def _country_code(self, record: dict[str, Any]) -> str:
        name = record["country"]
        if not name or self._gazetteer is None:
            return ""
        if name not in self._countries:
            self._countries[name] = self._gazetteer.country(name)
        found = self._countries[name]
        if found is None:
            return ""
        record["country"] = found.country or found.name
        return found.country_code

    def _admin1_place(self, code: str, name: str) -> Place | None:
        key = (code, name)
        if key not in self._admin1:
            self._admin1[key] = self._gazetteer.admin1(code, name) if self._gazetteer else None
        return self._admin1[key]

    def _near(self, lat: float, lon: float) -> Place | None:
        key = (lat, lon)
        if key not in self._nearest:
            self._nearest[key] = self._gazetteer.nearest(lat, lon) if self._gazetteer else None
        return self._nearest[key]

    def _geocode(
        self,
        records: list[dict[str, Any]],
        positions: list[int],
        *,
        codes: list[str],
        problems: list[RowProblem],
        progress: Callable[[float, str], None],
    ) -> tuple[int, int]:
        groups: dict[tuple[str, str, str], list[int]] = {}
        for i in positions:
            r = records[i]
            groups.setdefault((r["location"], r["admin1"], codes[i]), []).append(i)
        geocoded = not_geocoded = 0
        for done, ((name, admin1, code), members) in enumerate(groups.items()):
            progress(0.5 * done / len(groups), f"Geocoding {name!r} ({done + 1:,}/{len(groups):,})")
            found, why = self._lookup(name, admin1=admin1, country_code=code)
            for i in members:
                r = records[i]
                if found is None:
                    not_geocoded += 1
                    problems.append(RowProblem(r["line"], "location", why))
                    continue
                geocoded += 1
                raw = found.raw if isinstance(getattr(found, "raw", None), dict) else {}
                r["latitude"], r["longitude"] = float(found.latitude), float(found.longitude)
                # The name as written stays in place_mention; location gets the canonical name.
                r["place_mention"] = r["place_mention"] or r["location"]
                r["location"] = _place_name(found, raw) or r["location"]
                r["country"] = r["country"] or str(raw.get("country", ""))
                r["admin1"] = r["admin1"] or str(raw.get("admin1", ""))
                codes[i] = codes[i] or str(raw.get("country_code", ""))
                r["geo_precision"] = GEO_PRECISION.get(str(raw.get("kind", "place")), 1)
                r["geo_confidence"] = float(raw.get("confidence", 1.0))
        progress(0.5, "Geocoding done")
        return geocoded, not_geocoded

    def _lookup(self, name: str, *, admin1: str, country_code: str) -> tuple[Any, str]:
        if self._geocoder is None:
            return None, f"no coordinates, and no geocoder to place {name!r}"
        queries = [", ".join(p for p in (name, admin1, country_code) if p)]
        if admin1:
            queries.append(", ".join(p for p in (name, country_code) if p))
        try:
            for query in queries:
                found = self._geocoder.geocode(query, exactly_one=True)
                if found is None:
                    continue
                raw = found.raw if isinstance(getattr(found, "raw", None), dict) else {}
                if country_code and raw.get("country_code", country_code) != country_code:
                    continue
                return found, ""
        except (ConflictMapError, GeopyError, OSError, ValueError) as exc:
            return None, f"the geocoder failed for {name!r}: {exc}"
        where = f" in {country_code}" if country_code else ""
        return None, (
            f"{name!r} was not found{where} in the offline gazetteer; "
            "add latitude and longitude, or check the spelling"
        )


def _place_name(found: Any, raw: dict[str, Any]) -> str:
    name = raw.get("name")
    if isinstance(name, str) and name:
        return name
    address = getattr(found, "address", "")
    return address.split(",")[0].strip() if isinstance(address, str) else ""


def _quiet(fraction: float, message: str) -> None:
    """The progress callback used when nobody listens."""
