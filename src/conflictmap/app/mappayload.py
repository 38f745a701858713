"""The map's compact symbol arrays, aggregated from an EventView with numpy (pure).

A symbol travels as an array; the layer's script assembles tooltip and popup from it:
[lat, lon, count, type parts, place, dates, fatalities, ring metres, details, more, places].
Every string in it is escaped HTML. Aggregation is a few bincounts over the shown positions,
so a million events cost about as much as a few thousand places.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from conflictmap.app.popups import POPUP_COLUMNS, event_popup_html
from conflictmap.models import EVENT_TYPE_COLOURS, EVENT_TYPES, OTHER_EVENT_TYPE_COLOUR
from conflictmap.store.dateperiods import date_label, period_label
from conflictmap.store.views import NO_DAY, EventView, from_day

TYPE_NAMES: tuple[str, ...] = (*EVENT_TYPES, "Other")
TYPE_COLOURS: tuple[str, ...] = (
    *(EVENT_TYPE_COLOURS[t] for t in EVENT_TYPES),
    OTHER_EVENT_TYPE_COLOUR,
)
_TYPE_INDEX = {name: i for i, name in enumerate(TYPE_NAMES)}
# How many events a place's popup details in full; the rest are counted. The budget keeps a
# layer of a million events within a few MB: with many places each gets fewer details.
MAX_DETAILS_PER_PLACE = 3
DETAIL_BUDGET = 800
# Density colour ramp (ColorBrewer YlOrRd, 6 classes), from few to many events per cell.
DENSITY_RAMP = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
DEFAULT_PROVINCE_RADIUS_M = 50_000


def type_index(view: EventView, positions: np.ndarray) -> np.ndarray:
    """Per shown event, its index in TYPE_NAMES (unknown types are "Other")."""
    other = _TYPE_INDEX["Other"]
    lookup = np.array(
        [_TYPE_INDEX.get(n, other) for n in view.names["event_type"]] + [other], dtype=np.int64
    )
    return lookup[view.codes["event_type"][positions]]


def _parts(groups: np.ndarray, types: np.ndarray, size: int) -> np.ndarray:
    """(size, types) counts: the pie's slices of each group."""
    width = len(TYPE_NAMES)
    return np.bincount(groups * width + types, minlength=size * width).reshape(size, width)


def _slices(row: np.ndarray) -> list[list[int]]:
    return [[int(k), int(n)] for k, n in enumerate(row) if n]


def _day_range(first: int, last: int) -> str:
    if last == NO_DAY:
        return "dates unknown"
    if first in (last, NO_DAY):
        return from_day(last).isoformat()
    return f"{from_day(first).isoformat()} – {from_day(last).isoformat()}"


def _ramps(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``lengths``, concatenated."""
    ends = np.cumsum(lengths)
    return np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lengths, lengths)


def _first_last(groups: np.ndarray, days: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    known = days != NO_DAY
    first = np.full(size, np.iinfo(np.int32).max, dtype=np.int64)
    last = np.full(size, NO_DAY, dtype=np.int64)
    np.minimum.at(first, groups[known], days[known])
    np.maximum.at(last, groups[known], days[known])
    first[first == np.iinfo(np.int32).max] = NO_DAY
    return first, last


def points_payload(
    view: EventView, positions: np.ndarray, *, ring_m: dict[str, int]
) -> dict[str, Any]:
    """One symbol per place: a pie of types, the latest events detailed in its popup."""
    shown = positions[view.place[positions] >= 0]
    if not len(shown):
        return {"symbols": [], "max": 0}
    size = len(view.places.lat)
    place = view.place[shown].astype(np.int64)
    counts = np.bincount(place, minlength=size)
    present = np.flatnonzero(counts)
    parts = _parts(place, type_index(view, shown), size)
    deaths = np.bincount(place, weights=view.fatalities[shown], minlength=size)
    first, last = _first_last(place, view.day[shown].astype(np.int64), size)
    per_place = max(1, min(MAX_DETAILS_PER_PLACE, DETAIL_BUDGET // len(present)))
    # The busiest places get their details first, within the budget; the others' popups say
    # how many events they hold (the table lists them).
    detailed = present[np.argsort(-counts[present], kind="stable")][: DETAIL_BUDGET // per_place]
    # Latest first within each place; the first per_place of each run are detailed.
    order = np.lexsort((-view.day[shown].astype(np.int64), place))
    starts = np.searchsorted(place[order], detailed)
    takes = np.minimum(counts[detailed], per_place)
    picked = order[np.repeat(starts, takes) + _ramps(takes)]
    rows = view.source.rows(shown[picked], POPUP_COLUMNS)
    details: dict[int, list[str]] = {}
    newest: dict[int, str] = {}
    columns = [rows[c].tolist() for c in POPUP_COLUMNS]
    for p, values in zip(place[picked].tolist(), zip(*columns, strict=True), strict=True):
        row = dict(zip(POPUP_COLUMNS, values, strict=True))
        details.setdefault(p, []).append(event_popup_html(row))
        newest.setdefault(p, date_label(row["event_date"], row["time_precision"], row["date_text"]))
    single = present[(counts[present] == 1) & ~np.isin(present, detailed)]
    if len(single):
        # A lone event's date is its symbol's date, detailed or not.
        at = order[np.searchsorted(place[order], single)]
        for p, d, k in zip(
            single.tolist(), view.day[shown[at]], view.period[shown[at]], strict=True
        ):
            newest[p] = "date unknown" if d == NO_DAY else period_label(from_day(d), int(k))
    names = (*view.names["location"], "")
    admin1 = (*view.names["admin1"], "")
    country = (*view.names["country"], "")
    symbols: list[list[Any]] = []
    for p in present.tolist():
        n = int(counts[p])
        lat, lon = float(view.places.lat[p]), float(view.places.lon[p])
        where = (names[view.places.location[p]], admin1[view.places.admin1[p]])
        nation = country[view.places.country[p]]
        label = ", ".join(x for x in (*where, nation) if x) or f"{lat:.4f}, {lon:.4f}"
        when = newest.get(p, "") if n == 1 else _day_range(first[p], last[p])
        shown_details = details.get(p, [])
        symbols.append(
            [
                round(lat, 5),
                round(lon, 5),
                n,
                _slices(parts[p]),
                html.escape(label),
                html.escape(when),
                int(deaths[p]),
                ring_m.get(nation, DEFAULT_PROVINCE_RADIUS_M) if view.places.halo[p] else 0,
                "".join(shown_details),
                n - len(shown_details),
                0,
            ]
        )
    # Rings first, then big counts under small ones: the canvas draws in order, clicks hit the top.
    symbols.sort(key=lambda s: (s[7] == 0, -s[2]))
    return {"symbols": symbols, "max": int(counts.max())}


def density_payload(view: EventView, positions: np.ndarray) -> dict[str, Any]:
    """Events per grid cell, a round step giving about 40 cells across the events."""
    shown = positions[view.place[positions] >= 0]
    if not len(shown):
        return {"cells": [], "size": 0}
    lat, lon = view.lat[shown], view.lon[shown]
    size = cell_size(float(lat.max() - lat.min()), float(lon.max() - lon.min()))
    row = np.floor(lat / size).astype(np.int64)
    col = np.floor(lon / size).astype(np.int64)
    cell, keys = pd.factorize(row * 100_000 + col)
    n_cells = len(keys)
    counts = np.bincount(cell, minlength=n_cells)
    parts = _parts(cell.astype(np.int64), type_index(view, shown), n_cells)
    location = view.codes["location"][shown]
    named = location >= 0
    pairs = pd.DataFrame({"c": cell[named], "l": location[named]}).value_counts().reset_index()
    top = pairs.groupby("c").head(3)
    places: dict[int, str] = {}
    for c, group in top.groupby("c"):
        places[int(c)] = ", ".join(view.names["location"][k] for k in group["l"])
    first = np.zeros(n_cells, dtype=np.int64)
    first[cell[::-1]] = np.arange(len(cell) - 1, -1, -1)
    biggest = int(counts.max())
    cells: list[list[Any]] = [
        [
            round(int(row[first[c]]) * size, 5),
            round(int(col[first[c]]) * size, 5),
            int(counts[c]),
            _ramp_level(int(counts[c]), biggest),
            html.escape(places.get(c, "")),
            _slices(parts[c]),
        ]
        for c in range(n_cells)
    ]
    cells.sort(key=lambda c: int(c[2]))
    return {"cells": cells, "size": size}


def provinces_payload(view: EventView, positions: np.ndarray) -> dict[str, Any]:
    """One symbol per province (events without one are summed under their country)."""
    shown = positions[view.place[positions] >= 0]
    if not len(shown):
        return {"symbols": [], "max": 0}
    size = len(view.provinces)
    prov = view.province[shown].astype(np.int64)
    counts = np.bincount(prov, minlength=size)
    parts = _parts(prov, type_index(view, shown), size)
    lat = np.bincount(prov, weights=view.lat[shown], minlength=size)
    lon = np.bincount(prov, weights=view.lon[shown], minlength=size)
    deaths = np.bincount(prov, weights=view.fatalities[shown], minlength=size)
    first, last = _first_last(prov, view.day[shown].astype(np.int64), size)
    location = view.codes["location"][shown]
    named = location >= 0
    places = np.bincount(
        pd.DataFrame({"p": prov[named], "l": location[named]})
        .drop_duplicates()["p"]
        .to_numpy(dtype=np.int64),
        minlength=size,
    )
    admin1 = (*view.names["admin1"], "")
    country = (*view.names["country"], "")
    symbols: list[list[Any]] = []
    for p in np.flatnonzero(counts).tolist():
        n = int(counts[p])
        nation = country[view.provinces[p, 0]]
        name = admin1[view.provinces[p, 1]] or "province unknown"
        symbols.append(
            [
                round(float(lat[p] / n), 5),
                round(float(lon[p] / n), 5),
                n,
                _slices(parts[p]),
                html.escape(", ".join(x for x in (name, nation) if x)),
                html.escape(_day_range(first[p], last[p])),
                int(deaths[p]),
                0,
                "",
                0,
                int(places[p]),
            ]
        )
    symbols.sort(key=lambda s: -s[2])
    return {"symbols": symbols, "max": int(counts.max())}


def cell_size(lat_span: float, lon_span: float) -> float:
    """A round grid step giving about 40 cells across the events' extent."""
    span = max(lat_span, lon_span)
    for step in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0):
        if span / step <= 40:
            return step
    return 10.0


def _ramp_level(n: int, top: int) -> int:
    if top <= 1:
        return len(DENSITY_RAMP) - 1
    share = math.log(n) / math.log(top)
    return min(len(DENSITY_RAMP) - 1, int(share * len(DENSITY_RAMP)))
