"""The dashboard's data, cached (Streamlit): the events' view per store version, the sample."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from conflictmap.app.filters import Choices, Search, filter_choices
from conflictmap.config import SAMPLE_EVENTS_FILE
from conflictmap.store.eventstore import EventStore
from conflictmap.store.rowsource import frame_view, store_view
from conflictmap.store.views import EventView

log = logging.getLogger("conflictmap.app")
K_HIDE_SAMPLE = "hide_sample"
SAMPLE_LABEL = "sample"


@st.cache_resource(show_spinner=False, max_entries=2)
def load_view(store_path: str, version: str) -> EventView:
    """The store's events as a compact view, built once per ``version`` for every session.

    A resource, not data: one read-only copy shared by all sessions, never pickled; the
    previous version's is dropped when a third is built.
    """
    return store_view(Path(store_path))


WATCH_SECONDS = 1.0


def _version_of(store_path: str) -> str | None:
    """The store's version label read with a connection of its own (None if unreadable)."""
    try:
        with closing(sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)) as db:
            found = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('id', 'version')"))
    except sqlite3.Error:
        return None
    return f"{found.get('id', '')}:{found.get('version', '0')}"


@st.cache_resource(show_spinner=False)
def watch_store(store_path: str) -> threading.Thread:
    """Once per server and store: a thread that builds the view as soon as the store changes
    (an import by any page or process), so the map's next run finds it ready."""

    def watch() -> None:
        seen: str | None = None
        while True:
            version = _version_of(store_path)
            if version is not None and version != seen:
                try:
                    load_view(store_path, version)
                    seen = version
                except Exception:
                    log.exception("building the view of %s failed", store_path)
            time.sleep(WATCH_SECONDS)

    thread = threading.Thread(target=watch, name="conflictmap-view-watch", daemon=True)
    thread.start()
    return thread


@st.cache_data(show_spinner=False, max_entries=4)
def load_uploads(store_path: str, version: str, _store: EventStore) -> pd.DataFrame:
    """The list of uploads with their event counts, once per version."""
    return _store.uploads()


@st.cache_resource(show_spinner=False, max_entries=4)
def _choices(label: str, _view: EventView) -> Choices:
    return filter_choices(_view)


def load_choices(view: EventView) -> Choices:
    """What the filters offer (dates, provinces, types, actors), once per view."""
    return _choices(view.label, view)


@st.cache_resource(show_spinner=False, max_entries=16)
def _search(label: str, text: str, _view: EventView) -> np.ndarray:
    found = _view.source.search(text)
    found.setflags(write=False)
    return found


def searcher(view: EventView) -> Search:
    """The text filter for ``view``, each text looked up once per version."""
    return lambda text: _search(view.label, text, view)


def never_written(version: str) -> bool:
    """True for a store that only its creation wrote to ('<id>:<writes>' is its version label:
    every committed write, its creation included, bumps the count)."""
    count = version.rpartition(":")[2]
    return not count.isdigit() or int(count) <= 1


def show_sample(view: EventView, uploads: pd.DataFrame) -> bool:
    """The bundled sample stands in for an empty store that nothing was ever imported into
    (an upload since removed counts), until the user hides it."""
    if len(view) or st.session_state.get(K_HIDE_SAMPLE):
        return False
    kinds = set(uploads["kind"]) if "kind" in uploads else set()
    return not (kinds - {"seed"}) and never_written(view.label)


@st.cache_resource(show_spinner=False)
def sample_view() -> EventView:
    """The package's sample events, read-only (never written to the store)."""
    frame = pd.read_csv(SAMPLE_EVENTS_FILE, dtype=str, keep_default_na=False)
    return frame_view(frame, label=SAMPLE_LABEL)


def _hide_sample() -> None:
    st.session_state[K_HIDE_SAMPLE] = True


def sample_notice() -> None:
    """What the sample is, and the one click that hides it."""
    note, button = st.columns([5, 1], vertical_alignment="center")
    note.info(
        "**Sample data.** Your event store is empty, so this shows the events bundled with "
        "conflictmap as an example. They are not in your store and are never exported with "
        "your data. Add an article or upload a file to see your own events."
    )
    button.button("Hide the sample", on_click=_hide_sample, width="stretch")
