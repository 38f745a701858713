"""Building an EventView from the store (or from a frame), and its rows in full, by id.

The view's columns are read from SQLite in one read transaction with the version label they
show, through the ADBC SQLite driver in a child process when it is installed (straight into
Arrow: a million events in about two seconds; see arrowread for why a child) and through
sqlite3 otherwise. Full rows, which
only a page of the table, a popup or a download needs, are read back by id when asked for.
"""

from __future__ import annotations

import importlib.util
import logging
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from conflictmap.ingest.validation import ACLED_ONLY
from conflictmap.models import SCHEMA_COLUMNS, text_column
from conflictmap.store import arrowread
from conflictmap.store.arrowread import LABEL_KEY
from conflictmap.store.frames import events_frame
from conflictmap.store.views import ACTOR_COLUMNS, CODED, EventView, build_view

# What the view is built from; text columns COALESCEd so every value has one type.
# (The store's columns are typed; IFNULL keeps a column of one type for Arrow.)
_NUMERIC = {
    "time_precision": "IFNULL(time_precision, 1)",
    "geo_precision": "IFNULL(geo_precision, 1)",
    "fatalities": "IFNULL(fatalities, 0)",
    "latitude": "IFNULL(latitude, 1e999)",
    "longitude": "IFNULL(longitude, 1e999)",
}
_TEXT = ("event_date", *CODED, *ACTOR_COLUMNS)
_VIEW_SQL = (
    "SELECT id, "
    + ", ".join(
        [f"IFNULL({c}, '') AS {c}" for c in _TEXT]
        + [f"{sql} AS {c}" for c, sql in _NUMERIC.items()]
        + ["CASE WHEN time_precision >= 3 THEN IFNULL(date_text, '') ELSE '' END AS date_text"]
    )
    + " FROM events ORDER BY id"
)
_LABEL_SQL = "SELECT key, value FROM meta WHERE key IN ('id', 'version')"
log = logging.getLogger("conflictmap.store")
EXPORT_COLUMNS = (*SCHEMA_COLUMNS, *ACLED_ONLY, "extras")
_IN_CHUNK = 900
# Below this (some 30,000 events) sqlite3 in this process is quicker than starting the child.
SMALL_STORE_BYTES = 16 * 1024 * 1024
EXPORT_CHUNK = 50_000


def _label(rows: list[tuple[Any, Any]]) -> str:
    found = dict(rows)
    return f"{found.get('id', '')}:{found.get('version', '0')}"


def store_view(db_path: Path) -> EventView:
    """The view of the store at ``db_path`` as it is now (its label is the store's version)."""
    read = _read_arrow(db_path)
    columns, label = read if read is not None else _read_sqlite(db_path)
    ids = np.asarray(columns["id"], dtype=np.int64)
    return build_view(columns, label=label, source=StoreSource(db_path, ids))


def _read_arrow(db_path: Path) -> tuple[dict[str, Any], str] | None:
    """The columns through the ADBC driver in a child process (see arrowread), or None when
    that is not possible here (the driver not installed, the child failed)."""
    if importlib.util.find_spec("adbc_driver_sqlite") is None:
        return None
    if db_path.stat().st_size < SMALL_STORE_BYTES:
        return None  # sqlite3 reads a few thousand events faster than a child starts
    with tempfile.TemporaryDirectory(prefix="conflictmap-view-") as tmp:
        out = Path(tmp) / "view.arrow"
        try:
            subprocess.run(
                # Run as a file, not a module: the package's imports are not needed there.
                [sys.executable, arrowread.__file__, str(db_path), str(out), _VIEW_SQL],
                check=True,
                capture_output=True,
                timeout=600,
            )
            with pa.OSFile(str(out), "rb") as source:
                table = pa.ipc.open_file(source).read_all()
        except (OSError, subprocess.SubprocessError, pa.ArrowException) as exc:
            log.warning("reading the view through ADBC failed (%s); using sqlite3", exc)
            return None
        label = (table.schema.metadata or {}).get(LABEL_KEY, b"").decode()
        return {name: table.column(name) for name in table.column_names}, label


def _read_sqlite(db_path: Path) -> tuple[dict[str, Any], str]:
    with _connect(db_path) as db:
        db.execute("BEGIN")
        label = _label(db.execute(_LABEL_SQL).fetchall())
        cursor = db.execute(_VIEW_SQL)
        names = [d[0] for d in cursor.description]
        values = list(zip(*cursor.fetchall(), strict=True)) or [()] * len(names)
        db.execute("COMMIT")
    return dict(zip(names, values, strict=True)), label


def _connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)


class StoreSource:
    """Rows of a store view, read from the store by id (a write since leaves them out)."""

    def __init__(self, db_path: Path, ids: np.ndarray) -> None:
        self.db_path = Path(db_path)
        self.ids = ids

    def _fetch(self, positions: np.ndarray, columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        wanted = self.ids[positions].tolist()
        with _connect(self.db_path) as db:
            found: dict[int, tuple[Any, ...]] = {}
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                for row in db.execute(
                    f"SELECT id, {', '.join(columns)} FROM events WHERE id IN ({marks})", chunk
                ):
                    found[row[0]] = row[1:]
        return (found[i] for i in wanted if i in found)

    def rows(self, positions: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
        return events_frame(list(self._fetch(positions, columns)), columns)

    def search(self, text: str) -> np.ndarray:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with _connect(self.db_path) as db:
            found = np.fromiter(
                (
                    i
                    for (i,) in db.execute(
                        "SELECT id FROM events WHERE notes LIKE ? ESCAPE '\\'", (pattern,)
                    )
                ),
                dtype=np.int64,
            )
        return np.isin(self.ids, found)

    def export(self, positions: np.ndarray) -> pd.DataFrame:
        return events_frame(list(self._fetch(positions, EXPORT_COLUMNS)), EXPORT_COLUMNS)


class FrameSource:
    """Rows of a view built from a DataFrame (tests, the bundled sample, the CLI)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame.reset_index(drop=True)

    def rows(self, positions: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
        part = self.frame.iloc[positions]
        return part.reindex(columns=[c for c in columns]).reset_index(drop=True)

    def search(self, text: str) -> np.ndarray:
        notes = text_column(self.frame, "notes")
        return notes.str.contains(text, case=False, regex=False).to_numpy(dtype=bool)

    def export(self, positions: np.ndarray) -> pd.DataFrame:
        return self.frame.iloc[positions].reset_index(drop=True)


def frame_view(frame: pd.DataFrame, *, label: str = "frame") -> EventView:
    """The view of an event table in memory (row order kept: position i is row i)."""
    columns: dict[str, Any] = {"id": np.arange(len(frame), dtype=np.int64)}
    for column in (*_TEXT, *_NUMERIC, "date_text"):
        if column in frame:
            columns[column] = frame[column].to_numpy(dtype=object)
    return build_view(columns, label=label, source=FrameSource(frame))


def export_chunks(view: EventView, positions: np.ndarray) -> Iterator[pd.DataFrame]:
    """The events at ``positions`` in frames of EXPORT_CHUNK rows (memory stays bounded)."""
    for start in range(0, max(len(positions), 1), EXPORT_CHUNK):
        yield view.source.export(positions[start : start + EXPORT_CHUNK])
