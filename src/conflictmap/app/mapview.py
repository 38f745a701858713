"""Events → folium.Map: a stable offline base map and one small, aggregated event layer (pure)."""

from __future__ import annotations

import functools
import html
import json
import math
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Literal, get_args

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from conflictmap.app.assets import ASSET_URL, LEAFLET_URL, OUTLINES_FILE, OUTLINES_PATH, static_text
from conflictmap.models import EVENT_TYPE_COLOURS, EVENT_TYPES, OTHER_EVENT_TYPE_COLOUR

View = Literal["points", "density", "provinces"]
VIEWS: tuple[View, ...] = get_args(View)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
DATA_ATTRIBUTION = (
    'Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'
    ' · Outlines: <a href="https://www.naturalearthdata.com/">Natural Earth</a>'
)

# A province-level event (geo_precision 3) is drawn as a ring this wide (in metres) when the
# outline data has no typical province size for its country: nobody takes it for a town.
DEFAULT_PROVINCE_RADIUS_M = 50_000
# How many events a place's popup details in full; the rest are counted. The budget keeps a
# layer of 100,000 events within a few MB: with many places each gets fewer details.
MAX_DETAILS_PER_PLACE = 3
DETAIL_BUDGET = 1_500
NOTES_MAX_CHARS = 400
# Symbols at the same coordinates (to ~10 m) are one place.
COORD_DECIMALS = 4
TYPE_NAMES: tuple[str, ...] = (*EVENT_TYPES, "Other")
TYPE_COLOURS: tuple[str, ...] = (
    *(EVENT_TYPE_COLOURS[t] for t in EVENT_TYPES),
    OTHER_EVENT_TYPE_COLOUR,
)
_TYPE_INDEX = {name: i for i, name in enumerate(TYPE_NAMES)}
GEO_PRECISION_LABELS = {
    1: "the place itself",
    2: "near the place",
    3: "province only: shown at its capital",
}
# Density colour ramp (ColorBrewer YlOrRd, 6 classes), from few to many events per cell.
DENSITY_RAMP = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")


def build_base_map(
    *, online_tiles: bool = False, asset_url: str = ASSET_URL, leaflet_url: str = LEAFLET_URL
) -> folium.Map:
    """The part of the map that does not change with the filters: Leaflet, outlines, legend.

    Every script and style comes from the app itself (``leaflet_url``, ``asset_url``); with
    ``online_tiles`` OpenStreetMap tiles are drawn above the bundled land fill and under the
    borders, so when they fail to load the outline map is still there.
    """
    m = folium.Map(
        location=[25.0, 45.0],
        zoom_start=3,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        min_zoom=2,
        max_zoom=16,
        world_copy_jump=True,
    )
    # Instance attributes shadow folium's CDN lists, which st_folium also reads to load scripts.
    m.default_js = [("leaflet", f"{leaflet_url}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{leaflet_url}/leaflet.css")]
    if online_tiles:
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, control=False
        ).add_to(m)
    m.add_child(_BaseLayers(asset_url=asset_url, online_tiles=online_tiles))
    return m


def build_event_layer(
    events: pd.DataFrame, *, view: str = "points", fit_bounds: bool = True
) -> folium.FeatureGroup:
    """The filtered events as one feature group, for ``st_folium(feature_group_to_add=...)``.

    ``points``: one symbol per place, a pie of event types sized and labelled by the count;
    province-level events as a dashed, province-sized ring. ``density``: events per grid cell.
    ``provinces``: one symbol per admin1. Aggregation happens here, in pandas, so the browser
    draws a few thousand canvas symbols at most, whatever the number of events.
    """
    if view not in VIEWS:
        raise ValueError(f"view={view!r}; expected one of {VIEWS}")
    frame = mappable_events(events)
    if view == "points":
        payload = _points_payload(frame)
    elif view == "density":
        payload = _density_payload(frame)
    else:
        payload = _provinces_payload(frame)
    payload["view"] = view
    payload["total"] = len(frame)
    payload["unmapped"] = len(events) - len(frame)
    payload["fit"] = events_bounds(frame) if fit_bounds else None
    group = folium.FeatureGroup(name="Events", control=False)
    group.add_child(_EventSymbols(payload))
    return group


def build_map(
    events: pd.DataFrame, *, view: str = "points", online_tiles: bool = False
) -> folium.Map:
    """Base map and event layer in one standalone map, fitted to the events (tests, exports)."""
    m = build_base_map(online_tiles=online_tiles)
    build_event_layer(events, view=view).add_to(m)
    return m


def events_bounds(events: pd.DataFrame) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around the events that have coordinates, or None."""
    frame = mappable_events(events)
    if frame.empty:
        return None
    return [
        [float(frame["latitude"].min()), float(frame["longitude"].min())],
        [float(frame["latitude"].max()), float(frame["longitude"].max())],
    ]


def mappable_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events with usable WGS84 coordinates (the others cannot be drawn)."""
    if events.empty or "latitude" not in events or "longitude" not in events:
        return events.iloc[0:0]
    lat = pd.to_numeric(events["latitude"], errors="coerce")
    lon = pd.to_numeric(events["longitude"], errors="coerce")
    ok = lat.between(-90, 90) & lon.between(-180, 180)
    frame = events.loc[ok].copy()
    frame["latitude"] = lat[ok].astype(float)
    frame["longitude"] = lon[ok].astype(float)
    return frame


def province_radius_m(country: str) -> int:
    """How wide a province-level ring is drawn: a circle as large as the country's mean province."""
    km = _province_radii_km().get(country)
    return int(km * 1000) if km else DEFAULT_PROVINCE_RADIUS_M


@functools.cache
def _province_radii_km() -> dict[str, float]:
    # Computed by scripts/build_outlines.py from Natural Earth areas and GeoNames provinces.
    if not OUTLINES_PATH.exists():
        return {}
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in (data.get("province_radius_km") or {}).items()}


def date_label(event_date: Any, time_precision: Any, date_text: Any = "") -> str:
    """An event's date as precisely as it is known: "2021-08-12", "week of 2021-08-09", ...

    ACLED's time_precision 2 is a week (shown from its Monday), 3 a month or a broader period:
    a year named alone in the source ("in 2015") is shown as that year.
    """
    day = _as_date(event_date)
    if day is None:
        return "date unknown"
    precision = _as_int(time_precision, default=1)
    if precision == 2:
        return f"week of {(day - timedelta(days=day.weekday())).isoformat()}"
    if precision >= 3:
        words = str(date_text or "")
        if str(day.year) in words and not any(m in words.lower() for m in _MONTH_WORDS):
            return str(day.year)
        return day.strftime("%B %Y")
    return day.isoformat()


def _find(text: str, word: str) -> int:
    """Where ``word`` first stands in ``text``, case-insensitively, in ``text``'s own offsets
    (lower-casing can change a string's length, so ``text.lower().find`` can point elsewhere)."""
    found = re.search(re.escape(word), text, flags=re.IGNORECASE) if word else None
    return found.start() if found else -1


def highlight_mention(notes: Any, mention: Any, *, max_chars: int = NOTES_MAX_CHARS) -> str:
    """The source sentence as escaped HTML with the place name wrapped in ``<mark>``."""
    text = _text(notes)
    word = _text(mention)
    at = _find(text, word)
    if len(text) > max_chars:
        # Keep the mention in view when the sentence has to be cut.
        start = max(0, min(at - max_chars // 3, len(text) - max_chars)) if at >= 0 else 0
        text = ("…" if start else "") + text[start : start + max_chars] + "…"
        at = _find(text, word)
    if at < 0:
        return html.escape(text)
    end = at + len(word)
    return (
        html.escape(text[:at])
        + "<mark>"
        + html.escape(text[at:end])
        + "</mark>"
        + html.escape(text[end:])
    )


def event_popup_html(row: Mapping[str, Any]) -> str:
    """One event's details for a popup; every value from the data is escaped."""
    e = html.escape
    when = date_label(row.get("event_date"), row.get("time_precision"), row.get("date_text"))
    kind = e(_text(row.get("event_type")) or "Event")
    sub = _text(row.get("sub_event_type"))
    actors = " vs ".join(e(a) for a in (_text(row.get("actor1")), _text(row.get("actor2"))) if a)
    where = ", ".join(
        e(p) for p in (_text(row.get(c)) for c in ("location", "admin1", "country")) if p
    )
    geo = _as_int(row.get("geo_precision"), default=1)
    deaths = _as_int(row.get("fatalities"), default=0)
    source = _text(row.get("source"))
    parts = [
        f'<div class="cm-ev"><div class="cm-when">{e(when)}</div>',
        f"<b>{kind}</b>" + (f" · {e(sub)}" if sub else ""),
        f"<div>{actors}</div>" if actors else "",
        f"<div>{where} <small>({e(GEO_PRECISION_LABELS.get(geo, str(geo)))})</small></div>",
        f"<div>{deaths} fatalit{'y' if deaths == 1 else 'ies'}</div>",
    ]
    notes = highlight_mention(row.get("notes"), row.get("place_mention"))
    if notes:
        parts.append(f"<blockquote>{notes}</blockquote>")
    if source:
        parts.append(f'<div class="cm-src">Source: {e(source)}</div>')
    parts.append("</div>")
    return "".join(parts)


# --- aggregation -------------------------------------------------------------------------------


# A symbol travels as a compact array; the layer's script assembles tooltip and popup from it:
# [lat, lon, count, type parts, place, dates, fatalities, ring metres, details, more, places].
# Every string in it is escaped HTML.


def _points_payload(frame: pd.DataFrame) -> dict[str, Any]:
    if frame.empty:
        return {"symbols": []}
    work = _with_keys(frame)
    work["site"] = (
        work["latitude"].round(COORD_DECIMALS).astype(str)
        + ","
        + work["longitude"].round(COORD_DECIMALS).astype(str)
        + ","
        + work["halo"].astype(str)
    )
    groups = work.groupby("site", sort=False)
    per_place = max(1, min(MAX_DETAILS_PER_PLACE, DETAIL_BUDGET // max(1, groups.ngroups)))
    parts = _type_parts(work, "site")
    latest = (
        work.sort_values("_date", ascending=False, kind="stable").groupby("site").head(per_place)
    )
    details: dict[str, list[str]] = {}
    newest: dict[str, str] = {}
    for row in latest.to_dict("records"):
        details.setdefault(row["site"], []).append(event_popup_html(row))
        if row["site"] not in newest:
            newest[row["site"]] = date_label(
                row["event_date"], row["time_precision"], row["date_text"]
            )
    info = groups.agg(
        n=("latitude", "size"),
        lat=("latitude", "first"),
        lon=("longitude", "first"),
        halo=("halo", "first"),
        admin1=("admin1", "first"),
        country=("country", "first"),
        first_date=("_date", "min"),
        last_date=("_date", "max"),
        fatalities=("_fatalities", "sum"),
    )
    info["location"] = _most_common(work, "site", "location")
    symbols: list[list[Any]] = []
    for site, row in zip(info.index, info.to_dict("records"), strict=True):
        n = int(row["n"])
        place = ", ".join(p for p in (row["location"], row["admin1"], row["country"]) if p)
        place = place or f"{row['lat']:.4f}, {row['lon']:.4f}"
        when = newest[site] if n == 1 else _date_range(row["first_date"], row["last_date"])
        shown = details.get(site, [])
        symbols.append(
            [
                round(float(row["lat"]), 5),
                round(float(row["lon"]), 5),
                n,
                parts[site],
                html.escape(place),
                html.escape(when),
                int(row["fatalities"]),
                province_radius_m(row["country"]) if row["halo"] else 0,
                "".join(shown),
                n - len(shown),
                0,
            ]
        )
    # Rings first, then big counts under small ones: the canvas draws in order, clicks hit the top.
    symbols.sort(key=lambda s: (s[7] == 0, -s[2]))
    return {"symbols": symbols}


def _density_payload(frame: pd.DataFrame) -> dict[str, Any]:
    if frame.empty:
        return {"cells": [], "size": 0}
    size = _cell_size(frame)
    work = _with_keys(frame)
    work["row"] = np.floor(work["latitude"] / size).astype(int)
    work["col"] = np.floor(work["longitude"] / size).astype(int)
    work["cell"] = work["row"].astype(str) + ":" + work["col"].astype(str)
    parts = _type_parts(work, "cell")
    places = work.loc[work["location"] != ""].groupby(["cell", "location"], sort=False).size()
    top_places = (
        places.rename("n")
        .reset_index()
        .sort_values("n", ascending=False, kind="stable")
        .groupby("cell")
        .head(3)
        .groupby("cell")["location"]
        .agg(", ".join)
    )
    info = work.groupby("cell", sort=False).agg(
        n=("row", "size"), row=("row", "first"), col=("col", "first")
    )
    top = int(info["n"].max())
    cells: list[list[Any]] = []
    for cell, row in zip(info.index, info.to_dict("records"), strict=True):
        n = int(row["n"])
        cells.append(
            [
                round(row["row"] * size, 5),
                round(row["col"] * size, 5),
                n,
                _ramp_level(n, top),
                html.escape(top_places.get(cell, "")),
                parts[cell],
            ]
        )
    cells.sort(key=lambda c: c[2])
    return {"cells": cells, "size": size}


def _provinces_payload(frame: pd.DataFrame) -> dict[str, Any]:
    if frame.empty:
        return {"symbols": []}
    work = _with_keys(frame)
    # Events with no province are summed under their country ("unknown" without one).
    fallback = work["country"].where(work["country"] != "", "unknown")
    work["prov"] = work["country"] + "|" + work["admin1"].where(work["admin1"] != "", fallback)
    parts = _type_parts(work, "prov")
    info = work.groupby("prov", sort=False).agg(
        n=("latitude", "size"),
        lat=("latitude", "mean"),
        lon=("longitude", "mean"),
        admin1=("admin1", "first"),
        country=("country", "first"),
        first_date=("_date", "min"),
        last_date=("_date", "max"),
        fatalities=("_fatalities", "sum"),
        places=("location", "nunique"),
    )
    symbols: list[list[Any]] = []
    for key, row in zip(info.index, info.to_dict("records"), strict=True):
        name = row["admin1"] or "province unknown"
        place = ", ".join(p for p in (name, row["country"]) if p)
        symbols.append(
            [
                round(float(row["lat"]), 5),
                round(float(row["lon"]), 5),
                int(row["n"]),
                parts[key],
                html.escape(place),
                html.escape(_date_range(row["first_date"], row["last_date"])),
                int(row["fatalities"]),
                0,
                "",
                0,
                int(row["places"]),
            ]
        )
    symbols.sort(key=lambda s: -s[2])
    return {"symbols": symbols}


def _with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns aggregation needs, present and clean whatever the upload had."""
    work = pd.DataFrame(index=frame.index)
    work["latitude"] = frame["latitude"]
    work["longitude"] = frame["longitude"]
    for column in (
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "country",
        "admin1",
        "location",
        "source",
        "notes",
        "place_mention",
        "date_text",
    ):
        work[column] = (
            frame[column].fillna("").astype(str) if column in frame else pd.Series("", frame.index)
        )
    for column, default in (("time_precision", 1), ("geo_precision", 1), ("fatalities", 0)):
        values = frame[column] if column in frame else pd.Series(default, frame.index)
        work[column] = pd.to_numeric(values, errors="coerce").fillna(default).astype(int)
    work["_date"] = work["event_date"].str.slice(0, 10)
    work["_fatalities"] = work["fatalities"].clip(lower=0)
    work["_type"] = work["event_type"].map(_TYPE_INDEX).fillna(_TYPE_INDEX["Other"]).astype(int)
    work["halo"] = work["geo_precision"] >= 3
    return work


def _type_parts(work: pd.DataFrame, key: str) -> dict[Any, list[list[int]]]:
    """Per group, ``[[type index, count], ...]`` in the legend's order: the pie's slices."""
    table = work.groupby([key, "_type"], sort=True).size()
    parts: dict[Any, list[list[int]]] = {}
    for (group, kind), n in table.items():
        parts.setdefault(group, []).append([int(kind), int(n)])
    return parts


def _cell_size(frame: pd.DataFrame) -> float:
    """A round grid step giving about 40 cells across the events' extent."""
    span = max(
        float(frame["latitude"].max() - frame["latitude"].min()),
        float(frame["longitude"].max() - frame["longitude"].min()),
    )
    for step in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0):
        if span / step <= 40:
            return step
    return 10.0


def _ramp_level(n: int, top: int) -> int:
    if top <= 1:
        return len(DENSITY_RAMP) - 1
    share = math.log(n) / math.log(top)
    return min(len(DENSITY_RAMP) - 1, int(share * len(DENSITY_RAMP)))


def _date_range(first: str, last: str) -> str:
    if not first and not last:
        return "dates unknown"
    if first == last or not first:
        return last
    return f"{first} – {last}"


def _most_common(work: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Per group, the most frequent non-empty value of ``column`` ("" when there is none)."""
    named = work.loc[work[column] != "", [key, column]]
    counts = named.groupby([key, column], sort=False).size().rename("n").reset_index()
    best = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(key)
    return best.set_index(key)[column].reindex(work[key].unique()).fillna("")


_MONTH_WORDS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "month",
    "week",
)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _as_int(value: Any, *, default: int) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else int(number)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def script_json(value: Any) -> str:
    """JSON that cannot end or re-open a <script> element: ``</``, ``<!`` and ``<s`` are escaped.

    Text from the data never gets here with a ``<`` (it is HTML-escaped first); our own markup
    keeps its other tags as they are, which keeps a 100,000-event layer small.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        _SCRIPT_BREAKERS.sub(r"\\u003c", text)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_SCRIPT_BREAKERS = re.compile(r"<(?=[/!sS])")


# --- Leaflet elements ---------------------------------------------------------------------------


class _BaseLayers(MacroElement):
    """Styles, outline layer (fetched from the app's static files), legend and attribution."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
          var cfg = {{ this.config }};
          {{ this.js }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, asset_url: str, online_tiles: bool) -> None:
        super().__init__()
        self._name = "ConflictmapBase"
        self.css = static_text("map.css")
        self.js = static_text("map_base.js")
        legend = "".join(
            f'<div><span class="cm-sw" style="background:{c}"></span>{html.escape(t)}</div>'
            for t, c in zip(TYPE_NAMES, TYPE_COLOURS, strict=True)
        )
        self.config = script_json(
            {
                "outlines": f"{asset_url}/{OUTLINES_FILE}",
                "tiles": online_tiles,
                "attribution": DATA_ATTRIBUTION,
                "legend": legend,
                "ramp": list(DENSITY_RAMP),
            }
        )


class _EventSymbols(MacroElement):
    """The aggregated events as a compact JSON array drawn by a small core-Leaflet script."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group) {
          var data = {{ this.data }};
          {{ this.js }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ConflictmapEvents"
        payload["types"] = [list(p) for p in zip(TYPE_NAMES, TYPE_COLOURS, strict=True)]
        payload["ramp"] = list(DENSITY_RAMP)
        self.payload = payload
        self.data = script_json(payload)
        self.js = static_text("map_events.js")
