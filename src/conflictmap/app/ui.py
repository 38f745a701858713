"""The dashboard's page sections (Streamlit): map, charts, table, exports, provenance, errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from conflictmap.app import assets, charts, mapview
from conflictmap.app.filters import (
    Filters,
    date_bounds,
    describe_filters,
    distinct_values,
    text_column,
)
from conflictmap.config import Settings
from conflictmap.errors import ConflictMapError
from conflictmap.store import exports
from conflictmap.store.eventstore import EventStore

log = logging.getLogger("conflictmap.app")
F = TypeVar("F", bound=Callable[..., Any])

TABLE_MAX_ROWS = 5_000
MAP_HEIGHT = 560
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
    "time_precision": st.column_config.NumberColumn("Date prec.", format="%d"),
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


def count_line(shown: pd.DataFrame, events: pd.DataFrame) -> None:
    """ "37 of 120 events", with their dates, provinces and deaths."""
    parts = [f"**{len(shown):,} of {len(events):,} events**"]
    bounds = date_bounds(shown)
    if bounds is not None:
        first, last = (d.strftime("%d %b %Y").lstrip("0") for d in bounds)
        parts.append(first if first == last else f"{first} – {last}")
    provinces = len(distinct_values(shown, "admin1"))
    if provinces:
        parts.append(f"{provinces} province{'s' if provinces != 1 else ''}")
    deaths = int(
        pd.to_numeric(shown.get("fatalities"), errors="coerce").fillna(0).clip(lower=0).sum()
    )
    parts.append(f"{deaths:,} reported deaths")
    st.markdown(" · ".join(parts))


def empty_message(filters: Filters, events: pd.DataFrame) -> None:
    """Instead of a blank map: why nothing shows and what to change."""
    if events.empty:
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


@st.fragment
@guarded
def map_section(shown: pd.DataFrame, *, online_default: bool) -> None:
    """The map: a stable base, the filtered events as one layer swapped in on every change."""
    view_col, tiles_col = st.columns([3, 1], vertical_alignment="bottom")
    view = view_col.segmented_control(
        "Map view",
        mapview.VIEWS,
        key="map_view",
        default="points",
        format_func=lambda v: VIEW_LABELS[v],
        required=True,
        help="Places: one symbol per place, a pie of event types. Density: events per grid "
        "cell. Provinces: one symbol per province, sized by its events.",
    )
    tiles = tiles_col.toggle(
        "Online tiles",
        value=online_default,
        key="online_tiles",
        help="Draw OpenStreetMap tiles under the events. Your browser then asks "
        "tile.openstreetmap.org for images: requests leave this machine.",
    )
    layer = mapview.build_event_layer(shown, view=view or "points")
    st_folium(
        mapview.build_base_map(online_tiles=tiles),
        key="map",
        feature_group_to_add=layer,
        returned_objects=[],
        height=MAP_HEIGHT,
        use_container_width=True,
    )
    unmapped = len(shown) - len(mapview.mappable_events(shown))
    note = (
        "Each disc is one place: its slices are the event types (colours as in the key), its "
        "number the events there. A dashed ring is an event known only to its province. "
        "Click a symbol for the events and the sentences they come from."
    )
    if unmapped:
        note += f" {unmapped:,} shown event(s) have no coordinates: they are in the table only."
    if tiles:
        note += (
            " Map tiles © [OpenStreetMap](https://www.openstreetmap.org/copyright) contributors."
        )
    st.caption(note)


def charts_section(shown: pd.DataFrame) -> None:
    """Events over time and by province, following the filters."""
    over_time, by_province = st.columns(2)
    over_time.altair_chart(charts.events_over_time_chart(shown), width="stretch")
    by_province.altair_chart(charts.events_by_province_chart(shown), width="stretch")


def table_section(shown: pd.DataFrame) -> None:
    """The filtered events as a sortable table (text is shown as text, never as markup)."""
    st.subheader("Events")
    columns = [c for c in TABLE_COLUMNS if c in shown]
    rows = (
        shown.sort_values("event_date", ascending=False, kind="stable")
        if "event_date" in shown
        else shown
    )
    st.dataframe(
        rows.head(TABLE_MAX_ROWS)[columns],
        hide_index=True,
        column_config={c: TABLE_COLUMNS[c] for c in columns},
    )
    if len(shown) > TABLE_MAX_ROWS:
        st.caption(
            f"The table shows the latest {TABLE_MAX_ROWS:,} of {len(shown):,} events; "
            "the downloads hold them all."
        )
    else:
        st.caption("Click a column header to sort.")


def downloads(shown: pd.DataFrame) -> None:
    """CSV (ACLED's headers first, safe for spreadsheets) and GeoJSON of the filtered events."""
    csv_col, geojson_col, _ = st.columns([1, 1, 2])
    n = f"{len(shown):,} event{'s' if len(shown) != 1 else ''}"
    # Callables: the files are made only when a button is clicked, not on every rerun.
    csv_col.download_button(
        f"Download CSV ({n})",
        data=lambda: exports.export_csv(shown),
        file_name="conflictmap-events.csv",
        mime="text/csv",
        on_click="ignore",
        disabled=shown.empty,
    )
    geojson_col.download_button(
        f"Download GeoJSON ({n})",
        data=lambda: exports.export_geojson(shown),
        file_name="conflictmap-events.geojson",
        mime="application/geo+json",
        on_click="ignore",
        disabled=shown.empty,
    )


def _origin_counts(events: pd.DataFrame) -> pd.Series:
    return text_column(events, "origin").str.strip().replace("", "(unknown)").value_counts()


def provenance(events: pd.DataFrame, shown: pd.DataFrame, uploads: pd.DataFrame) -> None:
    """Which article or file the events came from, with counts (all and shown)."""
    with st.expander("Where these events come from", expanded=False):
        origins = (
            pd.DataFrame({"events": _origin_counts(events), "shown": _origin_counts(shown)})
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
