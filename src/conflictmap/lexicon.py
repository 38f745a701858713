"""The shared word lists: months, number words, demonyms, place-type words, speech verbs, outlets.

One copy each, for every layer (article extraction, upload cells, the map's date labels).
Number words are read by ``text2num``; demonyms come from ``countryinfo`` (one per country,
with the spellings journalists add below).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip
# "january" and "jan" (and "sept") → 1..12.
MONTHS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)},
    **{name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)},
    "sept": 9,
}

# Words after a name that make it a place of that kind: "Kandahar province", "Sangin district".
ADMIN1_WORDS: tuple[str, ...] = (
    "province", "provinces", "oblast", "region", "governorate", "state", "prefecture",
    "wilayat", "velayat", "wilayah", "county", "division",
)  # fmt: skip
ADMIN2_WORDS: tuple[str, ...] = ("district", "districts", "raion", "rayon", "municipality")
SETTLEMENT_WORDS: tuple[str, ...] = ("city", "town", "village", "hamlet", "camp", "neighbourhood")
SITE_WORDS: tuple[str, ...] = (
    "airport", "airfield", "base", "valley", "river", "pass", "bridge", "border crossing",
)  # fmt: skip

# Verbs of saying: a place before one is a government speaking ("Washington said").
SPEECH_VERBS: tuple[str, ...] = (
    "said", "says", "say", "told", "tells", "added", "stated", "announced", "warned", "urged",
    "condemned", "denied", "accused", "claimed", "confirmed", "reported", "insisted",
)  # fmt: skip

# Outlets and institutions whose names hold a place name ("Kabul Times", "Al Jazeera").
OUTLETS: tuple[str, ...] = (
    r"Al\s+Jazeera", "Reuters", r"Associated\s+Press", "AFP", "BBC", "CNN", "TOLOnews",
    r"Tolo(?:\s+News)?", "Pajhwok", r"Ariana(?:\s+News)?", "Xinhua", "TASS",
    r"RIA(?:\s+Novosti)?", "Interfax", "Ukrinform", r"Kyiv\s+(?:Independent|Post)",
    r"Washington\s+Post", r"New\s+York\s+Times", r"Voice\s+of\s+America",
    r"Radio\s+Free\s+Europe", r"Radio\s+Liberty", r"Kabul\s+(?:Times|Bank|University)", "Dawn",
)  # fmt: skip

# --- numbers ------------------------------------------------------------------------------

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ("hundred", "thousand", "million")
_WORD = r"(?:" + "|".join(sorted((*_UNITS, *_TENS, *_SCALES), key=len, reverse=True)) + r")"
# "twenty-five", "three hundred", "a hundred and twenty", "two dozen", "1,200", "a dozen".
NUMBER_PATTERN = (
    r"(?:\d[\d,]*(?:\.\d+)?(?:\s+(?:hundred|thousand|million))?"
    rf"|(?:an?\s+)?{_WORD}(?:(?:-|\s+|\s+and\s+){_WORD})*(?:\s+dozen)?"
    r"|an?\s+dozen|dozens|scores|hundreds|thousands)"
)
_NUMBER_RE = re.compile(rf"^{NUMBER_PATTERN}$", re.IGNORECASE)
# ACLED's codebook for vague counts: "several"/"many" → 10 is not used (too vague to be a
# floor); "dozens" 12, "scores" 20, "hundreds" 100, "thousands" 1,000.
VAGUE_COUNTS: Mapping[str, int] = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1000}


def number_value(words: str) -> int | None:
    """The number ``words`` write ("twenty-five" → 25, "two dozen" → 24, "1,200" → 1200,
    "a hundred and twenty" → 120, "dozens" → 12), or None when they are not a number."""
    text = " ".join(words.lower().replace("-", " ").split())
    if not text or not _NUMBER_RE.match(text):
        return None
    if text in VAGUE_COUNTS:
        return VAGUE_COUNTS[text]
    if text[0].isdigit():
        head, _, scale = text.replace(",", "").partition(" ")
        factor = {"hundred": 100, "thousand": 1000, "million": 1_000_000}.get(scale, 1)
        try:
            return int(float(head) * factor)
        except ValueError:
            return None
    dozen = text.endswith("dozen")
    if dozen:
        text = text[: -len("dozen")].strip() or "one"
    if text in {"a", "an"}:
        text = "one"
    elif text.startswith(("a ", "an ")):
        text = "one " + text.split(" ", 1)[1]
    value = _words_value(text)
    if value is None:
        return None
    return value * 12 if dozen else value


def _words_value(text: str) -> int | None:
    from text_to_num import text2num

    try:
        return int(text2num(text.replace(" and ", " "), "en"))
    except ValueError:
        return None


# --- demonyms -----------------------------------------------------------------------------

# Spellings journalists use beside countryinfo's one demonym per country (plurals are added).
_EXTRA_DEMONYMS: Mapping[str, tuple[str, ...]] = {
    "AZ": ("Azeri",),
    "BY": ("Belarussian",),
    "BF": ("Burkinabe",),
    "MM": ("Burmese",),
    "GB": ("British", "Briton", "Britons"),
    "US": ("American", "U.S.", "US"),
    "CD": ("Congolese",),
    "KR": ("South Korean",),
    "KP": ("North Korean",),
    "SS": ("South Sudanese",),
    "AE": ("Emirati",),
    "NL": ("Dutch",),
    "CH": ("Swiss",),
    "PH": ("Filipino", "Philippine"),
    "SA": ("Saudi",),
}
# Demonyms shared by several countries' entries: the country people mean by them.
_SHARED_DEMONYM_OWNER = {"American": "US", "Indian": "IN", "British": "GB", "French": "FR"}
_PLURAL_LESS = re.compile(r"(?:ese|sh|ch|s|i|\.)$")


@functools.cache
def demonyms() -> dict[str, tuple[str, ...]]:
    """Demonyms by ISO 3166-1 alpha-2 code, singular and plural ("Syrian", "Syrians")."""
    import countryinfo

    by_code: dict[str, set[str]] = {}
    owner: dict[str, tuple[int, str]] = {}
    for country in countryinfo.all_countries():
        try:
            code, word, people = country.iso(2), country.demonym(), country.population() or 0
        except (KeyError, AttributeError, TypeError, ValueError):
            continue
        if not code or not word:
            continue
        if word not in owner or people > owner[word][0]:
            owner[word] = (int(people), str(code))
    for word, (_, code) in owner.items():
        by_code.setdefault(_SHARED_DEMONYM_OWNER.get(word, code), set()).add(word)
    for code, words in _EXTRA_DEMONYMS.items():
        by_code.setdefault(code, set()).update(words)
    out: dict[str, tuple[str, ...]] = {}
    for code, spellings in by_code.items():
        forms = set(spellings)
        forms |= {w + "s" for w in spellings if not w.isupper() and not _PLURAL_LESS.search(w)}
        out[code] = tuple(sorted(forms))
    return out


# --- country names as ACLED writes them in actor names -------------------------------------

# ACLED's spellings where countryinfo's differ ("Military Forces of the United States").
_ACLED_NAMES: Mapping[str, str] = {
    "US": "the United States", "GB": "the United Kingdom", "PH": "the Philippines",
    "AE": "the United Arab Emirates", "NL": "the Netherlands", "CD": "Democratic Republic of Congo",
    "CG": "Republic of Congo", "CZ": "Czech Republic", "MK": "North Macedonia", "MM": "Myanmar",
    "PS": "Palestine", "CF": "Central African Republic", "TR": "Turkey",
}  # fmt: skip


@functools.cache
def country_names() -> dict[str, str]:
    """ACLED-style country names by ISO alpha-2 code, as actor names use them."""
    import countryinfo

    names: dict[str, tuple[int, str]] = {}
    for country in countryinfo.all_countries():
        try:
            code, name, people = country.iso(2), country.name(), country.population() or 0
        except (KeyError, AttributeError, TypeError, ValueError):
            continue
        if code and name and (code not in names or people > names[code][0]):
            names[str(code)] = (int(people), str(name))
    out = {code: name for code, (_, name) in names.items()}
    out.update(_ACLED_NAMES)
    return out
