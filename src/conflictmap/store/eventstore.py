"""The embedded event store: events and the uploads they came from, in one SQLite file."""

from __future__ import annotations

import gc
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from conflictmap.config import Settings
from conflictmap.errors import ConfigError, InputError, StoreError
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer
from conflictmap.geo.geocoders import make_geocoder
from conflictmap.geo.placefill import Geocoder, PlaceFiller, PlaceLookup
from conflictmap.ingest.csvio import RowChunk, checksum, open_upload
from conflictmap.ingest.dedupe import Known, classify
from conflictmap.ingest.reports import ImportReport, Repeat
from conflictmap.ingest.validation import ACLED_ONLY, CheckedRows, RowChecker
from conflictmap.models import SCHEMA_COLUMNS, Progress, RowProblem
from conflictmap.store.frames import events_frame, table_from_frame
from conflictmap.store.schema import (
    INSERT_SQL,
    SCHEMA_SQL,
    SCHEMA_VERSION,
    UPDATE_SQL,
    record_values,
    update_values,
)
from conflictmap.store.snapshot import read_snapshot, snapshot_path, write_snapshot

__all__ = ["EventStore", "ImportReport", "RowProblem"]

ImportKind = Literal["file", "article", "seed"]
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
            if not self._ready():
                with self._transaction():
                    self._create_tables()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the event store {str(self.path)!r}: {exc}; "
                "check the folder exists and is writable, or set CONFLICTMAP_DB_PATH"
            ) from exc

    def _ready(self) -> bool:
        """True when the tables are there in this version (a read-only store opens for reading)."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        found = self._db.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('events', 'imports', 'meta')"
        ).fetchone()[0]
        return bool(version == SCHEMA_VERSION and found == 3)

    def _create_tables(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'events'")
        if tables.fetchone()[0] and version != SCHEMA_VERSION:
            raise StoreError(
                f"the event store {str(self.path)!r} was made by another version of conflictmap "
                f"(schema {version}, this one reads {SCHEMA_VERSION}); export what you need, "
                "then move the file away (a new, empty store is made)"
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
        seed: bool = False,
    ) -> EventStore:
        """The store at ``path`` (default Settings.store_path), made empty on first use.

        A store is never seeded with the sample events (the app shows those, read-only,
        while the store is empty); ``seed`` is accepted for old callers and has no effect.
        """
        settings = settings or Settings.from_env()
        return cls(
            path or settings.store_path, settings=settings, gazetteer=gazetteer, geocoder=geocoder
        )

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

        The file is read, checked and written in pieces, so memory stays bounded whatever its
        size. The very same bytes imported before are answered from the earlier import's
        record without reading them again. Raises InputError when the file cannot be read at
        all, StoreError when the store cannot be written; every other fault is a row problem
        in the report. ``progress(fraction, message)`` is called as the file is read.
        The origin defaults to 'file:<file name>'.
        """
        report = progress or _quiet
        report(0.0, "Reading the file")
        name = file_name or (data.name if isinstance(data, Path) else "upload.csv")
        summed = checksum(data)
        earlier = self.origin_of(summed.sha256)
        if earlier is not None and kind == "file":
            again = self._report_of(earlier, file_name=name)
            if again is not None:
                report(1.0, "Done: imported before")
                return again
        upload = open_upload(data, file_name=name, checked=summed)
        checker = RowChecker(
            upload.columns, upload.header, file_name=upload.file_name, today=today or self._clock()
        )

        def pieces(only: Container[int] | None) -> Iterator[tuple[RowChunk, bool]]:
            for chunk in upload.chunks(only=only):
                yield chunk, only is not None

        result = self._import(
            pieces,
            checker,
            origin=origin or f"file:{upload.file_name}",
            file_name=upload.file_name,
            kind=kind,
            sha256=upload.sha256,
            geocoder=geocoder,
            progress=report,
            notes=upload.header_notes,
        )
        return replace(
            result,
            already_imported=earlier or "",
            encoding=upload.encoding,
            delimiter=upload.delimiter,
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
        of the table (the first row is line 2). Events already stored are duplicates, or
        updates when their values changed.
        """
        table = table_from_frame(df, file_name=file_name, sha256=sha256)
        checker = RowChecker(
            table.columns, table.header, file_name=file_name, today=today or self._clock()
        )
        rows = [(line, list(cells)) for line, cells in table.rows]

        def pieces(only: Container[int] | None) -> Iterator[tuple[RowChunk, bool]]:
            chosen = rows if only is None else [r for r in rows if r[0] in only]
            yield RowChunk(chosen, 0, [], 1.0), only is not None

        return self._import(
            pieces,
            checker,
            origin=origin,
            file_name=file_name,
            kind=kind,
            sha256=sha256,
            geocoder=geocoder,
            progress=progress or _quiet,
            notes=(),
        )

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

    def _import(
        self,
        pieces: Callable[[Container[int] | None], Iterator[tuple[RowChunk, bool]]],
        checker: RowChecker,
        *,
        origin: str,
        file_name: str,
        kind: ImportKind,
        sha256: str | None,
        geocoder: Geocoder | None,
        progress: Progress,
        notes: tuple[RowProblem, ...],
    ) -> ImportReport:
        """Check and write every piece in one transaction; the report of it all."""
        places, place_notes = self._places(geocoder)
        checker.use_gazetteer(self._gazetteer)
        tally = _Tally(warnings=[*notes, *place_notes])
        with _gc_paused(), self._lock, self._transaction():
            wanted = origin
            if kind == "file":
                origin = self._free_origin(origin)
            deferred: list[int] = []
            done = 0.0
            for only in (None, "deferred"):
                if only == "deferred" and not deferred:
                    break
                lines = None if only is None else frozenset(deferred)
                for chunk, final in pieces(lines):
                    start, done = done, max(done, chunk.fraction * 0.98)

                    def placing(f: float, m: str, a: float = start, b: float = done) -> None:
                        progress(a + (b - a) * 0.5 * f, m)

                    checked = checker.check(
                        chunk.rows, places=places, progress=placing, final=final
                    )
                    deferred.extend(checked.deferred)
                    tally.add(chunk, checked)
                    self._write(checked.records, origin=origin, tally=tally)
                    progress(done, f"Writing events: {tally.rows_read:,} rows done")
            if not tally.rows_read:
                raise InputError(
                    f"{file_name!r} has a header but no rows under it; add at least one event"
                )
            if tally.accepted or tally.updated:
                self._record_import(
                    origin, file_name=file_name, kind=kind, sha256=sha256, tally=tally
                )
            else:
                origin = wanted
        progress(1.0, "Done")
        return tally.report(origin=origin, file_name=file_name, sha256=sha256 or "")

    def _write(self, records: list[dict[str, Any]], *, origin: str, tally: _Tally) -> None:
        """Insert new events, apply corrections and actor merges; count repeats."""
        if not records:
            return
        ids = json.dumps(list({r["event_id_cnty"] for r in records}), ensure_ascii=False)
        known = {
            row[0]: Known(*row[1:])
            for row in self._db.execute(
                "SELECT event_id_cnty, content_hash, core_hash, origin, line, actor1, actor2 "
                "FROM events WHERE event_id_cnty IN (SELECT value FROM json_each(?))",
                (ids,),
            )
        }
        decided = classify(records, known, origin=origin)
        for record in decided.inserts:
            record["origin"] = origin
        self._db.executemany(INSERT_SQL, map(record_values, decided.inserts))
        self._db.executemany(UPDATE_SQL, map(update_values, decided.updates))
        self._db.executemany(
            "UPDATE events SET actor2 = ?, inter2 = COALESCE(NULLIF(inter2, ''), ?), "
            "assoc_actor_2 = COALESCE(NULLIF(assoc_actor_2, ''), ?) "
            "WHERE event_id_cnty = ? AND actor2 = ''",
            decided.merges,
        )
        tally.accepted += len(decided.inserts)
        tally.updated += len(decided.corrections)
        tally.repeats.extend(decided.repeats)
        tally.updates.extend(decided.corrections)

    def _report_of(self, origin: str, *, file_name: str) -> ImportReport | None:
        """What importing the same bytes as upload ``origin`` again does: nothing new."""
        with self._lock:
            row = self._db.execute(
                "SELECT rows_read, rejected, problems, sha256 FROM imports WHERE origin = ?",
                (origin,),
            ).fetchone()
        if row is None or row[2] is None:
            return None
        rows_read, rejected, problems, sha256 = row
        return ImportReport(
            origin=origin,
            file_name=file_name,
            sha256=sha256,
            rows_read=rows_read,
            accepted=0,
            rejected=rejected,
            duplicates=rows_read - rejected,
            problems=tuple(RowProblem(*p) for p in json.loads(problems)),
            already_imported=origin,
        )

    def _free_origin(self, origin: str) -> str:
        """``origin``, or 'origin (2)', 'origin (3)'… when another upload has that name."""
        taken = {o for (o,) in self._db.execute("SELECT origin FROM imports")}
        candidate, n = origin, 1
        while candidate in taken:
            n += 1
            candidate = f"{origin} ({n})"
        return candidate

    def _record_import(
        self, origin: str, *, file_name: str, kind: str, sha256: str | None, tally: _Tally
    ) -> None:
        counts = (tally.rows_read, tally.accepted, tally.rejected, tally.duplicates, tally.updated)
        existing = self._db.execute(
            "SELECT rows_read, accepted, rejected, duplicates, updated FROM imports "
            "WHERE origin = ?",
            (origin,),
        ).fetchone()
        if existing:
            # The same article extracted again: its upload grows.
            totals = tuple(a + b for a, b in zip(existing, counts, strict=True))
            self._db.execute(
                "UPDATE imports SET rows_read = ?, accepted = ?, rejected = ?, duplicates = ?, "
                "updated = ?, imported_at = ?, problems = NULL WHERE origin = ?",
                (*totals, _now(), origin),
            )
            return
        problems = json.dumps(
            [(p.line, p.column, p.reason) for p in tally.problems], ensure_ascii=False
        )
        self._db.execute(
            f"INSERT INTO imports ({', '.join(UPLOAD_COLUMNS)}, updated, problems) "
            f"VALUES ({', '.join('?' for _ in UPLOAD_COLUMNS)}, ?, ?)",
            (origin, file_name, kind, sha256, _now(), *counts[:4], tally.updated, problems),
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; anything raised inside rolls everything back.

        SQLite rolls back by itself on some failures (a full disk); the ROLLBACK after it is
        skipped then, so the error the user sees is the first one, not "no transaction".
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(_write_failure(self.path, exc, busy=True)) from exc
        changes = self._db.total_changes
        try:
            yield
            if self._db.total_changes != changes:
                self._db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
                )
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                # Already rolled back by SQLite: the first error is the one to tell.
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_write_failure(self.path, exc)) from exc
            raise


def _write_failure(path: Path, exc: sqlite3.Error, *, busy: bool = False) -> str:
    """One line saying why the store could not be written, and what to do."""
    text = str(exc)
    where = f"cannot write to the event store {str(path)!r}"
    if "full" in text:
        return (
            f"{where}: the disk is full ({text}); free some space or set CONFLICTMAP_DB_PATH "
            "to another disk, then import again (nothing was changed)"
        )
    if "readonly" in text or "read-only" in text:
        return (
            f"{where}: the file or its folder is read-only ({text}); make it writable or set "
            "CONFLICTMAP_DB_PATH, then import again (nothing was changed)"
        )
    if busy or "locked" in text:
        return f"{where}: it is busy or locked ({text}); try again when the other import ends"
    return f"{where}: {text} (nothing was changed)"


@dataclass(slots=True)
class _Tally:
    """Counts and lists of one import as its pieces go by."""

    rows_read: int = 0
    accepted: int = 0
    updated: int = 0
    geocoded: int = 0
    not_geocoded: int = 0
    blank_rows: int = 0
    rejected_lines: set[int] = field(default_factory=set)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    updates: list[Repeat] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejected_lines)

    @property
    def duplicates(self) -> int:
        return len(self.repeats)

    def add(self, chunk: RowChunk, checked: CheckedRows) -> None:
        self.rows_read += checked.rows_read + len({p.line for p in chunk.problems})
        self.blank_rows += chunk.blank_rows
        self.geocoded += checked.geocoded
        self.not_geocoded += checked.not_geocoded
        self.rejected_lines.update(checked.rejected_lines)
        self.rejected_lines.update(p.line for p in chunk.problems)
        self.problems.extend(chunk.problems)
        self.problems.extend(checked.problems)
        self.warnings.extend(checked.warnings)

    def report(self, *, origin: str, file_name: str, sha256: str) -> ImportReport:
        return ImportReport(
            origin=origin,
            file_name=file_name,
            sha256=sha256,
            rows_read=self.rows_read,
            accepted=self.accepted,
            updated=self.updated,
            rejected=self.rejected,
            duplicates=self.duplicates,
            duplicates_in_file=sum(1 for r in self.repeats if r.of_line),
            geocoded=self.geocoded,
            not_geocoded=self.not_geocoded,
            blank_rows=self.blank_rows,
            problems=tuple(sorted(self.problems, key=lambda p: p.line)),
            warnings=tuple(sorted(self.warnings, key=lambda p: p.line)),
            repeats=tuple(sorted(self.repeats, key=lambda r: r.line)),
            updates=tuple(sorted(self.updates, key=lambda r: r.line)),
        )


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
