"""The embedded event store: events and the uploads they came from, in one SQLite file."""

from __future__ import annotations

import gc
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from conflictmap.config import Settings
from conflictmap.errors import ConfigError, InputError, StoreError
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer
from conflictmap.geo.geocoders import make_geocoder
from conflictmap.geo.placefill import Geocoder, PlaceFiller, PlaceLookup
from conflictmap.ingest.csvio import RawTable, read_table
from conflictmap.ingest.reports import ImportReport
from conflictmap.ingest.validation import ACLED_ONLY, CheckedRows, check_rows
from conflictmap.models import SCHEMA_COLUMNS, Progress, RowProblem
from conflictmap.store.frames import events_frame, table_from_frame
from conflictmap.store.schema import (
    INSERT_SQL,
    SCHEMA_SQL,
    SCHEMA_VERSION,
    key_hash,
    record_values,
)
from conflictmap.store.snapshot import read_snapshot, snapshot_path, write_snapshot

__all__ = ["EventStore", "ImportReport", "RowProblem"]

ImportKind = Literal["file", "article", "seed"]
SEED_ORIGIN = "seed:events.csv"
UPLOAD_COLUMNS = (
    "origin",
    "file_name",
    "kind",
    "sha256",
    "imported_at",
    "rows_read",
    "accepted",
    "rejected",
    "duplicates",
)
# Rows written between two progress calls (and the most SQLite parameters one IN query takes).
_CHUNK = 5_000
_IN_CHUNK = 500
# How long a writer waits for another process's import to commit before giving up.
_BUSY_SECONDS = 120.0


def _now() -> str:
    """The one seam where the store reads the clock (import times)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class EventStore:
    """Events and uploads in SQLite (WAL, so the app reads while an import writes).

    Every upload is one transaction: it is all there or not at all.
    """

    def __init__(
        self,
        path: Path,
        *,
        settings: Settings | None = None,
        gazetteer: PlaceLookup | None = None,
        geocoder: Geocoder | None = None,
        clock: Callable[[], date] = date.today,
    ) -> None:
        self.path = Path(path)
        # The one seam for "today" (dates in the future are refused against it).
        self._clock = clock
        self.settings = settings or Settings.from_env()
        self._gazetteer = gazetteer
        self._geocoder = geocoder
        self._lock = threading.RLock()
        # events() frames by the version label they show (see _version_label).
        self._frames: dict[bool, tuple[str, pd.DataFrame]] = {}
        self.created = not self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE).
            self._db = sqlite3.connect(
                self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # 64 MB of page cache: a 100,000-row upload's index pages stay in memory until COMMIT.
            self._db.execute("PRAGMA cache_size=-65536")
            with self._transaction():
                self._create_tables()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the event store {str(self.path)!r}: {exc}; "
                "check the folder exists and is writable, or set CONFLICTMAP_DB_PATH"
            ) from exc

    def _create_tables(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'events'")
        if tables.fetchone()[0] and version != SCHEMA_VERSION:
            raise StoreError(
                f"the event store {str(self.path)!r} was made by another version of conflictmap "
                f"(schema {version}, this one reads {SCHEMA_VERSION}); export what you need, "
                "then move the file away (a new store is seeded from data/events.csv)"
            )
        for statement in SCHEMA_SQL.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('version', '0')")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('id', ?)", (uuid.uuid4().hex,))

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        path: Path | None = None,
        gazetteer: PlaceLookup | None = None,
        geocoder: Geocoder | None = None,
        seed: bool = True,
    ) -> EventStore:
        """The store at ``path`` (default Settings.store_path), made and seeded on first use.

        The seed is ``settings.seed_events_path`` (the package's sample events) as origin
        'seed:events.csv'; it is imported once, when the store is first made, never after a removal.
        """
        settings = settings or Settings.from_env()
        store = cls(
            path or settings.store_path, settings=settings, gazetteer=gazetteer, geocoder=geocoder
        )
        if seed:
            store._seed_once()
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def events(self, *, acled: bool = False) -> pd.DataFrame:
        """Every event, oldest first, with SCHEMA_COLUMNS (``event_date`` as ISO text).

        ``acled=True`` adds ACLED's other columns and each unknown upload column (for exports).
        """
        columns = [*SCHEMA_COLUMNS, *((*ACLED_ONLY, "extras") if acled else ())]
        with self._lock:
            try:
                # One read transaction: the version and the rows come from the same state.
                self._db.execute("BEGIN")
                try:
                    label = self._version_label()
                    cached = self._frames.get(acled)
                    if cached is not None and cached[0] == label:
                        # Copy-on-write: the caller may change its frame, never the cached one.
                        return cached[1].copy(deep=False)
                    snapshot = snapshot_path(self.path, acled=acled)
                    frame = read_snapshot(snapshot, label=label)
                    if frame is None:
                        rows = self._db.execute(
                            f"SELECT {', '.join(columns)} FROM events ORDER BY id"
                        ).fetchall()
                        frame = events_frame(rows, columns)
                        frame = frame.sort_values("event_date", kind="stable", ignore_index=True)
                        write_snapshot(snapshot, frame, label=label)
                finally:
                    self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read events from {str(self.path)!r}: {exc}") from exc
            self._frames[acled] = (label, frame)
        return frame.copy(deep=False)

    def version(self) -> str:
        """A label that changes with every committed write (import, removal), by any process.

        Cache keys for views of the store: equal labels mean equal contents.
        """
        with self._lock:
            return self._version_label()

    def _version_label(self) -> str:
        """'<store id>:<version>': changes with every committed write, unique to this store."""
        found = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('id', 'version')"))
        return f"{found.get('id', '')}:{found.get('version', '0')}"

    def uploads(self) -> pd.DataFrame:
        """One row per upload, newest first: UPLOAD_COLUMNS and ``events`` (how many remain)."""
        with self._lock:
            # No index on origin (it would slow every import); one scan counts them all.
            rows = self._db.execute(
                f"SELECT {', '.join('i.' + c for c in UPLOAD_COLUMNS)}, COALESCE(e.n, 0) "
                "FROM imports i LEFT JOIN "
                "(SELECT origin, COUNT(*) AS n FROM events GROUP BY origin) e USING (origin) "
                "ORDER BY i.imported_at DESC, i.rowid DESC"
            ).fetchall()
        return pd.DataFrame(rows, columns=[*UPLOAD_COLUMNS, "events"])

    def origin_of(self, sha256: str) -> str | None:
        """The origin of an earlier upload of exactly these bytes, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT origin FROM imports WHERE sha256 = ? ORDER BY imported_at LIMIT 1",
                (sha256,),
            ).fetchone()
        return row[0] if row else None

    def has_sha256(self, sha256: str) -> bool:
        """True when a file with these bytes was imported before."""
        return self.origin_of(sha256) is not None

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    # -- writing ---------------------------------------------------------------------------

    def import_file(
        self,
        data: bytes | Path,
        *,
        file_name: str | None = None,
        origin: str | None = None,
        geocoder: Geocoder | None = None,
        progress: Progress | None = None,
        today: date | None = None,
        kind: ImportKind = "file",
    ) -> ImportReport:
        """Read, check and store one CSV upload (``.csv`` or ``.csv.gz``) in one transaction.

        Raises InputError when the file cannot be read at all; every other fault is a
        row problem in the report. ``progress(fraction, message)`` is called while rows
        are placed and written. The origin defaults to 'file:<file name>'.
        """
        report = progress or _quiet
        report(0.0, "Reading the file")
        with _gc_paused():
            table = read_table(data, file_name=file_name)
            earlier = self.origin_of(table.sha256)
            checked, warnings = self._check(table, geocoder=geocoder, today=today, progress=report)
            result = self._write(
                checked,
                origin=origin or f"file:{table.file_name}",
                file_name=table.file_name,
                kind=kind,
                sha256=table.sha256,
                progress=report,
            )
        return replace(
            result,
            already_imported=earlier or "",
            encoding=table.encoding,
            delimiter=table.delimiter,
            warnings=warnings + result.warnings,
        )

    def add_events(
        self,
        df: pd.DataFrame,
        *,
        origin: str,
        file_name: str,
        kind: ImportKind = "article",
        sha256: str | None = None,
        geocoder: Geocoder | None = None,
        progress: Progress | None = None,
        today: date | None = None,
    ) -> ImportReport:
        """Store events from a table (e.g. an article's extraction, origin 'article:<title>').

        The rows go through the same checks as an upload; line numbers count as in a CSV
        of the table (the first row is line 2). Events already stored are duplicates.
        """
        table = table_from_frame(df, file_name=file_name, sha256=sha256)
        with _gc_paused():
            checked, warnings = self._check(
                table, geocoder=geocoder, today=today, progress=progress or _quiet
            )
            result = self._write(
                checked,
                origin=origin,
                file_name=file_name,
                kind=kind,
                sha256=sha256,
                progress=progress or _quiet,
            )
        return replace(result, warnings=warnings + result.warnings)

    def remove(self, origin: str) -> int:
        """Delete one upload and all its events; the number of events removed."""
        with self._lock, self._transaction():
            known = self._db.execute("SELECT 1 FROM imports WHERE origin = ?", (origin,)).fetchone()
            removed = self._db.execute("DELETE FROM events WHERE origin = ?", (origin,)).rowcount
            self._db.execute("DELETE FROM imports WHERE origin = ?", (origin,))
        if not known and not removed:
            raise StoreError(f"no upload with origin {origin!r}; `conflictmap uploads` lists them")
        return int(removed)

    # -- inside ----------------------------------------------------------------------------

    def _places(self, geocoder: Geocoder | None) -> tuple[PlaceFiller, tuple[RowProblem, ...]]:
        """The gazetteer and geocoder rows are placed with (loaded once, on first need)."""
        problem: tuple[RowProblem, ...] = ()
        try:
            if self._gazetteer is None:
                # The process-wide gazetteer, unless these settings name another file.
                other = self.settings.gazetteer_file
                self._gazetteer = default_gazetteer() if other is None else Gazetteer.load(other)
            if geocoder is None and self._geocoder is None:
                shared = self._gazetteer if isinstance(self._gazetteer, Gazetteer) else None
                self._geocoder = make_geocoder(self.settings, gazetteer=shared)
        except ConfigError as exc:
            problem = (
                RowProblem(
                    0,
                    "",
                    f"the offline gazetteer is not available ({exc}); place names were not "
                    "geocoded and provinces not filled",
                ),
            )
        return PlaceFiller(self._gazetteer, geocoder=geocoder or self._geocoder), problem

    def _check(
        self,
        table: RawTable,
        *,
        geocoder: Geocoder | None,
        today: date | None,
        progress: Progress,
    ) -> tuple[CheckedRows, tuple[RowProblem, ...]]:
        places, warnings = self._places(geocoder)
        checked = check_rows(
            table,
            today=today or self._clock(),
            places=places,
            progress=lambda f, m: progress(0.05 + 0.75 * f, m),
        )
        return checked, warnings

    def _write(
        self,
        checked: CheckedRows,
        *,
        origin: str,
        file_name: str,
        kind: ImportKind,
        sha256: str | None,
        progress: Progress,
    ) -> ImportReport:
        records = checked.records
        with self._lock, self._transaction():
            fresh = self._not_stored(records)
            wanted = origin
            if kind == "file" and fresh:
                origin = self._free_origin(origin)
            accepted = 0
            for start in range(0, len(fresh), _CHUNK):
                chunk = fresh[start : start + _CHUNK]
                progress(0.8 + 0.2 * start / len(fresh), f"Writing events {start:,}/{len(fresh):,}")
                for record in chunk:
                    record["origin"] = origin
                cursor = self._db.executemany(INSERT_SQL, map(record_values, chunk))
                accepted += max(cursor.rowcount, 0)
            if not accepted:
                origin = wanted
            rejected = len(checked.rejected_lines)
            # Counted, not inferred: a row lost on the way would show as a broken sum.
            duplicates = checked.duplicates_in_file + len(records) - accepted
            if accepted or kind == "seed":
                self._record_import(
                    origin,
                    file_name=file_name,
                    kind=kind,
                    sha256=sha256,
                    counts=(checked.rows_read, accepted, rejected, duplicates),
                )
            if kind == "seed":
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('seeded', ?)", (origin,))
        progress(1.0, "Done")
        return ImportReport(
            origin=origin,
            file_name=file_name,
            sha256=sha256 or "",
            rows_read=checked.rows_read,
            accepted=accepted,
            rejected=rejected,
            duplicates=duplicates,
            duplicates_in_file=checked.duplicates_in_file,
            geocoded=checked.geocoded,
            not_geocoded=checked.not_geocoded,
            blank_rows=checked.blank_rows,
            problems=checked.problems,
            warnings=checked.warnings,
        )

    def _not_stored(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Records without an id of their own whose natural key is stored already, left out.

        Records with an id are all kept: INSERT OR IGNORE skips (and counts) those stored.
        """
        for record in records:
            record["key_hash"] = key_hash(record["key"])
        # The key's hash finds candidates through a small integer index; the key itself decides.
        keys = self._existing(
            "natural_key", "key_hash", [r["key_hash"] for r in records if not r["id_given"]]
        )
        return [r for r in records if r["id_given"] or r["key"] not in keys]

    def _existing(self, column: str, where: str, values: Sequence[Any]) -> set[Any]:
        found: set[Any] = set()
        for start in range(0, len(values), _IN_CHUNK):
            chunk = values[start : start + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            found.update(
                v
                for (v,) in self._db.execute(
                    f"SELECT {column} FROM events WHERE {where} IN ({marks})", chunk
                )
            )
        return found

    def _free_origin(self, origin: str) -> str:
        """``origin``, or 'origin (2)', 'origin (3)'… when another upload has that name."""
        taken = {o for (o,) in self._db.execute("SELECT origin FROM imports")}
        candidate, n = origin, 1
        while candidate in taken:
            n += 1
            candidate = f"{origin} ({n})"
        return candidate

    def _record_import(
        self,
        origin: str,
        *,
        file_name: str,
        kind: str,
        sha256: str | None,
        counts: tuple[int, int, int, int],
    ) -> None:
        existing = self._db.execute(
            "SELECT rows_read, accepted, rejected, duplicates FROM imports WHERE origin = ?",
            (origin,),
        ).fetchone()
        if existing:
            # The same article extracted again: its upload grows.
            totals = tuple(a + b for a, b in zip(existing, counts, strict=True))
            self._db.execute(
                "UPDATE imports SET rows_read = ?, accepted = ?, rejected = ?, duplicates = ?, "
                "imported_at = ? WHERE origin = ?",
                (*totals, _now(), origin),
            )
            return
        self._db.execute(
            f"INSERT INTO imports ({', '.join(UPLOAD_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (origin, file_name, kind, sha256, _now(), *counts),
        )

    def _seed_once(self) -> None:
        with self._lock:
            seeded = self._db.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
        if seeded:
            return
        seed = self.settings.seed_events_path
        if not seed.exists():
            with self._lock, self._transaction():
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('seeded', '')")
            return
        try:
            self.import_file(seed, origin=SEED_ORIGIN, kind="seed")
        except InputError as exc:
            raise StoreError(f"cannot seed the store from {str(seed)!r}: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; anything raised inside rolls everything back."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(
                f"the event store {str(self.path)!r} is busy or locked: {exc}"
            ) from exc
        changes = self._db.total_changes
        try:
            yield
            if self._db.total_changes != changes:
                self._db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
                )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to the event store {str(self.path)!r}: {exc}") from exc


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold the cycle collector while an upload is checked and written.

    An upload makes hundreds of thousands of small dicts and tuples, none in a cycle; the
    collector would walk them over and over (a third of the import time at 100,000 rows).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _quiet(fraction: float, message: str) -> None:
    """The progress callback used when nobody listens."""
