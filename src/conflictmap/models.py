"""Records shared by every layer: places, mentions, events; ACLED's taxonomy and columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

# ACLED's export columns, in the order ACLED writes them (31, the current style).
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

# Columns ACLED does not have (see EVENT_SCHEMA.md, "ours").
OUR_COLUMNS: tuple[str, ...] = ("place_mention", "date_text", "geo_confidence", "origin")

# The event table as the pipeline produces it and the app reads it: every column of
# EVENT_SCHEMA.md, in a stable order (ACLED's first).
SCHEMA_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    *OUR_COLUMNS,
)

# ACLED's six event types and their sub-event types (ACLED codebook).
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

SUB_EVENT_TYPES: dict[str, str] = {sub: typ for typ, subs in EVENT_TYPES.items() for sub in subs}

# One colour per event type, shared by the map legend and the charts so they read alike
# (Tableau 10 hues: distinct for common colour-vision deficiencies, legible on outlines).
EVENT_TYPE_COLOURS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#2ca02c",
    "Riots": "#8c564b",
    "Strategic developments": "#1f77b4",
}
# For an event whose type is empty or not one of ACLED's six.
OTHER_EVENT_TYPE_COLOUR = "#7f7f7f"

# ACLED's actor categories (inter1/inter2): numeric codes of older exports, names of newer ones.
INTER_CODES: dict[int, str] = {
    0: "",
    1: "State forces",
    2: "Rebel group",
    3: "Political militia",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}

TimePrecision = Literal[1, 2, 3]
GeoPrecision = Literal[1, 2, 3]
PlaceKind = Literal["country", "admin1", "admin2", "place", "feature"]


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry (GeoNames): a country, a subdivision, a populated place or a feature."""

    geonameid: int
    name: str  # canonical English name, no diacritics
    kind: PlaceKind
    country_code: str  # ISO 3166-1 alpha-2
    country: str  # English short name
    admin1: str  # canonical English admin1 name; "" for a country
    latitude: float
    longitude: float
    population: int = 0
    aliases: tuple[str, ...] = ()
    # GeoNames feature code: PCLI country, ADM1, ADM2, PPLC capital, PPLA province seat, PPL,
    # RGN region, SEA, STM river, ... (see geo/gazetteer.py for which are GeoNames' own).
    feature: str = ""
    admin2: str = ""  # the district a place lies in, where GeoNames says; "" otherwise


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place name as found in a text, with where it was found."""

    surface: str  # the words as written ("Kunduz's" → "Kunduz")
    start: int  # character span in the text
    end: int
    sentence: str  # the source sentence
    sentence_index: int
    candidates: tuple[Place, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    """A mention resolved to one gazetteer place, with how sure we are and at what level."""

    mention: PlaceMention
    place: Place
    confidence: float  # 0..1
    geo_precision: GeoPrecision  # 1 town, 2 near it, 3 province or larger
    latitude: float  # where to pin it (a province's seat for geo_precision 3)
    longitude: float


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A date resolved from words in a text against the publication date."""

    value: date | None  # None when a relative phrase had no reference date
    precision: TimePrecision
    text: str  # the words that gave the date ("On Thursday", "in 2015")
    relative: bool = False  # resolved against the publication date


# progress(fraction done 0..1, what is happening) — the app draws it as a progress bar.
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row was rejected or changed: its line in the file, the column, and the reason."""

    line: int  # 1 = the header; the first data row is line 2
    column: str  # our column name, or "" when the row as a whole is wrong
    reason: str


def text_column(events: pd.DataFrame, column: str) -> pd.Series:
    """``column`` of an event table as text, "" where missing, all "" when the column is absent."""
    if column not in events:
        return pd.Series("", index=events.index, dtype="string")
    return events[column].astype("string").fillna("")
