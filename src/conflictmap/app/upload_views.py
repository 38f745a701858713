"""What the upload page shows, as plain data: verdicts, counts, problem tables, the uploads list.

Pure functions over ImportReport and EventStore.uploads(); the Streamlit page
(conflictmap.app.upload_page) only lays them out. Texts here are plain: the page escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from conflictmap.ingest.reports import ImportReport
from conflictmap.models import Progress, RowProblem

Level = Literal["success", "info", "warning", "error"]

# Rows of a problem table the page draws; beyond, it says how many more there are.
PROBLEM_ROWS_SHOWN = 10_000
# The counts an import report shows, in order, with their labels.
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("rows_read", "Rows read"),
    ("accepted", "Accepted"),
    ("updated", "Updated (corrections)"),
    ("rejected", "Rejected"),
    ("duplicates", "Duplicates skipped"),
    ("geocoded", "Geocoded"),
    ("not_geocoded", "Not geocoded"),
)
UPLOAD_TABLE_COLUMNS = (
    "origin",
    "kind",
    "file_name",
    "rows_read",
    "accepted",
    "events",
    "imported_at",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One line saying what an upload did, and how loudly to say it."""

    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One uploaded file after Import: its report, or why it could not be read at all."""

    file_name: str
    report: ImportReport | None = None
    error: str = ""


def upload_limit_mb(setting_mb: int, server_mb: int) -> int:
    """The largest file the page takes: the setting, unless the server allows less."""
    return max(1, min(int(setting_mb), int(server_mb)))


def report_verdict(report: ImportReport) -> Verdict:
    """What the upload did, in one sentence: new events, nothing new, or nothing usable."""
    name = report.file_name
    rejected = f"{report.rejected:,} row{_s(report.rejected)} rejected (see the table below)"
    if report.accepted:
        text = f"Imported {report.accepted:,} new event{_s(report.accepted)} as {report.origin}"
        if report.already_imported:
            text += f" (this file was imported before as {report.already_imported})"
        if report.rejected:
            return Verdict("warning", f"{text}; {rejected}.")
        return Verdict("success", text + ".")
    if report.updated:
        text = (
            f"Updated {report.updated:,} stored event{_s(report.updated)} with the "
            f"corrections in {name}"
        )
        return Verdict(
            "warning" if report.rejected else "success",
            f"{text}; {rejected}." if report.rejected else text + ".",
        )
    if report.already_imported:
        return Verdict(
            "info",
            f"Nothing new: {name} was already imported, as {report.already_imported}. "
            "Remove that upload below to import the file again.",
        )
    if report.duplicates and not report.rejected:
        return Verdict(
            "info",
            f"Nothing new: every event in {name} is already in the store "
            f"({report.duplicates:,} duplicate{_s(report.duplicates)} skipped).",
        )
    if report.rejected:
        return Verdict("warning", f"Nothing imported from {name}: {rejected}.")
    return Verdict("info", f"Nothing imported from {name}: it has no event rows.")


def report_counts(report: ImportReport) -> list[tuple[str, int]]:
    """(label, number) for each count the report shows, in COUNT_LABELS order."""
    return [(label, int(getattr(report, field))) for field, label in COUNT_LABELS]


def problems_frame(
    problems: tuple[RowProblem, ...], *, limit: int = PROBLEM_ROWS_SHOWN
) -> pd.DataFrame:
    """The first ``limit`` problems as a table: line in the file, column, reason.

    Line 0 is a problem with the file as a whole; an empty column means the whole row.
    """
    shown = problems[:limit]
    return pd.DataFrame(
        {
            "line": pd.Series([p.line for p in shown], dtype="int64"),
            "column": pd.Series([p.column or "(whole row)" for p in shown], dtype="string"),
            "reason": pd.Series([p.reason for p in shown], dtype="string"),
        }
    )


def input_error_line(file_name: str, message: str) -> str:
    """One line for a file that could not be read at all, naming the file once."""
    if file_name in message:
        return f"Not imported: {message}"
    return f"Not imported: {file_name!r}: {message}"


def uploads_frame(uploads: pd.DataFrame) -> pd.DataFrame:
    """EventStore.uploads() with the columns the page lists, newest first."""
    frame = uploads.reindex(columns=list(UPLOAD_TABLE_COLUMNS))
    for column in ("rows_read", "accepted", "events"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    for column in ("origin", "kind", "file_name", "imported_at"):
        frame[column] = frame[column].astype("string").fillna("")
    return frame.reset_index(drop=True)


def upload_label(row: pd.Series) -> str:
    """How the remove list names an upload: its origin and the events it still holds."""
    events = int(row.get("events", 0) or 0)
    return f"{row['origin']} — {events:,} event{_s(events)}"


def removal_question(origin: str, *, kind: str, events: int) -> str:
    """The confirmation asked before an upload is removed."""
    text = (
        f"Remove {origin} and its {events:,} event{_s(events)} from the store? "
        "This cannot be undone"
    )
    if kind == "seed":
        return (
            text
            + " (the bundled events are not loaded again; upload data/events.csv to get them back)."
        )
    if kind == "article":
        return text + " (add the article again on the article page to get them back)."
    return text + " (upload the file again to get them back)."


def removal_message(origin: str, removed: int) -> str:
    """What a removal did: 'Removed 120 events from file:acled.csv'."""
    return f"Removed {removed:,} event{_s(removed)} from {origin}."


def overall_progress(
    progress: Progress, *, index: int, count: int, name: str = "", step: float = 0.01
) -> Progress:
    """A callback for file ``index`` of ``count`` that moves one bar across all of them.

    Messages are prefixed with the file's ``name`` when there are several files.

    It passes a call on only when the bar moved by ``step`` or more, or at the start and the
    end of the file: geocoding calls back once per place name, and every call redraws the bar.
    """
    shown = [-1.0]

    def report(fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        overall = (index + fraction) / max(count, 1)
        if fraction in (0.0, 1.0) or overall - shown[0] >= step:
            shown[0] = overall
            progress(overall, f"{name}: {message}" if name and count > 1 else message)

    return report


def _s(n: int) -> str:
    return "" if n == 1 else "s"
