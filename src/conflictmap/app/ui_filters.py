"""The dashboard's filter widgets and timeline (Streamlit): their session state and the URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import cast

import streamlit as st

from conflictmap.app.filters import (
    MAX_TEXT_CHARS,
    MAX_WINDOW_DAYS,
    QUERY_KEYS,
    TIMELINE_MODES,
    Choices,
    Filters,
    Search,
    TimelineMode,
    clamp_filters,
    event_days,
    filters_from_query,
    filters_to_query,
    next_frame,
    select,
    timeline_frames,
)
from conflictmap.store.views import EventView

# Session-state keys of the filter widgets.
K_RANGE, K_ADMIN1, K_TYPES, K_SUBS = "f_range", "f_admin1", "f_types", "f_subs"
K_ACTORS, K_TEXT, K_DATE, K_MODE, K_WINDOW = "f_actors", "f_text", "f_date", "f_mode", "f_window"
K_PLAYING, K_INLINE, K_WARNINGS, K_SEEDED = "playing", "play_inline", "query_warnings", "seeded"
K_LAST, K_VIEW, K_TILES = "last_filters", "start_view", "online_tiles"
PLAY_SECONDS = 1.2
MODE_LABELS: dict[str, str] = {"cumulative": "Up to the date", "window": "Last N days"}


# Keys of the address that are not filters: the map's view (the map's script keeps it up to
# date in the browser) and the tiles setting.
Q_VIEW, Q_TILES = "view", "tiles"
PAGE_KEYS = (Q_VIEW, Q_TILES)


def _query_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params if key in QUERY_KEYS}


def _unknown_keys() -> list[str]:
    known = {*QUERY_KEYS, *PAGE_KEYS}
    return [
        f"Ignored {key}=… in the address: conflictmap has no setting of that name "
        f"(it knows {', '.join(sorted(known))})."
        for key in st.query_params
        if key not in known
    ]


def parse_view(raw: str | None) -> tuple[float, float, int] | None:
    """ "33.5,68.4,7" → (33.5, 68.4, 7); None when absent or malformed."""
    if not raw:
        return None
    try:
        lat, lon, zoom = raw.split(",")
        view = (float(lat), float(lon), int(zoom))
    except ValueError:
        return None
    return view if abs(view[0]) <= 90 and abs(view[1]) <= 180 and 0 <= view[2] <= 20 else None


def start_view() -> tuple[float, float, int] | None:
    """The map view the session's link asked for (None: fit the map to the events)."""
    return st.session_state.get(K_VIEW)


def _write_state(filters: Filters, choices: Choices) -> None:
    state = st.session_state
    if choices.bounds is not None:
        lo, hi = choices.bounds
        state[K_RANGE] = (filters.start or lo, filters.end or hi)
        state[K_DATE] = filters.timeline or filters.end or hi
    else:
        state.pop(K_RANGE, None)
        state.pop(K_DATE, None)
    state[K_ADMIN1] = list(filters.admin1)
    state[K_TYPES] = list(filters.event_types)
    state[K_SUBS] = list(filters.sub_event_types)
    state[K_ACTORS] = list(filters.actors)
    state[K_TEXT] = filters.text
    state[K_MODE] = filters.mode
    state[K_WINDOW] = filters.window_days


def current_filters(choices: Choices) -> Filters:
    """The filters the widgets hold now."""
    return _state_filters(choices)


def _state_filters(choices: Choices) -> Filters:
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
    return clamp_filters(filters, bounds=choices.bounds)


def seed_filters(choices: Choices) -> None:
    """Once per session, the widgets take the URL's filters; every run, values are made valid.

    Values are checked against the current events before any widget is drawn: an upload or a
    removal can change the date range and the lists of choices between two runs.
    """
    state = st.session_state
    if not state.get(K_SEEDED):
        parsed = filters_from_query(_query_params(), choices=choices)
        _write_state(parsed.filters, choices)
        warnings = [*parsed.warnings, *_unknown_keys()]
        raw_view = st.query_params.get(Q_VIEW)
        state[K_VIEW] = parse_view(raw_view)
        if raw_view and state[K_VIEW] is None:
            warnings.append(f"Ignored {Q_VIEW}={raw_view!r}: expected latitude,longitude,zoom.")
        tiles = st.query_params.get(Q_TILES)
        if tiles in ("online", "offline"):
            state[K_TILES] = tiles == "online"
        elif tiles:
            warnings.append(f"Ignored {Q_TILES}={tiles!r}: expected 'online' or 'offline'.")
        state[K_WARNINGS] = tuple(warnings)
        state[K_SEEDED] = True
    elif K_ADMIN1 not in state and isinstance(state.get(K_LAST), Filters):
        # Back from another page: Streamlit dropped the widgets' values; the view was kept.
        _write_state(clamp_filters(state[K_LAST], bounds=choices.bounds), choices)
    else:
        _write_state(_state_filters(choices), choices)


def reset_filters() -> None:
    """Callback: every filter back to "no limit" (the next run fills in the bounds)."""
    for key in (K_RANGE, K_DATE):
        st.session_state.pop(key, None)
    st.session_state.update(
        {K_ADMIN1: [], K_TYPES: [], K_SUBS: [], K_ACTORS: [], K_TEXT: "", K_PLAYING: False}
    )
    st.session_state[K_MODE] = "cumulative"


def sync_query(filters: Filters, *, online_default: bool) -> None:
    """Put ``filters`` and the tiles setting in the URL (the map's script adds its view), so
    the page can be shared and reloaded (and keep the filters here)."""
    st.session_state[K_LAST] = filters
    query = filters_to_query(filters)
    tiles = st.session_state.get(K_TILES, online_default)
    if tiles != online_default:
        query[Q_TILES] = "online" if tiles else "offline"
    wanted = {k: [v] if isinstance(v, str) else list(v) for k, v in query.items()}
    current = {
        key: st.query_params.get_all(key)
        for key in st.query_params
        if key in QUERY_KEYS or key == Q_TILES
    }
    if wanted != current:
        view = st.query_params.get(Q_VIEW)
        st.query_params.from_dict({**query, **({Q_VIEW: view} if view else {})})


def sidebar_filters(choices: Choices) -> None:
    """The filter widgets (their values live in session state under the K_* keys)."""
    bar = st.sidebar
    bar.header("Filters")
    bounds = choices.bounds
    if bounds is not None and bounds[0] < bounds[1]:
        bar.slider(
            "Date range", min_value=bounds[0], max_value=bounds[1], key=K_RANGE, format="D MMM YYYY"
        )
    provinces = dict(choices.admin1)
    bar.multiselect(
        "Province",
        list(provinces),
        key=K_ADMIN1,
        format_func=lambda p: f"{p} ({provinces[p]})",
        placeholder="All provinces",
    )
    bar.multiselect("Event type", choices.event_types, key=K_TYPES, placeholder="All event types")
    subs = choices.sub_types_of(st.session_state.get(K_TYPES) or ())
    st.session_state[K_SUBS] = [s for s in st.session_state.get(K_SUBS, []) if s in subs]
    bar.multiselect("Sub-event type", subs, key=K_SUBS, placeholder="All sub-event types")
    bar.multiselect("Actor", choices.actors, key=K_ACTORS, placeholder="Any actor")
    bar.text_input(
        "Search the notes", key=K_TEXT, max_chars=MAX_TEXT_CHARS, placeholder="e.g. airport"
    )
    bar.button("Reset filters", on_click=reset_filters, width="stretch")
    bar.caption("The address bar keeps these filters and the timeline: copy it to share this view.")


def _frames(view: EventView, choices: Choices, search: Search | None) -> list[date]:
    untimed = replace(_state_filters(choices), timeline=None, mode="cumulative")
    positions = select(view, untimed, bounds=choices.bounds, search=search)
    return timeline_frames(event_days(view, positions))


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


def timeline(view: EventView, choices: Choices, *, search: Search | None = None) -> None:
    """The date slider that drives the page, its play control and its two modes."""
    state = st.session_state
    start, end = state.get(K_RANGE, (None, None))
    if start is None or start >= end:
        return
    frames = _frames(view, choices, search)
    playing = bool(state.get(K_PLAYING))

    @st.fragment(run_every=PLAY_SECONDS if playing else None)
    def player() -> None:
        # Runs inline with the page (skip: the page was just drawn) and then on its timer.
        if state.pop(K_INLINE, False) or not state.get(K_PLAYING):
            return
        _advance(frames)
        st.rerun(scope="app")

    # Drawn on every run, playing or not: an element that comes and goes above the map would
    # shift the page's elements and remount the map (a blank map at every Play and Pause).
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
        help="Up to the date: every event until the timeline's date, so the map fills up as "
        "time passes. Last N days: only the events of the N days ending on that date.",
    )
    window.number_input(
        "N days",
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        key=K_WINDOW,
        disabled=state.get(K_MODE) != "window",
    )
