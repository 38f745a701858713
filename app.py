"""The conflictmap dashboard: the event store on an offline map, with timeline, filters and exports.

Layout and wiring only: settings → cached store → filters → filtered events → map, charts,
table, downloads. The sections live in conflictmap.app.ui; everything they draw comes from pure
functions (filters, charts, mapview) tested without Streamlit.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from conflictmap.app import article_page, ui, ui_filters, upload_page
from conflictmap.app.filters import Choices, filter_choices, filter_events
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore

st.set_page_config(page_title="conflictmap", layout="wide", initial_sidebar_state="expanded")


@st.cache_data(show_spinner="Loading events…", max_entries=4)
def load_events(store_path: str, version: str, _store: EventStore) -> pd.DataFrame:
    """The store's events with every column (for exports), read again when ``version`` changes."""
    return _store.events(acled=True)


@st.cache_data(show_spinner=False, max_entries=4)
def load_uploads(store_path: str, version: str, _store: EventStore) -> pd.DataFrame:
    """The list of uploads with their event counts (one scan of the events), once per version."""
    return _store.uploads()


@st.cache_data(show_spinner=False, max_entries=4)
def load_choices(store_path: str, version: str, _events: pd.DataFrame) -> Choices:
    """What the filters offer (dates, provinces, types, actors), once per ``version``."""
    return filter_choices(_events)


@ui.guarded
def main() -> None:
    settings = Settings.from_env()
    store = ui.open_store(str(settings.store_path), settings)
    # Changes with every committed import or removal, by any page or process (one small query).
    version = store.version()
    uploads = load_uploads(str(settings.store_path), version, store)
    events = load_events(str(settings.store_path), version, store)
    choices = load_choices(str(settings.store_path), version, events)

    st.title("conflictmap")
    st.markdown(
        "Armed-conflict events (who did what, where and when), extracted from news articles "
        "or imported from ACLED-style files, on a map that works offline. Choose what to see "
        "in the sidebar and with the timeline: everything below follows them."
    )
    ui_filters.seed_filters(events, choices)
    for warning in st.session_state.pop(ui_filters.K_WARNINGS, ()):
        st.warning(ui.md_escape(warning))
    ui_filters.sidebar_filters(choices)
    ui_filters.timeline(events, choices)
    filters = ui_filters.current_filters(choices)
    ui_filters.sync_query(filters)
    shown = filter_events(events, filters)

    ui.count_line(shown, events)
    if shown.empty:
        ui.empty_message(filters, events)
    else:
        ui.map_section(shown, online_default=settings.online_tiles)
        ui.charts_section(shown)
    ui.table_section(shown)
    ui.downloads(shown)
    ui.provenance(events, shown, uploads)
    ui.attributions(online_tiles=st.session_state.get("online_tiles", settings.online_tiles))


# Three pages: the dashboard, the article page and the upload page (conflictmap/*_page.py).
st.navigation(
    [
        st.Page(main, title="Map", default=True),
        st.Page(article_page.PAGE_FILE, title=article_page.PAGE_TITLE, url_path="add-article"),
        st.Page(upload_page.PAGE_FILE, title=upload_page.PAGE_TITLE, url_path="upload"),
    ]
).run()
