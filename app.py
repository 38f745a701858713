"""The conflictmap dashboard: the event store on an offline map, with timeline, filters and exports.

Layout and wiring only: settings → cached store → the events' view for this store version →
filters → the positions they let through → map, charts, table, downloads. The sections live in
conflictmap.app.ui; everything they draw comes from pure functions tested without Streamlit.
"""

from __future__ import annotations

import streamlit as st

from conflictmap.app import article_page, data, ui, ui_filters, upload_page
from conflictmap.app.filters import select
from conflictmap.config import Settings

st.set_page_config(page_title="conflictmap", layout="wide", initial_sidebar_state="auto")


@ui.guarded
def main() -> None:
    settings = Settings.from_env()
    store = ui.open_store(str(settings.store_path), settings)
    # Changes with every committed import or removal, by any page or process (one small query).
    version = store.version()
    data.watch_store(str(settings.store_path))
    uploads = data.load_uploads(str(settings.store_path), version, store)
    with st.spinner("Reading the events…"):
        view = data.load_view(str(settings.store_path), version)
    sample = data.show_sample(view, uploads)
    if sample:
        view = data.sample_view()
    choices = data.load_choices(view)
    search = data.searcher(view)

    ui.page_style()
    st.title("conflictmap")
    ui.intro(
        "Armed-conflict events (who did what, where and when), extracted from news articles "
        "or imported from ACLED-style files, on a map that works offline. Choose what to see "
        "in the sidebar and with the timeline: everything below follows them."
    )
    if sample:
        data.sample_notice()
    ui_filters.seed_filters(choices)
    for warning in st.session_state.pop(ui_filters.K_WARNINGS, ()):
        st.warning(ui.md_escape(warning))
    ui_filters.sidebar_filters(choices)
    ui_filters.timeline(view, choices, search=search)
    filters = ui_filters.current_filters(choices)
    ui_filters.sync_query(filters, online_default=settings.online_tiles)
    shown = select(view, filters, bounds=choices.bounds, search=search)

    ui.count_line(view, shown, sample=sample)
    if not len(shown):
        ui.empty_message(filters, view)
    else:
        ui.map_section(
            view,
            shown,
            online_default=settings.online_tiles,
            start_view=ui_filters.start_view(),
        )
        ui.charts_section(view, shown)
    ui.table_section(view, shown)
    ui.downloads(view, shown)
    ui.provenance(view, shown, uploads)
    ui.attributions(online_tiles=st.session_state.get("online_tiles", settings.online_tiles))


# Three pages: the dashboard, the article page and the upload page (conflictmap/*_page.py).
st.navigation(
    [
        st.Page(main, title="Map", default=True),
        st.Page(article_page.PAGE_FILE, title=article_page.PAGE_TITLE, url_path="add-article"),
        st.Page(upload_page.PAGE_FILE, title=upload_page.PAGE_TITLE, url_path="upload"),
    ]
).run()
