"""The event store's tables: SQL, schema version, and how a checked record becomes a row."""

from __future__ import annotations

import operator

from conflictmap.ingest.validation import FLOAT_COLUMNS, INT_COLUMNS, RECORD_COLUMNS


def _sql_type(column: str) -> str:
    return "INTEGER" if column in INT_COLUMNS else "REAL" if column in FLOAT_COLUMNS else "TEXT"


_EVENT_COLUMNS_SQL = ",\n    ".join(
    f"{c} {_sql_type(c)}" for c in RECORD_COLUMNS if c != "event_id_cnty"
)
# content_hash: what the row says (validation.content_hash), to tell a repeat from a
# correction; core_hash: the same without the actor columns (actor-based files); line: the
# row's line in the upload it came from, so a repeat can name it.
SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_id_cnty TEXT NOT NULL UNIQUE,
    content_hash INTEGER NOT NULL,
    core_hash INTEGER NOT NULL,
    line INTEGER NOT NULL,
    {_EVENT_COLUMNS_SQL}
);
CREATE TABLE IF NOT EXISTS imports (
    origin TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT,
    imported_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    updated INTEGER NOT NULL DEFAULT 0,
    problems TEXT
);
CREATE INDEX IF NOT EXISTS imports_sha256 ON imports (sha256);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Bumped when the tables change; a store made by another version is refused, not guessed at.
SCHEMA_VERSION = 3
INSERT_COLUMNS = (
    "event_id_cnty",
    "content_hash",
    "core_hash",
    "line",
    *(c for c in RECORD_COLUMNS if c != "event_id_cnty"),
)
INSERT_SQL = (
    f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)
# A correction: every column but the id and the origin (the event stays with its upload).
UPDATE_COLUMNS = tuple(c for c in INSERT_COLUMNS if c not in ("event_id_cnty", "origin", "line"))
UPDATE_SQL = (
    f"UPDATE events SET {', '.join(f'{c} = ?' for c in UPDATE_COLUMNS)} WHERE event_id_cnty = ?"
)
# A checked record's values in INSERT_COLUMNS order, and in UPDATE_SQL's order.
record_values = operator.itemgetter(*INSERT_COLUMNS)
update_values = operator.itemgetter(*UPDATE_COLUMNS, "event_id_cnty")
