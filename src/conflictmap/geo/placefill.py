"""Place uploaded rows: geocode place names offline, fill province and country from coordinates."""

from __future__ import annotations

from collections import Counter
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
# Rows to have seen before a country counts as a file's dominant one.
_DOMINANT_ROWS = 3


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
    """Fills places in records, looking each distinct name or point up once (files repeat them).

    A row with a place name and no country is looked up in its file's dominant country first
    ("Faizabad" in a file of Afghan events is Afghanistan's): ``country_hint`` (a code or name)
    when given, else the country most of the rows seen so far are in (their country column,
    their coordinates, or a name only one place has), once at least ``_DOMINANT_ROWS`` rows
    and a majority of them say it. The count carries over from one ``fill()`` to the next, so
    a file filled in chunks learns as it goes; ``dominant_country`` tells what it has learnt.
    """

    def __init__(
        self,
        gazetteer: PlaceLookup | None,
        *,
        geocoder: Geocoder | None,
        country_hint: str | None = None,
    ) -> None:
        self._gazetteer = gazetteer
        self._geocoder = geocoder
        self._countries: dict[str, Place | None] = {}
        self._admin1: dict[tuple[str, str], Place | None] = {}
        self._nearest: dict[tuple[float, float], Place | None] = {}
        self._settled: dict[tuple[str, str, float, float], bool] = {}
        self._seen: Counter[str] = Counter()
        self._hint = ""
        if country_hint:
            found = gazetteer.country(country_hint) if gazetteer is not None else None
            self._hint = found.country_code if found else country_hint.strip().upper()

    @property
    def dominant_country(self) -> str:
        """The ISO code rows without a country are looked up in first ("" for none yet)."""
        if self._hint:
            return self._hint
        total = sum(self._seen.values())
        if total < _DOMINANT_ROWS:
            return ""
        code, count = self._seen.most_common(1)[0]
        return code if count * 2 > total else ""

    def learn(self, country_code: str, rows: int = 1) -> None:
        """Count ``rows`` rows as lying in ``country_code`` (ingest may tell what it knows)."""
        if country_code:
            self._seen[country_code.upper()] += rows

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
        self._seen.update(code for code in codes if code)
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
                self.learn(codes[i])
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
        # Names only one place has come first: they teach the dominant country for the others.
        ordered = sorted(groups.items(), key=lambda item: bool(item[0][2]), reverse=True)
        for done, ((name, admin1, code), members) in enumerate(ordered):
            progress(0.5 * done / len(groups), f"Geocoding {name!r} ({done + 1:,}/{len(groups):,})")
            found, why = self._lookup(
                name,
                admin1=admin1,
                country_code=code,
                dominant="" if code else self.dominant_country,
            )
            for i in members:
                r = records[i]
                if found is None:
                    not_geocoded += 1
                    problems.append(RowProblem(r["line"], "location", why))
                    continue
                geocoded += 1
                raw = found.raw if isinstance(getattr(found, "raw", None), dict) else {}
                r["latitude"], r["longitude"] = self._pin(found, raw)
                # The name as written stays in place_mention; location gets the canonical name.
                r["place_mention"] = r["place_mention"] or r["location"]
                r["location"] = _place_name(found, raw) or r["location"]
                r["country"] = r["country"] or str(raw.get("country", ""))
                r["admin1"] = r["admin1"] or str(raw.get("admin1", ""))
                codes[i] = codes[i] or str(raw.get("country_code", ""))
                r["geo_precision"] = GEO_PRECISION.get(str(raw.get("kind", "place")), 1)
                r["geo_confidence"] = float(raw.get("confidence", 1.0))
            if found is not None and (code or float(raw.get("confidence", 0.0)) >= 1.0):
                self.learn(str(raw.get("country_code", "")), len(members))
        progress(0.5, "Geocoding done")
        return geocoded, not_geocoded

    def _pin(self, found: Any, raw: dict[str, Any]) -> tuple[float, float]:
        """Where a row goes: the place's point; a province's capital (ACLED's convention)."""
        if raw.get("kind") == "admin1" and self._gazetteer is not None:
            by_id = getattr(self._gazetteer, "by_id", None)
            seat_of = getattr(self._gazetteer, "seat", None)
            province = by_id(raw.get("geonameid")) if by_id and raw.get("geonameid") else None
            seat = seat_of(province) if seat_of and province is not None else None
            if seat is not None:
                return float(seat.latitude), float(seat.longitude)
        return float(found.latitude), float(found.longitude)

    def _lookup(
        self, name: str, *, admin1: str, country_code: str, dominant: str = ""
    ) -> tuple[Any, str]:
        if self._geocoder is None:
            return None, f"no coordinates, and no geocoder to place {name!r}"
        queries = []
        for code in dict.fromkeys([country_code or dominant, country_code]):
            queries.append(", ".join(p for p in (name, admin1, code) if p))
            if admin1:
                queries.append(", ".join(p for p in (name, code) if p))
        queries = list(dict.fromkeys(queries))
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
