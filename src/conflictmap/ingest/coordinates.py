"""Coordinates that point at the wrong place: swapped, a sign lost, or far outside the country.

A row's point is checked against the country it names, else against the places its
location name can be, else against the country most of the file's rows are in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from conflictmap.geo.gazetteer import distance_km
from conflictmap.geo.placefill import PlaceLookup
from conflictmap.models import Place, RowProblem

# A point this close to a place of the row's name is that place.
NAME_KM = 100.0
# Rows whose country must be seen before a country counts as the file's own.
_LEARN_ROWS = 50
# Distinct points whose country is looked up to learn the file's country (without a column).
_LEARN_POINTS = 1_000
_VARIANTS = (
    ("the pair looks swapped", lambda lat, lon: (lon, lat)),
    ("the latitude's sign looks wrong", lambda lat, lon: (-lat, lon)),
    ("the longitude's sign looks wrong", lambda lat, lon: (lat, -lon)),
    ("both signs look wrong", lambda lat, lon: (-lat, -lon)),
)


class PointChecker:
    """Checks the coordinates of records, each distinct point and name once (files repeat them)."""

    def __init__(self, lookup: PlaceLookup) -> None:
        self._lookup = lookup
        self._countries: dict[str, Place | None] = {}
        self._near: dict[tuple[float, float], Place | None] = {}
        self._names: dict[str, tuple[Place, ...]] = {}
        self._seen: Counter[str] = Counter()
        self._verdicts: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._learnt: set[tuple[float, float]] = set()

    @property
    def dominant_country(self) -> str:
        """The country code most rows seen so far are in, once enough rows were seen."""
        if sum(self._seen.values()) < min(_LEARN_ROWS, len(self._learnt) or _LEARN_ROWS):
            return ""
        code, count = self._seen.most_common(1)[0]
        return code if count * 2 > sum(self._seen.values()) else ""

    def check(self, records: Iterable[dict[str, Any]]) -> tuple[list[RowProblem], list[RowProblem]]:
        """(rows to refuse, rows to warn about): a point explained by a swap or a lost sign is
        refused with the fix; a point far from its country and its name is a warning."""
        problems: list[RowProblem] = []
        warnings: list[RowProblem] = []
        for record in records:
            lat, lon = record["latitude"], record["longitude"]
            if lat is None or lon is None:
                continue
            code = self._code(record["country"])
            if code:
                self._seen[code] += 1
            elif len(self._learnt) < _LEARN_POINTS and (lat, lon) not in self._learnt:
                # No country column: the countries of the file's first points teach its own.
                self._learnt.add((lat, lon))
                near = self._nearest(lat, lon)
                if near is not None:
                    self._seen[near.country_code] += 1
            key = (lat, lon, code, record["location"], "" if code else self.dominant_country)
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = self._verdicts[key] = self._verdict(lat, lon, code, key[3], key[4])
            kind, reason = verdict
            if kind == "problem":
                problems.append(RowProblem(record["line"], "latitude", reason))
            elif kind == "warning":
                warnings.append(RowProblem(record["line"], "latitude", reason))
        return problems, warnings

    def _verdict(
        self, lat: float, lon: float, code: str, name: str, dominant: str
    ) -> tuple[str, str]:
        where = f"coordinates {lat}, {lon}"
        if code:
            near = self._nearest(lat, lon)
            if near is not None and near.country_code == code:
                return "", ""
            country = self._country_name(code)
            fix = self._fix(lat, lon, lambda p: p.country_code == code)
            if fix:
                return "problem", f"{where} are outside {country}; {fix}"
            if near is None:
                return "warning", f"{where} are far from every town of {country}; check them"
            return "warning", f"{where} lie in {near.country or near.country_code}, not {country}"
        places = self._places(name)
        if places:
            if any(_within(p, lat, lon) for p in places):
                return "", ""
            fix = self._fix(lat, lon, lambda p: p.name in {q.name for q in places}, places)
            if fix:
                return "problem", f"{where} are far from every {name!r}; {fix}"
        if dominant:
            near = self._nearest(lat, lon)
            if near is not None and near.country_code == dominant:
                return "", ""
            fix = self._fix(lat, lon, lambda p: p.country_code == dominant)
            if fix:
                country = self._country_name(dominant)
                return "problem", (
                    f"{where} are outside {country}, where most of this file's events are; {fix}"
                )
        return "", ""

    def _fix(self, lat: float, lon: float, fits: Any, places: tuple[Place, ...] = ()) -> str:
        for label, variant in _VARIANTS:
            vlat, vlon = variant(lat, lon)
            if not (abs(vlat) <= 90 and abs(vlon) <= 180) or (vlat, vlon) == (lat, lon):
                continue
            if places:
                match = next((p for p in places if _within(p, vlat, vlon)), None)
            else:
                near = self._nearest(vlat, vlon)
                match = near if near is not None and fits(near) else None
            if match is not None:
                return (
                    f"{label}: latitude {vlat}, longitude {vlon} falls near {match.name}; "
                    "correct them"
                )
        return ""

    def _code(self, country: str) -> str:
        if not country:
            return ""
        if country not in self._countries:
            self._countries[country] = self._lookup.country(country)
        found = self._countries[country]
        return found.country_code if found is not None else ""

    def _country_name(self, code: str) -> str:
        found = self._lookup.country(code)
        return found.name if found is not None else code

    def _nearest(self, lat: float, lon: float) -> Place | None:
        key = (lat, lon)
        if key not in self._near:
            self._near[key] = self._lookup.nearest(lat, lon)
        return self._near[key]

    def _places(self, name: str) -> tuple[Place, ...]:
        if not name:
            return ()
        if name not in self._names:
            candidates = getattr(self._lookup, "candidates", None)
            found = candidates(name) if candidates is not None else ()
            self._names[name] = tuple(p for p in found if p.kind == "place")[:20]
        return self._names[name]


def _within(place: Place, lat: float, lon: float) -> bool:
    return distance_km(place.latitude, place.longitude, lat, lon) <= NAME_KM
