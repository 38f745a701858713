"""The dashboard's page sections (Streamlit): map, charts, table, exports, provenance, errors."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from conflictmap.app import assets, charts, mapview, table
from conflictmap.app.filters import Filters, date_bounds, describe_filters
from conflictmap.config import Settings
from conflictmap.errors import ConflictMapError
from conflictmap.store import exports, rowsource
from conflictmap.store.eventstore import EventStore
from conflictmap.store.views import EventView

log = logging.getLogger("conflictmap.app")
F = TypeVar("F", bound=Callable[..., Any])

MAP_HEIGHT = 560
K_FIT, K_SORT, K_ORDER, K_PAGE = "map_fit", "t_sort", "t_order", "t_page"
ORDER_LABELS = {"desc": "Newest / highest first", "asc": "Oldest / lowest first"}
VIEW_LABELS: dict[str, str] = {"points": "Places", "density": "Density", "provinces": "Provinces"}
TABLE_COLUMNS: dict[str, Any] = {
    "event_date": st.column_config.TextColumn("Date"),
    "event_type": st.column_config.TextColumn("Type"),
    "sub_event_type": st.column_config.TextColumn("Sub-type"),
    "actor1": st.column_config.TextColumn("Actor 1"),
    "actor2": st.column_config.TextColumn("Actor 2"),
    "location": st.column_config.TextColumn("Location"),
    "admin1": st.column_config.TextColumn("Province"),
    "country": st.column_config.TextColumn("Country"),
    "fatalities": st.column_config.NumberColumn("Deaths", format="%d"),
    "notes": st.column_config.TextColumn("Source sentence / notes", width="large"),
    "source": st.column_config.TextColumn("Source"),
    "origin": st.column_config.TextColumn("From"),
    "geo_precision": st.column_config.NumberColumn("Place prec.", format="%d"),
    "latitude": st.column_config.NumberColumn("Lat", format="%.4f"),
    "longitude": st.column_config.NumberColumn("Lon", format="%.4f"),
    "event_id_cnty": st.column_config.TextColumn("Event id"),
}
_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:=&\"'")


def md_escape(text: object) -> str:
    """``text`` as literal characters in st.markdown: no links, images, HTML, maths or icons."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in str(text))


DEFAULT_HINT = "Try **Reset filters** in the sidebar, or reload the page."


def guarded(func: F | None = None, *, hint: str = DEFAULT_HINT) -> Any:
    """Show our errors as one message and any other failure as a short note, never a traceback.

    ``@guarded`` or ``@guarded(hint="what to try")``; the traceback goes to the server's log.
    """

    def decorate(inner: F) -> F:
        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return inner(*args, **kwargs)
            except ConflictMapError as exc:
                log.warning("conflictmap error: %s", exc)
                st.error(md_escape(exc))
            except Exception:
                log.exception("the page failed")
                st.error(
                    "Something went wrong while drawing this part of the page; the details "
                    f"are in the server's log. {hint}"
                )
            return None

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


@st.cache_resource(show_spinner=False)
def serve_assets() -> None:
    """Have the server answer for the map's files (Leaflet, our scripts, outlines), once.

    Each folder is served from the installed package as a component path, at
    ``assets.ASSET_URL`` and ``assets.LEAFLET_URL`` (this module's name is part of both).
    """
    components.declare_component(assets.ASSETS_NAME, path=assets.STATIC_DIR)
    components.declare_component(assets.LEAFLET_NAME, path=assets.leaflet_package_dir())


@st.cache_resource(show_spinner=False)
def open_store(store_path: str, _settings: Settings) -> EventStore:
    """One store handle per database file for the whole server, shared by every page.

    The first call seeds the store and has the server answer for the map's files.
    """
    serve_assets()
    return EventStore.open(_settings)


# On a phone (Streamlit stacks columns below 640 px): the introduction and the help icons
# give their room to the map, so it is on the first screen under the timeline.
PHONE_CSS = """
<style>
@media (max-width: 640px) {
  [data-testid=stMainBlockContainer] { padding-top: 2.5rem; }
  [data-testid=stMainBlockContainer] h1 { font-size: 1.6rem; padding: 0; }
  .cm-intro, [data-testid=stTooltipIcon] { display: none; }
  [data-testid=stVerticalBlock] { gap: 0.5rem; }
}
</style>
"""


def page_style() -> None:
    """The dashboard's own layout rules (our CSS, no data in it)."""
    st.html(PHONE_CSS)


def intro(text: str) -> None:
    """The page's introduction (hidden on a phone, where the map needs the room)."""
    st.html(f'<p class="cm-intro">{html.escape(text)}</p>')


def count_line(view: EventView, positions: np.ndarray, *, sample: bool = False) -> None:
    """ "37 of 120 events", with their dates, provinces and deaths."""
    what = "sample events" if sample else "events"
    parts = [f"**{len(positions):,} of {len(view):,} {what}**"]
    bounds = date_bounds(view, positions)
    if bounds is not None:
        first, last = (d.strftime("%d %b %Y").lstrip("0") for d in bounds)
        parts.append(first if first == last else f"{first} – {last}")
    codes = view.codes["admin1"][positions]
    provinces = len(np.unique(codes[codes >= 0]))
    if provinces:
        parts.append(f"{provinces} province{'s' if provinces != 1 else ''}")
    deaths = int(view.fatalities[positions].sum(dtype=np.int64))
    parts.append(f"{deaths:,} reported deaths")
    st.markdown(" · ".join(parts))


def empty_message(filters: Filters, view: EventView) -> None:
    """Instead of a blank map: why nothing shows and what to change."""
    if not len(view):
        st.info(
            "There are no events yet. Add a news article on **Add an article**, upload a CSV "
            "or an ACLED export on **Upload events** (or `conflictmap import FILE`), or "
            "run `make data` to extract the bundled article."
        )
        return
    limits = describe_filters(filters)
    st.info(
        "No events match "
        + "; ".join(md_escape(p) for p in limits)
        + ". Remove a filter in the sidebar, widen the date range, move the timeline later"
        + (" or lengthen its window" if filters.mode == "window" else "")
        + ", or press **Reset filters**."
    )


def _fit_to_events() -> None:
    st.session_state[K_FIT] = int(st.session_state.get(K_FIT, 0)) + 1


@st.fragment
@guarded
def map_section(
    view: EventView,
    positions: np.ndarray,
    *,
    online_default: bool,
    start_view: tuple[float, float, int] | None = None,
) -> None:
    """The map: a stable base, the filtered events as one layer swapped in on every change.

    A filter change keeps the analyst's view; the map is fitted to the events on its first
    draw and when "Fit to events" is pressed.
    """
    view_col, fit_col, tiles_col = st.columns([3, 1.2, 1.2], vertical_alignment="bottom")
    shape = view_col.segmented_control(
        "Map view",
        mapview.VIEWS,
        key="map_view",
        default="points",
        format_func=lambda v: VIEW_LABELS[v],
        required=True,
        help="Places: one symbol per place, a pie of event types. Density: events per grid "
        "cell. Provinces: one symbol per province, sized by its events.",
    )
    fit_col.button(
        "Fit to events",
        on_click=_fit_to_events,
        help="Zoom the map to the events shown now (filter changes keep your view).",
        width="stretch",
    )
    tiles = tiles_col.toggle(
        "Online tiles",
        value=online_default,
        key="online_tiles",
        help="Draw OpenStreetMap tiles under the events. Your browser then asks "
        "tile.openstreetmap.org for images: requests leave this machine.",
    )
    layer = mapview.build_event_layer(
        view,
        positions,
        view=shape or "points",
        fit_token=int(st.session_state.get(K_FIT, 0)),
        start_view=start_view,
    )
    st_folium(
        mapview.build_base_map(online_tiles=tiles),
        key="map",
        feature_group_to_add=layer,
        returned_objects=[],
        height=MAP_HEIGHT,
        use_container_width=True,
    )
    unmapped = mapview.unmapped_count(view, positions)
    note = (
        "Each disc is one place: its slices are the event types (colours as in the key), its "
        "area and number the events there; zoomed out, nearby places join into one disc "
        "(click it to zoom in). A dashed ring is an event known only to its province. "
        "Click a symbol for the events and the sentences they come from."
    )
    if unmapped:
        note += f" {unmapped:,} shown event(s) have no coordinates: they are in the table only."
    if tiles:
        note += (
            " Map tiles © [OpenStreetMap](https://www.openstreetmap.org/copyright) contributors."
        )
    st.caption(note)


def charts_section(view: EventView, positions: np.ndarray) -> None:
    """Events over time and by province, following the filters."""
    over_time, by_province = st.columns(2)
    over_time.altair_chart(charts.events_over_time_chart(view, positions), width="stretch")
    by_province.altair_chart(charts.events_by_province_chart(view, positions), width="stretch")


def table_section(view: EventView, positions: np.ndarray) -> None:
    """Every filtered event, sorted and paged on the server (text shown as text, not markup)."""
    st.subheader("Events")
    sort_col, order_col, page_col = st.columns([2, 2, 1], vertical_alignment="bottom")
    key = sort_col.selectbox(
        "Sort by", list(table.SORT_KEYS), key=K_SORT, format_func=table.SORT_KEYS.__getitem__
    )
    descending = (
        order_col.segmented_control(
            "Order",
            ("desc", "asc"),
            key=K_ORDER,
            default="desc",
            required=True,
            format_func=ORDER_LABELS.__getitem__,
        )
        != "asc"
    )
    pages = table.page_count(len(positions))
    if int(st.session_state.get(K_PAGE, 1)) > pages:
        st.session_state[K_PAGE] = pages
    page = int(page_col.number_input("Page", min_value=1, max_value=pages, key=K_PAGE))
    ordered = table.sort_positions(view, positions, key=key or "date", descending=descending)
    rows = table.page_rows(view, ordered, page)
    columns = [c for c in TABLE_COLUMNS if c in rows]
    st.dataframe(
        rows[columns], hide_index=True, column_config={c: TABLE_COLUMNS[c] for c in columns}
    )
    first = (page - 1) * table.PAGE_ROWS + 1
    last = min(page * table.PAGE_ROWS, len(positions))
    label = table.SORT_KEYS[key or "date"].lower()
    st.caption(
        f"Rows {first:,}–{last:,} of {len(positions):,} events, sorted by {label} over all of "
        "them (a click on a column header sorts this page only); the downloads hold them all."
        if len(positions)
        else "No events to list."
    )


def _csv(view: EventView, positions: np.ndarray) -> bytes:
    parts = []
    for k, frame in enumerate(rowsource.export_chunks(view, positions)):
        text = exports.export_csv(frame)
        parts.append(text if k == 0 else text.split("\n", 1)[1] if "\n" in text else "")
    return "".join(parts).encode("utf-8")


def _geojson(view: EventView, positions: np.ndarray) -> bytes:
    head, features = "", []
    for frame in rowsource.export_chunks(view, positions):
        text = exports.export_geojson(frame)
        opening = text.index("[") + 1
        head = text[:opening]
        inner = text[opening : text.rindex("]")].strip()
        if inner:
            features.append(inner)
    return (head + ", ".join(features) + "]}").encode("utf-8")


def downloads(view: EventView, positions: np.ndarray) -> None:
    """CSV (ACLED's headers first, safe for spreadsheets) and GeoJSON of the filtered events."""
    csv_col, geojson_col, _ = st.columns([1.2, 1.4, 1.4])
    n = f"{len(positions):,} event{'s' if len(positions) != 1 else ''}"
    # Callables: the files are made only when a button is clicked, not on every rerun.
    csv_col.download_button(
        f"Download CSV ({n})",
        data=lambda: _csv(view, positions),
        file_name="conflictmap-events.csv",
        mime="text/csv",
        on_click="ignore",
        disabled=not len(positions),
        width="stretch",
    )
    geojson_col.download_button(
        f"Download GeoJSON ({n})",
        data=lambda: _geojson(view, positions),
        file_name="conflictmap-events.geojson",
        mime="application/geo+json",
        on_click="ignore",
        disabled=not len(positions),
        width="stretch",
    )


def _origin_counts(view: EventView, positions: np.ndarray) -> pd.Series:
    codes = view.codes["origin"][positions]
    counts = np.bincount(codes + 1, minlength=len(view.names["origin"]) + 1)
    names = ["(unknown)", *view.names["origin"]]
    return pd.Series(counts, index=names)[lambda c: c > 0]


def provenance(view: EventView, positions: np.ndarray, uploads: pd.DataFrame) -> None:
    """Which article or file the events came from, with counts (all and shown)."""
    with st.expander("Where these events come from", expanded=False):
        origins = (
            pd.DataFrame(
                {
                    "events": _origin_counts(view, np.arange(len(view))),
                    "shown": _origin_counts(view, positions),
                }
            )
            .fillna(0)
            .astype(int)
        )
        origins = origins.rename_axis("origin").reset_index().sort_values("events", ascending=False)
        if not uploads.empty and "origin" in uploads:
            extra = [c for c in ("file_name", "kind", "imported_at") if c in uploads]
            origins = origins.merge(uploads[["origin", *extra]], on="origin", how="left")
        st.dataframe(
            origins,
            hide_index=True,
            column_config={
                "origin": st.column_config.TextColumn("Article or file"),
                "events": st.column_config.NumberColumn("Events", format="%d"),
                "shown": st.column_config.NumberColumn("Shown now", format="%d"),
                "file_name": st.column_config.TextColumn("File name"),
                "kind": st.column_config.TextColumn("Kind"),
                "imported_at": st.column_config.TextColumn("Imported (UTC)"),
            },
        )
        st.caption(
            "Events extracted from an article keep the sentence they came from (the table's "
            "notes, the map's popups); events from a file keep that file's notes and source."
        )


def attributions(*, online_tiles: bool) -> None:
    """The credits the data and the map need."""
    credits = [
        "Place names and coordinates: [GeoNames](https://www.geonames.org/) (CC BY 4.0)",
        "country outlines: [Natural Earth](https://www.naturalearthdata.com/) (public domain)",
        "map drawn with [Leaflet](https://leafletjs.com/) served by this app",
        "event categories follow the [ACLED](https://acleddata.com/) codebook",
    ]
    if online_tiles:
        credits.append(
            "map tiles © [OpenStreetMap](https://www.openstreetmap.org/copyright) contributors"
        )
    st.caption(" · ".join(credits) + ".")
