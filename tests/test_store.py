"""The event store: uploads, de-duplication, corrections, removal, article events, and faults."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.config import Settings
from conflictmap.errors import InputError, StoreError
from conflictmap.ingest.csvio import checksum
from conflictmap.store.eventstore import EventStore
from conftest import open_test_store

UPLOADS = Path(__file__).parent / "data" / "uploads"
TODAY = date(2025, 6, 1)


def many_rows_csv(count: int, *, prefix: str, start: int = 0) -> bytes:
    """``count`` events with distinct ids, sharing a few places (deterministic)."""
    places = [("Kabul", 34.53, 69.17), ("Ghazni", 33.55, 68.42), ("Herat", 34.35, 62.2)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["event_id_cnty", "event_date", "location", "country", "latitude", "longitude"])
    for i in range(start, start + count):
        name, lat, lon = places[i % len(places)]
        day = date(2021, 1 + i % 12, 1 + i % 28).isoformat()
        writer.writerow([f"{prefix}{i}", day, name, "Afghanistan", lat, lon])
    return out.getvalue().encode()


def snapshot(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        events = db.execute("SELECT * FROM events ORDER BY id").fetchall()
        imports = db.execute("SELECT * FROM imports ORDER BY origin").fetchall()
    return events, imports


def test_a_new_store_is_never_seeded_with_sample_events(tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_bytes((UPLOADS / "own_schema.csv").read_bytes())
    store = EventStore.open(Settings(data_dir=tmp_path, sample_file=sample), gazetteer=None)
    assert len(store) == 0 and store.uploads().empty
    store.close()


def test_a_store_without_a_seed_file_starts_empty(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    assert len(store) == 0
    assert store.events().columns[0] == "event_id_cnty"
    assert store.uploads().empty


def test_remove_takes_one_upload_and_all_its_events(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    store.import_file(UPLOADS / "acled_current.csv", today=TODAY)
    store.import_file(UPLOADS / "tabs.csv", today=TODAY)
    assert len(store) == 5
    assert store.remove("file:acled_current.csv") == 3
    assert set(store.events()["origin"]) == {"file:tabs.csv"}
    assert store.uploads()["origin"].tolist() == ["file:tabs.csv"]
    with pytest.raises(StoreError, match="no upload with origin"):
        store.remove("file:acled_current.csv")


def test_same_name_different_bytes_gets_its_own_origin(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    first = store.import_file(many_rows_csv(3, prefix="A"), file_name="x.csv", today=TODAY)
    second = store.import_file(many_rows_csv(3, prefix="B"), file_name="x.csv", today=TODAY)
    assert (first.origin, second.origin) == ("file:x.csv", "file:x.csv (2)")
    assert store.has_sha256(first.sha256) and not store.has_sha256("0" * 64)
    assert store.remove("file:x.csv (2)") == 3


def test_rows_without_ids_are_duplicates_only_when_every_field_is_equal(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    head = "date,place,event_type,actor1,notes,fatalities,latitude,longitude\n"
    same = "2021-08-12,Ghazni,Battles,Taliban,one,2,33.55,68.42\n"
    first = store.import_file((head + same).encode(), file_name="a.csv", today=TODAY)
    second = store.import_file(
        (
            head
            + " 2021-08-12 , Ghazni ,Battles,Taliban, one ,2,33.55,68.42\n"  # equal after trimming
            + "2021-08-12,Ghazni,Battles,Taliban,other words,2,33.55,68.42\n"  # notes differ
            + "2021-08-12,Ghazni,Battles,Taliban,one,3,33.55,68.42\n"  # deaths differ
            + "2021-08-12,Ghazni,Battles,Taliban,one,2,33.56,68.42\n"  # a point elsewhere
            + "2021-08-12,Ghazni,Battles,Taliban,other words,2,33.55,68.42\n"  # repeats line 3
        ).encode(),
        file_name="b.csv",
        today=TODAY,
    )
    assert (first.accepted, second.accepted, second.duplicates, second.updated) == (1, 3, 2, 0)
    assert [(r.line, r.of_line) for r in second.repeats] == [(2, 0), (6, 3)]
    assert second.repeats[0].event_id == store.events()["event_id_cnty"].iloc[0]
    events = store.events()
    assert sorted(events["fatalities"]) == [2, 2, 2, 3]
    assert sorted(events["notes"]) == ["one", "one", "one", "other words"]
    assert sorted(events["latitude"].round(2)) == [33.55, 33.55, 33.55, 33.56]


def test_twelve_hundred_rows_at_one_place_and_day_are_twelve_hundred_events(
    tmp_path: Path,
) -> None:
    store = open_test_store(tmp_path)
    rows = "".join(f"2021-08-12,Kabul,34.53,69.17,note {i}\n" for i in range(1_200))
    report = store.import_file(
        ("date,place,lat,lon,notes\n" + rows).encode(), file_name="same.csv", today=TODAY
    )
    assert (report.accepted, report.duplicates) == (1_200, 0)
    assert len(store) == 1_200


def test_a_known_id_with_other_values_is_a_correction_that_updates_the_event(
    tmp_path: Path,
) -> None:
    store = open_test_store(tmp_path)
    head = "event_id_cnty,event_date,location,latitude,longitude,fatalities,notes\n"
    store.import_file(
        (
            head
            + "AFG1,2021-08-12,Ghazni,33.55,68.42,2,first report\n"
            + "AFG2,2021-08-13,Kabul,34.53,69.17,0,calm\n"
        ).encode(),
        file_name="v1.csv",
        today=TODAY,
    )
    report = store.import_file(
        (
            head
            + "AFG1,2021-08-12,Ghazni,33.55,68.42,5,[Updated] five killed\n"
            + "AFG2,2021-08-13,Kabul,34.53,69.17,0,calm\n"
            + "AFG3,2021-08-14,Herat,34.35,62.2,1,new\n"
            + "AFG3,2021-08-14,Herat,34.35,62.2,4,revised in the same file\n"
        ).encode(),
        file_name="v2.csv",
        today=TODAY,
    )
    assert (report.rows_read, report.accepted, report.updated, report.duplicates) == (4, 1, 2, 1)
    assert [(u.line, u.event_id, u.of_line) for u in report.updates] == [
        (2, "AFG1", 0),
        (5, "AFG3", 4),
    ]
    assert [(r.line, r.event_id) for r in report.repeats] == [(3, "AFG2")]
    events = store.events().set_index("event_id_cnty")
    assert len(events) == 3
    assert events.loc["AFG1", "fatalities"] == 5
    assert events.loc["AFG1", "notes"] == "[Updated] five killed"
    assert events.loc["AFG1", "origin"] == "file:v1.csv", "a correction stays with its upload"
    assert events.loc["AFG3", "fatalities"] == 4
    assert store.uploads().set_index("origin").loc["file:v2.csv", "accepted"] == 1


def test_article_events_go_through_the_same_checks_and_merge_by_origin(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    df = pd.DataFrame(
        {
            "event_id_cnty": ["CMART1", "CMART2", "CMART3"],
            "event_date": [date(2021, 8, 12), None, pd.Timestamp("2021-08-11")],
            "event_type": ["Battles", "Battles", "Strategic developments"],
            "location": ["Ghazni", "Kabul", "Doha"],
            "latitude": [33.55391, 34.52813, None],
            "longitude": [68.42096, 69.17233, None],
            "fatalities": [0, 2, pd.NA],
            "place_mention": ["Ghazni", "Kabul", "Doha"],
        }
    )
    report = store.add_events(
        df, origin="article:Power-sharing offer", file_name="000.txt", today=TODAY
    )
    assert (report.rows_read, report.accepted, report.rejected, report.geocoded) == (3, 2, 1, 1)
    assert report.problems[0].line == 3 and report.problems[0].column == "event_date"
    again = store.add_events(df.iloc[:1], origin="article:Power-sharing offer", file_name="000.txt")
    assert (again.accepted, again.duplicates) == (0, 1)
    uploads = store.uploads()
    assert uploads[["origin", "kind", "accepted", "events"]].values.tolist() == [
        ["article:Power-sharing offer", "article", 2, 2]
    ]
    doha = store.events().set_index("event_id_cnty").loc["CMART3"]
    assert doha["country"] == "Qatar" and doha["event_date"] == "2021-08-11"


def test_progress_is_reported_while_placing_and_writing(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    calls: list[tuple[float, str]] = []
    store.import_file(
        UPLOADS / "minimal_place.csv", today=TODAY, progress=lambda f, m: calls.append((f, m))
    )
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("Geocoding" in m for _, m in calls)


def test_a_failure_while_writing_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    store.import_file(UPLOADS / "acled_current.csv", today=TODAY)
    before = snapshot(store.path)

    def explode(fraction: float, message: str) -> None:
        # After the first piece of 20,000 rows is written, inside the transaction.
        if message.startswith("Writing events"):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        store.import_file(
            many_rows_csv(45_000, prefix="F"), file_name="f.csv", progress=explode, today=TODAY
        )
    assert snapshot(store.path) == before
    assert len(store) == 3


def test_an_unreadable_file_changes_nothing(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    store.import_file(UPLOADS / "tabs.csv", today=TODAY)
    before = snapshot(store.path)
    with pytest.raises(InputError):
        store.import_file(UPLOADS / "random_bytes.csv")
    with pytest.raises(InputError, match="cannot read"):
        store.import_file(tmp_path / "missing.csv")
    assert snapshot(store.path) == before


CHILD = """
import sys, time
from pathlib import Path
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore

db, data, marker = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
store = EventStore.open(Settings(data_dir=db.parent), path=db)

def stall(fraction, message):
    # Called inside the transaction after the first piece is written: tell the parent, wait.
    if message.startswith("Writing events"):
        marker.write_text("writing")
        time.sleep(600)

store.import_file(data, progress=stall if marker.name != "none" else None)
"""


def run_child(db: Path, data: Path, marker: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(data), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_an_import_killed_halfway_leaves_the_store_exactly_as_before(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    store.import_file(UPLOADS / "acled_current.csv", today=TODAY)
    store.close()
    before = snapshot(tmp_path / "events.db")
    data = tmp_path / "big.csv"
    data.write_bytes(many_rows_csv(45_000, prefix="K"))
    marker = tmp_path / "writing.marker"
    child = run_child(tmp_path / "events.db", data, marker)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()[1].decode()
        assert time.monotonic() < deadline, "the child never started writing"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert snapshot(tmp_path / "events.db") == before
    reopened = open_test_store(tmp_path)
    assert len(reopened) == 3
    assert not reopened.has_sha256(checksum(data).sha256)
    assert reopened.import_file(data, today=TODAY).accepted == 45_000
    assert len(reopened) == 45_003


def test_two_imports_at_once_lose_nothing(tmp_path: Path) -> None:
    open_test_store(tmp_path).close()
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(many_rows_csv(6_000, prefix="C", start=0))
    second.write_bytes(many_rows_csv(6_000, prefix="C", start=4_000))  # 2,000 in common
    none = tmp_path / "none"
    children = [run_child(tmp_path / "events.db", f, none) for f in (first, second)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()
    store = open_test_store(tmp_path)
    ids = set(store.events()["event_id_cnty"])
    assert ids == {f"C{i}" for i in range(10_000)}
    uploads = store.uploads().set_index("origin")
    assert uploads["accepted"].sum() == 10_000
    assert uploads["duplicates"].sum() == 2_000
    assert snapshot(store.path)[1]  # integrity ok, imports recorded


def test_events_follow_writes_from_other_connections_and_never_read_a_stale_snapshot(
    tmp_path: Path,
) -> None:
    reader = open_test_store(tmp_path)
    writer = open_test_store(tmp_path)
    empty = reader.version()
    writer.import_file(UPLOADS / "acled_current.csv", today=TODAY)
    assert reader.version() != empty
    unchanged = reader.version()
    writer.import_file(UPLOADS / "acled_current.csv", today=TODAY)  # all duplicates
    assert reader.version() == unchanged
    assert len(reader.events()) == 3
    assert (tmp_path / "events.db-events.arrow").exists()
    assert len(open_test_store(tmp_path).events()) == 3  # a new process reads the snapshot
    writer.import_file(UPLOADS / "tabs.csv", today=TODAY)
    assert len(reader.events()) == 5
    writer.remove("file:tabs.csv")
    assert len(reader.events()) == 3
    pd.testing.assert_frame_equal(reader.events(), writer.events())
    for store in (reader, writer):
        store.close()
    (tmp_path / "events.db").unlink()
    for leftover in tmp_path.glob("events.db-*"):
        if leftover.suffix != ".arrow":
            leftover.unlink()
    assert len(open_test_store(tmp_path).events()) == 0, (
        "a new store must not show the old snapshot"
    )


def test_a_store_from_another_schema_version_is_refused(tmp_path: Path) -> None:
    open_test_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "events.db") as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="another version of conflictmap"):
        open_test_store(tmp_path)
