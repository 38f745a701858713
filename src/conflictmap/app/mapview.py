"""Events → folium.Map: a stable offline base map and one small, aggregated event layer (pure)."""

from __future__ import annotations

import functools
import html
import json
import re
from typing import Any, Literal, get_args

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template

from conflictmap.app.assets import ASSET_URL, LEAFLET_URL, OUTLINES_FILE, OUTLINES_PATH, static_text
from conflictmap.app.filters import as_view
from conflictmap.app.mappayload import (
    DEFAULT_PROVINCE_RADIUS_M,
    DENSITY_RAMP,
    TYPE_COLOURS,
    TYPE_NAMES,
    density_payload,
    points_payload,
    provinces_payload,
)
from conflictmap.app.popups import date_label, event_popup_html, highlight_mention
from conflictmap.store.views import EventView

__all__ = [
    "DEFAULT_PROVINCE_RADIUS_M",
    "VIEWS",
    "build_base_map",
    "build_event_layer",
    "build_map",
    "date_label",
    "event_popup_html",
    "events_bounds",
    "highlight_mention",
    "province_radius_m",
    "script_json",
]

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

# Where the map starts before it is fitted to the events, and its zoom limits.
START_VIEW = (25.0, 45.0, 3)
MIN_ZOOM, MAX_ZOOM = 2, 16


def build_base_map(
    *, online_tiles: bool = False, asset_url: str = ASSET_URL, leaflet_url: str = LEAFLET_URL
) -> folium.Map:
    """The part of the map that does not change with the filters: Leaflet, outlines, legend.

    Every script and style comes from the app itself (``leaflet_url``, ``asset_url``); with
    ``online_tiles`` OpenStreetMap tiles are drawn above the bundled land fill and under the
    borders, so when they fail to load the outline map is still there.
    """
    m = folium.Map(
        location=list(START_VIEW[:2]),
        zoom_start=START_VIEW[2],
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
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
    events: EventView | pd.DataFrame,
    positions: np.ndarray | None = None,
    *,
    view: str = "points",
    fit_bounds: bool = True,
    fit_token: int | None = None,
    start_view: tuple[float, float, int] | None = None,
) -> folium.FeatureGroup:
    """The events at ``positions`` (all by default) as one feature group, for
    ``st_folium(feature_group_to_add=...)``.

    ``points``: one symbol per place, a pie of event types sized and labelled by the count;
    province-level events as a dashed, province-sized ring. ``density``: events per grid cell.
    ``provinces``: one symbol per admin1. Aggregation happens here, in numpy, so the browser
    draws a few thousand canvas symbols at most, whatever the number of events.

    The map is fitted to the events once per ``fit_token`` (None: every time the layer is
    drawn): a filter change that keeps the token keeps the analyst's view. ``start_view``
    (lat, lon, zoom, from a shared link) replaces the first fit.
    """
    if view not in VIEWS:
        raise ValueError(f"view={view!r}; expected one of {VIEWS}")
    data = as_view(events)
    chosen = np.arange(len(data)) if positions is None else np.asarray(positions, dtype=np.int64)
    if view == "points":
        payload = points_payload(data, chosen, ring_m=_province_radii_m())
    elif view == "density":
        payload = density_payload(data, chosen)
    else:
        payload = provinces_payload(data, chosen)
    mapped = int(np.count_nonzero(data.place[chosen] >= 0))
    payload["view"] = view
    payload["total"] = mapped
    payload["unmapped"] = len(chosen) - mapped
    payload["fit"] = events_bounds(data, chosen) if fit_bounds else None
    payload["fitToken"] = fit_token
    payload["start"] = list(start_view) if start_view else None
    group = folium.FeatureGroup(name="Events", control=False)
    group.add_child(_EventSymbols(payload))
    return group


def build_map(
    events: EventView | pd.DataFrame, *, view: str = "points", online_tiles: bool = False
) -> folium.Map:
    """Base map and event layer in one standalone map, fitted to the events (tests, exports)."""
    m = build_base_map(online_tiles=online_tiles)
    build_event_layer(events, view=view).add_to(m)
    return m


def events_bounds(
    events: EventView | pd.DataFrame, positions: np.ndarray | None = None
) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around the events that have coordinates, or None."""
    data = as_view(events)
    chosen = np.arange(len(data)) if positions is None else positions
    lat, lon = data.lat[chosen], data.lon[chosen]
    ok = ~np.isnan(lat)
    if not ok.any():
        return None
    return [
        [float(lat[ok].min()), float(lon[ok].min())],
        [float(lat[ok].max()), float(lon[ok].max())],
    ]


def unmapped_count(view: EventView, positions: np.ndarray) -> int:
    """How many of the events at ``positions`` have no usable coordinates."""
    return int(np.count_nonzero(view.place[positions] < 0))


def province_radius_m(country: str) -> int:
    """How wide a province-level ring is drawn: a circle as large as the country's mean province."""
    return _province_radii_m().get(country, DEFAULT_PROVINCE_RADIUS_M)


@functools.cache
def _province_radii_m() -> dict[str, int]:
    return {k: int(km * 1000) for k, km in _province_radii_km().items() if km}


@functools.cache
def _province_radii_km() -> dict[str, float]:
    # Computed by scripts/build_outlines.py from Natural Earth areas and GeoNames provinces.
    if not OUTLINES_PATH.exists():
        return {}
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in (data.get("province_radius_km") or {}).items()}


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


class _Text(Element):
    """Text put into the page as it is (no template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


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

    def render(self, **kwargs: Any) -> str:
        # As MacroElement.render, but the script goes in as text: an Element would compile it
        # as a Jinja template, lexing the whole payload again (0.2 s at 100,000 events).
        script = self._template.module.__dict__["script"]
        figure: Any = self.get_root()
        figure.script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        return ""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ConflictmapEvents"
        payload["types"] = [list(p) for p in zip(TYPE_NAMES, TYPE_COLOURS, strict=True)]
        payload["ramp"] = list(DENSITY_RAMP)
        self.payload = payload
        self.data = script_json(payload)
        self.js = static_text("map_events.js")
