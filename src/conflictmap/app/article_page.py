"""The "Add an article" page (Streamlit): paste or upload, review the draft events, add them.

Layout and wiring only; what the page shows comes from conflictmap.extract.review (pure). app.py
registers this file as a page of its st.navigation; run as that page (``__main__``) it draws
itself. Imported, it only defines ``render`` and ``PAGE_FILE``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from conflictmap.app import mapview, ui
from conflictmap.config import Settings
from conflictmap.errors import ConflictMapError, InputError
from conflictmap.extract import review
from conflictmap.extract.articles import Article, meta_from_json, parse_article
from conflictmap.extract.pipeline import extract_article
from conflictmap.models import EVENT_TYPES, SUB_EVENT_TYPES, Place
from conflictmap.store.eventstore import EventStore

PAGE_FILE = Path(__file__).resolve()
PAGE_TITLE = "Add an article"

# Session-state keys, all prefixed so they never meet the dashboard's.
K_MODE, K_TEXT, K_FILES = "art_mode", "art_text", "art_files"
K_PUBLISHED, K_SOURCE, K_TITLE, K_FILLED = "art_published", "art_source", "art_title", "art_filled"
K_REVIEW, K_DRAFTS, K_EDITS, K_RESULT = "art_review", "art_drafts", "art_edits", "art_result"
PASTE, UPLOAD = "Paste text", "Upload a file"
PASTED_NAME = "pasted text"
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
PREVIEW_HEIGHT = 420
PRECISION_LABELS = {1: "1 · the day", 2: "2 · the week", 3: "3 · month or year"}
# What the review table shows, in order; the other schema columns ride along unseen.
EDITOR_COLUMNS = (
    "include",
    "status",
    "event_date",
    "time_precision",
    "place",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "match",
    "date_text",
    "notes",
)
# Columns an edit elsewhere can change: when they do, the table is drawn again from the result.
DERIVED_COLUMNS = ("status", "match", "event_type", "location", "latitude", "longitude", "admin1")
STORE_MATCH_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "admin1",
    "sub_event_type",
    "date_text",
    "location",
)


@st.cache_data(show_spinner=False, max_entries=2)
def stored_for_matching(store_path: str, version: str, _store: EventStore) -> pd.DataFrame:
    """The stored events' columns that "already known" compares, read again when they change."""
    events = _store.events()
    return events[[c for c in STORE_MATCH_COLUMNS if c in events]]


@ui.guarded(
    hint="Reload the page and try again, or add the article from the command line: "
    "`conflictmap extract FILE -o events.csv`, then `conflictmap import events.csv`."
)
def render(settings: Settings | None = None) -> None:
    """The whole page; our errors as one message, anything else as a note, never a traceback."""
    _page(settings or Settings.from_env())


def _page(settings: Settings) -> None:
    """The article and its metadata, then the review, then saving."""
    store = ui.open_store(str(settings.store_path), settings)
    st.title(PAGE_TITLE)
    st.markdown(
        "Paste a news article or upload it, check what was found (places, dates, event types), "
        "correct it, and add the events to the map. Nothing leaves this machine."
    )
    article = _article_input()
    if article is not None:
        _fill_metadata(article)
    _metadata_inputs()
    if st.button("Find events", type="primary", disabled=article is None):
        assert article is not None
        _extract(article, store)
    current = st.session_state.get(K_REVIEW)
    if isinstance(current, review.ArticleReview):
        state = st.session_state
        if article is not None and _sha(article.text) != current.sha256:
            st.info(
                "The article changed since it was read: press **Find events** to read it again."
            )
        elif (
            state.get(K_PUBLISHED) != current.published
            or str(state.get(K_SOURCE) or "").strip() != current.source
            or str(state.get(K_TITLE) or "").strip() != current.title
        ):
            st.info(
                "The publication date, source or title changed since the article was read: "
                "press **Find events** to apply them to the drafts."
            )
        _review(current, store)


# --- the article ------------------------------------------------------------------------------


def _article_input() -> Article | None:
    mode = st.radio("Article", (PASTE, UPLOAD), key=K_MODE, horizontal=True)
    try:
        if mode == PASTE:
            text = st.text_area(
                "Article text",
                key=K_TEXT,
                height=220,
                placeholder="Paste the article here, with its headline and dateline "
                "(e.g. 'KABUL, Aug 12 (Reuters) -') if it has them.",
            )
            if not text.strip():
                return None
            return parse_article(text.encode("utf-8"), name=PASTED_NAME)
        files = st.file_uploader(
            "Article file: .txt or .html (markup is stripped), with its .meta.json if it has one",
            type=["txt", "html", "htm", "json"],
            accept_multiple_files=True,
            key=K_FILES,
        )
        return _uploaded_article(files or [])
    except InputError as exc:
        st.error(ui.md_escape(exc))
        return None


def _uploaded_article(files: list[Any]) -> Article | None:
    texts = [f for f in files if not f.name.lower().endswith(".json")]
    metas = [f for f in files if f.name.lower().endswith(".json")]
    if not texts:
        if metas:
            st.info("Add the article's .txt or .html file too: the .meta.json only describes it.")
        return None
    if len(texts) > 1:
        st.info(f"One article at a time: reading {ui.md_escape(texts[0].name)} only.")
    meta = meta_from_json(metas[0].getvalue(), name=metas[0].name) if metas else None
    return parse_article(texts[0].getvalue(), name=texts[0].name, meta=meta)


def _fill_metadata(article: Article) -> None:
    """A new article fills the date, source and title fields once; the analyst may change them."""
    state = st.session_state
    sha = _sha(article.text)
    if state.get(K_FILLED) == sha:
        return
    state[K_FILLED] = sha
    state[K_PUBLISHED] = article.published
    named_after_file = article.source in {PASTED_NAME, Path(str(article.path or "")).name}
    state[K_SOURCE] = "" if named_after_file else article.source
    state[K_TITLE] = article.title


def _metadata_inputs() -> None:
    state = st.session_state
    state.setdefault(K_PUBLISHED, None)
    state.setdefault(K_SOURCE, "")
    state.setdefault(K_TITLE, "")
    published, source, title = st.columns([1, 1, 2])
    published.date_input(
        "Publication date",
        key=K_PUBLISHED,
        min_value=EARLIEST,
        max_value=LATEST,
        format="YYYY-MM-DD",
        help="Relative dates in the text ('on Thursday', 'last month') are counted from it. "
        "Filled from the article's dateline or metadata when it has one.",
    )
    source.text_input("Source", key=K_SOURCE, placeholder="e.g. Al Jazeera")
    title.text_input(
        "Title", key=K_TITLE, help="Names the article in the list of uploads (its origin)."
    )


def _extract(article: Article, store: EventStore) -> None:
    state = st.session_state
    published: date | None = state.get(K_PUBLISHED)
    source = str(state.get(K_SOURCE) or "").strip()
    title = str(state.get(K_TITLE) or "").strip()
    sha = _sha(article.text)
    with st.spinner("Reading the article: places, dates, events…"):
        uploads = store.uploads()
        taken = dict(zip(uploads["origin"], uploads["sha256"].fillna(""), strict=True))
        origin = review.article_origin(title, sha, taken=taken)
        try:
            found = extract_article(
                article.text, published=published, source=source or title, origin=origin
            )
        except ConflictMapError as exc:
            st.error(ui.md_escape(exc))
            return
        stored = stored_for_matching(str(store.path), store.version(), store)
        drafts, places = review.draft_table(found.events, mentions=found.mentions, stored=stored)
    by_index = {s.index: s for s in found.sentences}
    undated = int(drafts["event_date"].isna().sum())
    state[K_REVIEW] = review.ArticleReview(
        text=article.text,
        sha256=sha,
        title=title,
        source=source,
        published=published,
        origin=origin,
        mentions=found.mentions,
        event_spans=tuple((by_index[i].start, by_index[i].end) for i in found.event_sentences),
        places=places,
        advice=tuple(
            review.extraction_advice(
                mentions=len(found.mentions),
                found=sum(m.status != review.NOT_FOUND for m in found.mentions),
                drafts=len(drafts),
                undated=undated,
                published=published,
            )
        ),
    )
    state[K_DRAFTS] = drafts
    state[K_EDITS] = int(state.get(K_EDITS, 0)) + 1
    state.pop(K_RESULT, None)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the review -------------------------------------------------------------------------------


def _review(current: review.ArticleReview, store: EventStore) -> None:
    state = st.session_state
    base: pd.DataFrame = state[K_DRAFTS]
    st.subheader("Review")
    for level, message in current.advice:
        (st.warning if level == "warning" else st.info)(message)
    st.caption("The article as it was read: place names by what the gazetteer made of them")
    st.html(review.legend_html(current.mentions))
    st.html(
        review.highlighted_article_html(
            current.text, current.mentions, event_sentences=current.event_spans
        )
    )
    if base.empty:
        return
    stored = stored_for_matching(str(store.path), store.version(), store)
    editor_key = f"art_editor_{state.get(K_EDITS, 0)}"
    st.markdown(
        "**Draft events.** Untick a row to leave it out; correct dates, places and types "
        "in place. A place with several candidates offers them by province and country."
    )
    edited = st.data_editor(
        base,
        key=editor_key,
        hide_index=True,
        num_rows="fixed",
        # The match column only when something matched: an empty column pushes the rest away.
        column_order=[c for c in EDITOR_COLUMNS if c != "match" or base["match"].ne("").any()],
        column_config=_editor_columns(base, current.places),
        disabled=("status", "match", "date_text", "notes"),
        width="stretch",
    )
    drafts, problems = review.current_drafts(edited, base, places=current.places, stored=stored)
    if _edited(editor_key) and _derived_changed(drafts, edited):
        # Show what the edit changed elsewhere (status, type, place) in the table itself.
        state[K_DRAFTS] = drafts
        state[K_EDITS] = int(state.get(K_EDITS, 0)) + 1
        st.rerun()
    _summary(drafts, problems)
    _preview(drafts)
    _save(current, drafts, problems, store)


def _editor_columns(base: pd.DataFrame, places: dict[str, Place]) -> dict[str, Any]:
    labels = list(places) + sorted(set(base["place"].astype(str)) - set(places))
    return {
        "include": st.column_config.CheckboxColumn(
            "Add", help="Add this event to the map", width=60
        ),
        "status": st.column_config.TextColumn(
            "Status",
            help="'already known': the store has an event in the same province, "
            "of the same sub-type, on an overlapping date",
        ),
        "match": st.column_config.TextColumn("Matches stored event", width=230),
        "event_date": st.column_config.DateColumn(
            "Date", min_value=EARLIEST, max_value=LATEST, format="YYYY-MM-DD"
        ),
        "time_precision": st.column_config.SelectboxColumn(
            "Date precision",
            options=list(PRECISION_LABELS),
            format_func=lambda p: PRECISION_LABELS.get(int(p), str(p)),
            required=True,
        ),
        "place": st.column_config.SelectboxColumn(
            "Place", options=labels, required=True, width=250
        ),
        "event_type": st.column_config.SelectboxColumn(
            "Event type", options=list(EVENT_TYPES), required=True, width=170
        ),
        "sub_event_type": st.column_config.SelectboxColumn(
            "Sub-type", options=list(SUB_EVENT_TYPES), required=True, width=220
        ),
        "actor1": st.column_config.TextColumn("Actor 1"),
        "actor2": st.column_config.TextColumn("Actor 2"),
        "fatalities": st.column_config.NumberColumn("Deaths", min_value=0, step=1, format="%d"),
        "date_text": st.column_config.TextColumn("Date words"),
        "notes": st.column_config.TextColumn("Sentence", width="large"),
    }


def _edited(editor_key: str) -> bool:
    state = st.session_state.get(editor_key)
    return isinstance(state, dict) and bool(state.get("edited_rows"))


def _derived_changed(drafts: pd.DataFrame, edited: pd.DataFrame) -> bool:
    for column in DERIVED_COLUMNS:
        if column in drafts and column in edited:
            now = drafts[column].astype(str).tolist()
            before = edited[column].astype(str).tolist()
            if now != before:
                return True
    return False


def _summary(drafts: pd.DataFrame, problems: dict[Any, str]) -> None:
    known = int((drafts["status"] == review.KNOWN).sum())
    ticked = int(drafts["include"].fillna(False).astype(bool).sum())
    st.caption(
        f"{len(drafts)} draft event(s): {len(drafts) - known} new, {known} already known; "
        f"{ticked} ticked to add."
    )
    for label, reason in problems.items():
        st.warning(f"Row {drafts.index.get_loc(label) + 1}: {ui.md_escape(reason)}")


def _preview(drafts: pd.DataFrame) -> None:
    ticked = drafts[drafts["include"].fillna(False).astype(bool)]
    shown = ticked if not ticked.empty else drafts
    st.caption(
        "Preview of the ticked drafts"
        if not ticked.empty
        else "Preview of every draft (none is ticked)"
    )
    st_folium(
        mapview.build_map(shown),
        key="art_preview",
        returned_objects=[],
        height=PREVIEW_HEIGHT,
        use_container_width=True,
    )


# --- saving -----------------------------------------------------------------------------------


def _save(
    current: review.ArticleReview, drafts: pd.DataFrame, problems: dict[Any, str], store: EventStore
) -> None:
    state = st.session_state
    if st.button("Add to map", type="primary", key="art_add"):
        state[K_RESULT] = _add(current, drafts, problems, store)
    result = state.get(K_RESULT)
    if result:
        level, message = result
        {"success": st.success, "info": st.info, "warning": st.warning}[level](message)


def _add(
    current: review.ArticleReview, drafts: pd.DataFrame, problems: dict[Any, str], store: EventStore
) -> tuple[str, str]:
    earlier = store.origin_of(current.sha256)
    if earlier:
        return (
            "info",
            f"This article was added before, as **{ui.md_escape(earlier)}**: nothing was added "
            "again. To replace it, remove that upload first.",
        )
    rows, held = review.rows_to_save(drafts, problems=problems)
    reasons = "; ".join(ui.md_escape(h) for h in held)
    held_note = f" Not added: {reasons}." if held else ""
    if rows.empty and held:
        return "warning", f"Nothing was added: {reasons}."
    if rows.empty:
        return (
            "info",
            "Nothing to add: no draft is ticked. Drafts already in the store start unticked; "
            "tick one to add it anyway.",
        )
    with st.spinner("Adding the events…"):
        report = store.add_events(
            rows,
            origin=current.origin,
            file_name=current.title or PASTED_NAME,
            kind="article",
            sha256=current.sha256,
        )
    parts = [
        f"Added **{report.accepted}** event(s) to the map as **{ui.md_escape(report.origin)}**."
    ]
    if report.duplicates:
        parts.append(f"{report.duplicates} were already in the store and were not added again.")
    if report.rejected:
        reasons = "; ".join(
            ui.md_escape(f"row {p.line - 1}: {p.reason}") for p in report.problems[:5]
        )
        parts.append(f"{report.rejected} could not be stored ({reasons}).")
    parts.append("Open **Map** in the navigation to see them.")
    level = "success" if report.accepted else "info"
    return level, " ".join(parts) + held_note


if __name__ == "__main__":
    render()
