"""The "Upload events" page (Streamlit): import CSV files with a report per file, remove uploads.

Layout and wiring only; what it says comes from conflictmap.app.upload_views (pure) and the
reports of EventStore.import_file. app.py registers this file as a page of its st.navigation;
run as that page (``__main__``) it draws itself. Imported, it only defines ``render``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import streamlit as st

# Streamlit stops or reruns a script by raising these at its next st.* call (e.g. when a
# widget is used mid-import); the page holds them until the file being imported is stored.
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from conflictmap.app import ui
from conflictmap.app.upload_views import (
    PROBLEM_ROWS_SHOWN,
    FileOutcome,
    input_error_line,
    overall_progress,
    problems_frame,
    removal_message,
    removal_question,
    report_counts,
    report_verdict,
    upload_label,
    upload_limit_mb,
    uploads_frame,
)
from conflictmap.config import Settings
from conflictmap.errors import ConflictMapError
from conflictmap.store.eventstore import EventStore

log = logging.getLogger("conflictmap.app")
PAGE_FILE = Path(__file__).resolve()
PAGE_TITLE = "Upload events"

# Session-state keys, all prefixed so they never meet the other pages'.
K_FILES, K_DONE, K_RESULTS = "upl_files", "upl_done", "upl_results"
K_CHOICE, K_CONFIRM, K_REMOVED = "upl_choice", "upl_confirm", "upl_removed"
SAY = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
UPLOAD_COLUMNS: dict[str, Any] = {
    "origin": st.column_config.TextColumn("Upload (origin)"),
    "kind": st.column_config.TextColumn("Kind"),
    "file_name": st.column_config.TextColumn("File name"),
    "rows_read": st.column_config.NumberColumn("Rows read", format="%d"),
    "accepted": st.column_config.NumberColumn("Accepted", format="%d"),
    "events": st.column_config.NumberColumn("Events now", format="%d"),
    "imported_at": st.column_config.TextColumn("Imported (UTC)"),
}
PROBLEM_COLUMNS: dict[str, Any] = {
    "line": st.column_config.NumberColumn("Line", format="%d", width=70),
    "column": st.column_config.TextColumn("Column", width=150),
    "reason": st.column_config.TextColumn("Reason", width="large"),
}
# Rows taller than 4rem let Streamlit's grid wrap text: a reason is read whole, not cut off.
PROBLEM_ROW_PX = 68


@ui.guarded(
    hint="Reload the page and try again, or import from the command line: "
    "`conflictmap import FILE`."
)
def render(settings: Settings | None = None) -> None:
    """The whole page; our errors as one message, anything else as a note, never a traceback."""
    _page(settings or Settings.from_env())


def _page(settings: Settings) -> None:
    store = ui.open_store(str(settings.store_path), settings)
    st.title(PAGE_TITLE)
    limit = upload_limit_mb(settings.max_upload_mb, int(st.get_option("server.maxUploadSize")))
    st.markdown(
        "Add events from CSV files: ACLED exports (current and older styles), files in "
        "conflictmap's own schema, or minimal files with a date and a place name (geocoded "
        "offline) or a date and coordinates. "
        f"Files: `.csv` or `.csv.gz`, up to **{limit:,} MB** each; several at once."
    )
    files = st.file_uploader(
        "CSV files to import",
        type=["csv", "csv.gz"],
        accept_multiple_files=True,
        key=K_FILES,
        max_upload_size=limit,
        help="Comma, semicolon or tab separated; UTF-8 or Windows (cp1252) encoding. "
        "Column names as in ACLED or EVENT_SCHEMA.md (date, lat/lon and place are "
        "understood too); other columns are kept.",
    )
    _import_section(list(files or []), store)
    st.divider()
    _uploads_section(store)


# --- importing --------------------------------------------------------------------------------


def _import_section(files: Sequence[Any], store: EventStore) -> None:
    state = st.session_state
    done: set[str] = state.setdefault(K_DONE, set())
    new = [f for f in files if f.file_id not in done]
    clicked = st.button("Import", type="primary", disabled=not new, key="upl_import")
    if files and not new:
        st.caption("Every file above was imported; its report is below. Add a file to import it.")
    elif len(new) < len(files):
        st.caption(f"{len(new)} of {len(files)} files above not imported yet: press **Import**.")
    if clicked and new:
        _import(new, store)
        # Draw the page again from the stored results (the Import button off, the list new).
        st.rerun()
    if state.get(K_RESULTS):
        # Removals run before the page is drawn: a report can say its upload is gone.
        stored = set(store.uploads()["origin"])
        for outcome in state[K_RESULTS]:
            _show_outcome(outcome, stored=stored)


def _import(files: Sequence[Any], store: EventStore) -> None:
    """Import each new file once; a click elsewhere mid-file waits until that file is stored."""
    state = st.session_state
    done: set[str] = state[K_DONE]
    results: list[FileOutcome] = []
    state[K_RESULTS] = results
    bar = _Bar(st.progress(0.0, text="Starting the import…"))
    for index, upload in enumerate(files):
        name = str(upload.name)
        progress = overall_progress(bar, index=index, count=len(files), name=name)
        try:
            report = store.import_file(upload.getvalue(), file_name=name, progress=progress)
            outcome = FileOutcome(name, report=report)
        except ConflictMapError as exc:
            log.warning("upload %r: %s", name, exc)
            outcome = FileOutcome(name, error=input_error_line(name, str(exc)))
        except Exception:
            log.exception("upload %r failed", name)
            outcome = FileOutcome(
                name,
                error=f"Could not import {name!r}: something went wrong (the details are in "
                "the server's log); nothing from this file was stored.",
            )
        done.add(upload.file_id)
        results.append(outcome)
        if bar.held is not None:
            raise bar.held
    bar.clear()


class _Bar:
    """The progress bar as a Progress callback; a stop or rerun request is held, not raised."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self.held: ScriptControlException | None = None

    def __call__(self, fraction: float, message: str) -> None:
        if self.held is not None:
            return
        try:
            self._bar.progress(fraction, text=ui.md_escape(message))
        except ScriptControlException as exc:
            self.held = exc

    def clear(self) -> None:
        if self.held is None:
            self._bar.empty()


def _show_outcome(outcome: FileOutcome, *, stored: set[str]) -> None:
    report = outcome.report
    if report is None:
        st.error(ui.md_escape(outcome.error))
        return
    with st.container(border=True):
        st.markdown(f"**{ui.md_escape(outcome.file_name)}**")
        verdict = report_verdict(report)
        SAY[verdict.level](ui.md_escape(verdict.text))
        if report.accepted and report.origin not in stored:
            st.caption(
                f"{ui.md_escape(report.origin)} has been removed since: its events are no "
                "longer in the store."
            )
        counts = report_counts(report)
        for column, (label, value) in zip(st.columns(len(counts)), counts, strict=True):
            column.metric(label, f"{value:,}")
        if report.problems:
            st.markdown("**Rejected rows**")
            st.dataframe(
                problems_frame(report.problems),
                hide_index=True,
                column_config=PROBLEM_COLUMNS,
                row_height=PROBLEM_ROW_PX,
            )
            _problem_caption(len(report.problems))
        if report.warnings:
            with st.expander(f"{len(report.warnings):,} kept row(s) with a change or a doubt"):
                st.dataframe(
                    problems_frame(report.warnings),
                    hide_index=True,
                    column_config=PROBLEM_COLUMNS,
                    row_height=PROBLEM_ROW_PX,
                )
                _problem_caption(len(report.warnings))


def _problem_caption(total: int) -> None:
    note = "Line 1 is the header; the first event is line 2."
    if total > PROBLEM_ROWS_SHOWN:
        note += (
            f" The table shows the first {PROBLEM_ROWS_SHOWN:,} of {total:,}; "
            "`conflictmap import FILE --json` lists them all."
        )
    st.caption(note)


# --- managing uploads -------------------------------------------------------------------------


def _uploads_section(store: EventStore) -> None:
    state = st.session_state
    st.subheader("Uploads")
    removed = state.pop(K_REMOVED, None)
    if removed:
        level, text = removed
        SAY[level](ui.md_escape(text))
    uploads = uploads_frame(store.uploads())
    if uploads.empty:
        st.info("No uploads yet: the store is empty. Import a file above.")
        return
    st.caption(
        "Every file, article and the bundled seed that put events in the store, newest first. "
        "Removing one removes all its events: the undo for a bad upload."
    )
    st.dataframe(uploads, hide_index=True, column_config=UPLOAD_COLUMNS)
    by_origin = {str(row["origin"]): row for _, row in uploads.iterrows()}
    choice_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    choice = choice_col.selectbox(
        "Upload to remove",
        list(by_origin),
        index=None,
        key=K_CHOICE,
        placeholder="Choose an upload",
        format_func=lambda origin: upload_label(by_origin[origin]),
    )
    if button_col.button("Remove…", disabled=choice is None, key="upl_remove"):
        state[K_CONFIRM] = choice
    pending = state.get(K_CONFIRM)
    if pending is None or pending != choice:
        state.pop(K_CONFIRM, None)
        return
    row = by_origin[pending]
    st.warning(
        ui.md_escape(removal_question(pending, kind=str(row["kind"]), events=int(row["events"])))
    )
    yes, no, _ = st.columns([1, 1, 4])
    yes.button(
        "Yes, remove", type="primary", key="upl_yes", on_click=_remove, args=(store, pending)
    )
    no.button("Cancel", key="upl_cancel", on_click=_cancel)


def _remove(store: EventStore, origin: str) -> None:
    """The confirmed removal (a button callback: it runs before the page is drawn again)."""
    state = st.session_state
    try:
        removed = store.remove(origin)
        state[K_REMOVED] = ("success", removal_message(origin, removed))
    except ConflictMapError as exc:
        log.warning("remove %r: %s", origin, exc)
        state[K_REMOVED] = ("error", str(exc))
    _cancel()


def _cancel() -> None:
    state = st.session_state
    state.pop(K_CONFIRM, None)
    state[K_CHOICE] = None


if __name__ == "__main__":
    render()
