"""The event store's tables: SQL, schema version, and how a checked record becomes a row."""

from __future__ import annotations

import operator
import zlib

from conflictmap.ingest.validation import FLOAT_COLUMNS, INT_COLUMNS, RECORD_COLUMNS


def _sql_type(column: str) -> str:
    return "INTEGER" if column in INT_COLUMNS else "REAL" if column in FLOAT_COLUMNS else "TEXT"


_EVENT_COLUMNS_SQL = ",\n    ".join(
    f"{c} {_sql_type(c)}" for c in RECORD_COLUMNS if c != "event_id_cnty"
)
SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_id_cnty TEXT NOT NULL UNIQUE,
    natural_key TEXT NOT NULL,
    key_hash INTEGER NOT NULL,
    {_EVENT_COLUMNS_SQL}
);
CREATE INDEX IF NOT EXISTS events_key_hash ON events (key_hash);
CREATE TABLE IF NOT EXISTS imports (
    origin TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT,
    imported_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS imports_sha256 ON imports (sha256);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Bumped when the tables change; a store made by another version is refused, not guessed at.
SCHEMA_VERSION = 2
INSERT_COLUMNS = (
    "event_id_cnty",
    "natural_key",
    "key_hash",
    *(c for c in RECORD_COLUMNS if c != "event_id_cnty"),
)
INSERT_SQL = (
    f"INSERT OR IGNORE INTO events ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)


def key_hash(key: str) -> int:
    """A natural key as a 32-bit integer, for a compact index (the key itself decides)."""
    return zlib.crc32(key.encode("utf-8"))


# A checked record's values in INSERT_COLUMNS order (its natural key is under "key").
record_values = operator.itemgetter(*("key" if c == "natural_key" else c for c in INSERT_COLUMNS))
