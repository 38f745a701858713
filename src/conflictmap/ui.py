"""The dashboard's page sections (Streamlit): filters and timeline, map, charts, table, exports."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, TypeVar, cast

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from conflictmap import charts, mapview
from conflictmap.errors import ConflictMapError
from conflictmap.filters import (
    MAX_TEXT_CHARS,
    MAX_WINDOW_DAYS,
    QUERY_KEYS,
    TIMELINE_MODES,
    Filters,
    TimelineMode,
    clamp_filters,
    date_bounds,
    describe_filters,
    distinct_values,
    event_dates,
    filter_events,
    filters_from_query,
    filters_to_query,
    next_frame,
    timeline_frames,
)
from conflictmap.models import EVENT_TYPES

log = logging.getLogger("conflictmap.app")
F = TypeVar("F", bound=Callable[..., Any])

# Session-state keys of the filter widgets.
K_RANGE, K_ADMIN1, K_TYPES, K_SUBS = "f_range", "f_admin1", "f_types", "f_subs"
K_ACTORS, K_TEXT, K_DATE, K_MODE, K_WINDOW = "f_actors", "f_text", "f_date", "f_mode", "f_window"
K_PLAYING, K_INLINE, K_WARNINGS, K_SEEDED = "playing", "play_inline", "query_warnings", "seeded"
PLAY_SECONDS = 1.2
TABLE_MAX_ROWS = 5_000
MAP_HEIGHT = 560
MODE_LABELS: dict[str, str] = {"cumulative": "Up to the date", "window": "Last N days"}
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


def guarded(func: F) -> F:
    """Show our errors as one message and any other failure as a short note, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConflictMapError as exc:
            log.warning("conflictmap error: %s", exc)
            st.error(md_escape(exc))
        except Exception:
            log.exception("the page failed")
            st.error(
                "Something went wrong while drawing this part of the page; the details are in "
                "the server's log. Try **Reset filters** in the sidebar, or reload the page."
            )
        return None

    return wrapper  # type: ignore[return-value]


# --- filters and the URL ----------------------------------------------------------------------


def _query_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params if key in QUERY_KEYS}


def _write_state(filters: Filters, events: pd.DataFrame) -> None:
    bounds = date_bounds(events)
    state = st.session_state
    if bounds is not None:
        lo, hi = bounds
        state[K_RANGE] = (filters.start or lo, filters.end or hi)
        state[K_DATE] = filters.timeline or filters.end or hi
    state[K_ADMIN1] = list(filters.admin1)
    state[K_TYPES] = list(filters.event_types)
    state[K_SUBS] = list(filters.sub_event_types)
    state[K_ACTORS] = list(filters.actors)
    state[K_TEXT] = filters.text
    state[K_MODE] = filters.mode
    state[K_WINDOW] = filters.window_days


def current_filters(events: pd.DataFrame) -> Filters:
    """The filters the widgets hold now."""
    return _state_filters(events)


def _state_filters(events: pd.DataFrame) -> Filters:
    state = st.session_state
    start, end = state.get(K_RANGE, (None, None))
    filters = Filters(
        start=start,
        end=end,
        admin1=tuple(state.get(K_ADMIN1, ())),
        event_types=tuple(state.get(K_TYPES, ())),
        sub_event_types=tuple(state.get(K_SUBS, ())),
        actors=tuple(state.get(K_ACTORS, ())),
        text=str(state.get(K_TEXT, ""))[:MAX_TEXT_CHARS],
        timeline=state.get(K_DATE),
        mode=cast(TimelineMode, state.get(K_MODE) or "cumulative"),
        window_days=int(state.get(K_WINDOW) or 7),
    )
    return clamp_filters(filters, events=events)


def seed_filters(events: pd.DataFrame) -> None:
    """Once per session, the widgets take the URL's filters; every run, values are made valid.

    Values are checked against the current events before any widget is drawn: an upload or a
    removal can change the date range and the lists of choices between two runs.
    """
    state = st.session_state
    if not state.get(K_SEEDED):
        parsed = filters_from_query(_query_params(), events=events)
        _write_state(parsed.filters, events)
        state[K_WARNINGS] = parsed.warnings
        state[K_SEEDED] = True
    else:
        _write_state(_state_filters(events), events)


def reset_filters() -> None:
    """Callback: every filter back to "no limit" (the next run fills in the bounds)."""
    for key in (K_RANGE, K_DATE):
        st.session_state.pop(key, None)
    st.session_state.update(
        {K_ADMIN1: [], K_TYPES: [], K_SUBS: [], K_ACTORS: [], K_TEXT: "", K_PLAYING: False}
    )
    st.session_state[K_MODE] = "cumulative"


def sync_query(filters: Filters) -> None:
    """Put ``filters`` in the URL, so the view can be shared and reloaded."""
    wanted = {
        k: [v] if isinstance(v, str) else list(v) for k, v in filters_to_query(filters).items()
    }
    if wanted != _query_params():
        st.query_params.from_dict(filters_to_query(filters))


def sidebar_filters(events: pd.DataFrame) -> None:
    """The filter widgets (their values live in session state under the K_* keys)."""
    bar = st.sidebar
    bar.header("Filters")
    bounds = date_bounds(events)
    if bounds is not None and bounds[0] < bounds[1]:
        bar.slider(
            "Date range", min_value=bounds[0], max_value=bounds[1], key=K_RANGE, format="D MMM YYYY"
        )
    provinces = _counted(events, "admin1")
    bar.multiselect(
        "Province",
        list(provinces),
        key=K_ADMIN1,
        format_func=lambda p: f"{p} ({provinces[p]})",
        placeholder="All provinces",
    )
    present = set(distinct_values(events, "event_type"))
    types = [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))
    bar.multiselect("Event type", types, key=K_TYPES, placeholder="All event types")
    chosen = set(st.session_state.get(K_TYPES) or types)
    subs_present = distinct_values(
        events[_text(events, "event_type").isin(chosen)], "sub_event_type"
    )
    st.session_state[K_SUBS] = [s for s in st.session_state.get(K_SUBS, []) if s in subs_present]
    bar.multiselect("Sub-event type", subs_present, key=K_SUBS, placeholder="All sub-event types")
    bar.multiselect(
        "Actor", distinct_values(events, "actor1", "actor2"), key=K_ACTORS, placeholder="Any actor"
    )
    bar.text_input(
        "Search the notes", key=K_TEXT, max_chars=MAX_TEXT_CHARS, placeholder="e.g. airport"
    )
    bar.button("Reset filters", on_click=reset_filters, width="stretch")


def _text(events: pd.DataFrame, column: str) -> pd.Series:
    if column not in events:
        return pd.Series("", index=events.index, dtype="string")
    return events[column].astype("string").fillna("").str.strip()


def _counted(events: pd.DataFrame, column: str) -> dict[str, int]:
    counts = _text(events, column).value_counts()
    return {k: int(counts[k]) for k in sorted((k for k in counts.index if k), key=str.casefold)}


# --- timeline --------------------------------------------------------------------------------


def _frames(events: pd.DataFrame) -> list[date]:
    untimed = replace(_state_filters(events), timeline=None, mode="cumulative")
    days = event_dates(filter_events(events, untimed)).dropna()
    return timeline_frames(d.date() for d in days)


def _toggle_play(frames: list[date]) -> None:
    state = st.session_state
    state[K_PLAYING] = not state.get(K_PLAYING, False)
    if state[K_PLAYING] and frames and next_frame(state.get(K_DATE, frames[-1]), frames) is None:
        # At the end, Play starts over from the first date.
        state[K_DATE] = frames[0]


def _advance(frames: list[date]) -> None:
    """One step of the play control: the next date with events, or stop at the end."""
    state = st.session_state
    following = next_frame(state.get(K_DATE, date.max), frames)
    if following is None:
        state[K_PLAYING] = False
    else:
        state[K_DATE] = following


def timeline(events: pd.DataFrame) -> None:
    """The date slider that drives the page, its play control and its two modes."""
    state = st.session_state
    start, end = state.get(K_RANGE, (None, None))
    if start is None or start >= end:
        return
    frames = _frames(events)
    playing = bool(state.get(K_PLAYING))

    @st.fragment(run_every=PLAY_SECONDS if playing else None)
    def player() -> None:
        # Runs inline with the page (skip: the page was just drawn) and then on its timer.
        if state.pop(K_INLINE, False) or not state.get(K_PLAYING):
            return
        _advance(frames)
        st.rerun(scope="app")

    if playing:
        state[K_INLINE] = True
        player()
    play, slider, mode, window = st.columns([1, 5, 2.4, 1], vertical_alignment="bottom")
    play.button(
        "⏸ Pause" if playing else "▶ Play",
        on_click=_toggle_play,
        args=(frames,),
        help="Step through the dates that have events",
        disabled=len(frames) < 2,
    )
    slider.slider(
        "Timeline",
        min_value=start,
        max_value=end,
        key=K_DATE,
        step=timedelta(days=1),
        format="D MMM YYYY",
    )
    mode.segmented_control(
        "Show",
        TIMELINE_MODES,
        key=K_MODE,
        format_func=lambda m: MODE_LABELS[m],
        required=True,
    )
    window.number_input(
        "N days",
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        key=K_WINDOW,
        disabled=state.get(K_MODE) != "window",
    )


# --- what the filters give ----------------------------------------------------------------------


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
            "There are no events yet. Import a CSV or an ACLED export with "
            "`conflictmap import FILE`, or run `make data` to extract the bundled article."
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
        height=380,
    )
    if len(shown) > TABLE_MAX_ROWS:
        st.caption(
            f"The table shows the latest {TABLE_MAX_ROWS:,} of {len(shown):,} events; "
            "the downloads hold them all."
        )
    else:
        st.caption("Click a column header to sort.")


def provenance(events: pd.DataFrame, shown: pd.DataFrame, uploads: pd.DataFrame) -> None:
    """Which article or file the events came from, with counts (all and shown)."""
    with st.expander("Where these events come from", expanded=False):
        origins = (
            pd.DataFrame(
                {
                    "events": _text(events, "origin").replace("", "(unknown)").value_counts(),
                    "shown": _text(shown, "origin").replace("", "(unknown)").value_counts(),
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
