"""Awkward uploads, one file each under tests/data/ingest_classes/: what ends up stored."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conflictmap.cli import main
from conflictmap.errors import StoreError
from conflictmap.ingest.csvio import open_upload, read_table
from conflictmap.ingest.reports import ImportReport
from conflictmap.ingest.textcodec import decode_text
from conflictmap.store.eventstore import EventStore
from conftest import open_test_store

CLASSES = Path(__file__).parent / "data" / "ingest_classes"
TODAY = date(2025, 6, 1)


def imported(tmp_path: Path, name: str) -> tuple[ImportReport, pd.DataFrame]:
    store = open_test_store(tmp_path)
    report = store.import_file(CLASSES / name, today=TODAY)
    assert report.rows_read == (
        report.accepted + report.updated + report.rejected + report.duplicates
    )
    return report, store.events(acled=True).set_index("notes")


def test_a_22_digit_death_count_rejects_its_row_and_thousands_are_read_whole(
    tmp_path: Path,
) -> None:
    report, events = imported(tmp_path, "numbers.csv")
    assert [(p.line, p.column) for p in report.problems] == [(2, "fatalities")]
    assert "more than 1,000,000" in report.problems[0].reason
    assert events.loc["thousands with a comma", "fatalities"] == 12_000
    assert events.loc["thousands with a space", "fatalities"] == 12_000
    assert events.loc["plain", "fatalities"] == 3
    assert "typo in deaths" not in events.index


def test_excel_sep_line_names_the_delimiter_and_is_no_header(tmp_path: Path) -> None:
    report, events = imported(tmp_path, "excel_sep.csv")
    assert (report.delimiter, report.accepted, report.rejected) == (";", 1, 0)
    row = events.loc["excel wrote this"]
    assert (row["event_date"], row["location"]) == ("2021-08-12", "Ghazni")
    assert (row["latitude"], row["longitude"]) == (33.55, 68.42)


def test_more_date_spellings_and_calendars(tmp_path: Path) -> None:
    report, events = imported(tmp_path, "dates_more.csv")
    dates = events["event_date"].to_dict()
    assert dates["weekday"] == dates["dotted"] == dates["compact"] == "2021-08-12"
    assert dates["solar hijri"] == "2021-08-12", "۱۴۰۰/۰۵/۲۱ is 12 August 2021"
    assert dates["excel epoch"] == "1900-01-01" and dates["unix epoch"] == "1970-01-01"
    rejected = {p.line: p.reason for p in report.problems}
    assert set(rejected) == {6, 9}
    assert "Hijri" in rejected[6] and "1900" not in rejected[6]
    assert "was a Thursday, not a Monday" in rejected[9]
    notes = {w.line: w.reason for w in report.warnings if w.column == "event_date"}
    assert "Solar Hijri" in notes[5]
    assert "Excel" in notes[7] and "Unix epoch" in notes[8]


def test_header_variants_map_and_a_repeated_header_is_reported(tmp_path: Path) -> None:
    table = read_table(CLASSES / "headers.csv")
    assert table.columns[:5] == ("event_date", "location", "latitude", "longitude", "notes")
    report, events = imported(tmp_path, "headers.csv")
    assert [(w.line, w.column) for w in report.warnings if w.line == 1] == [(1, "notes")]
    assert "both mean 'notes'" in report.warnings[0].reason
    assert events.index.tolist() == ["first notes"]
    assert events.loc["first notes", "location"] == "Ghazni"
    assert events.loc["first notes", "notes_6"] == "second notes", "kept as an extra column"


def test_cp1251_cyrillic_is_decoded(tmp_path: Path) -> None:
    report, events = imported(tmp_path, "cyrillic_cp1251.csv")
    assert report.encoding == "cp1251"
    assert set(events.index) == {"Обстрел пригородов города", "Ракетный удар по жилому району"}
    text, encoding = decode_text((CLASSES / "cyrillic_cp1251.csv").read_bytes(), name="x")
    assert encoding == "cp1251" and "Харьков" in text


@pytest.mark.parametrize(
    ("name", "lines"), [("nul_late.csv", [1501, 3000]), ("nul_early.csv", [2])]
)
def test_nul_bytes_reject_their_rows_and_the_rest_is_imported(
    tmp_path: Path, name: str, lines: list[int]
) -> None:
    report, events = imported(tmp_path, name)
    assert [p.line for p in report.problems] == lines
    assert all("NUL" in p.reason for p in report.problems)
    assert report.accepted == report.rows_read - len(lines)
    assert not events.index.str.contains("\x00").any()
    assert not events["location"].str.contains("\x00").any()


def test_bidi_controls_are_stripped_and_marks_kept(tmp_path: Path) -> None:
    _, events = imported(tmp_path, "bidi.csv")
    assert "gpj.exe attack" in events.index
    assert "\u200fmark kept" in events.index
    assert events.loc["\u200fmark kept", "location"] == "Kabul"


def test_two_files_one_failing_each_keeps_its_own_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DATA_DIR", str(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02\x03" * 100)
    good = CLASSES / "numbers.csv"
    result = CliRunner().invoke(
        main, ["import", str(good), str(bad), str(CLASSES / "excel_sep.csv"), "--json"]
    )
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r.get("accepted") for r in reports] == [3, None, 1]
    assert "not a text file" in reports[1]["error"]
    store = EventStore.open(path=tmp_path / "events.db", gazetteer=None)
    assert len(store) == 4, "the files before and after the bad one are imported"


def test_an_unexpected_failure_in_one_file_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DATA_DIR", str(tmp_path))
    from conflictmap.ingest import dedupe

    real = dedupe.classify
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("conflictmap.store.eventstore.classify", flaky)
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(CLASSES / "numbers.csv"),
            str(CLASSES / "bidi.csv"),
            str(CLASSES / "excel_sep.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "3 rows read" not in result.stderr
    assert "bidi.csv: unexpected OverflowError" in result.stderr
    assert "this file was not imported" in result.stderr
    assert "Traceback" not in result.output
    assert "numbers.csv: 4 rows read, 3 accepted" in result.stdout
    assert "excel_sep.csv: 1 rows read, 1 accepted" in result.stdout
    store = EventStore.open(path=tmp_path / "events.db", gazetteer=None)
    assert sorted(store.events()["origin"].unique()) == ["file:excel_sep.csv", "file:numbers.csv"]


def test_a_full_disk_is_told_as_it_is_and_changes_nothing(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    store.import_file(CLASSES / "excel_sep.csv", today=TODAY)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError) as caught:
        store.import_file(CLASSES / "nul_late.csv", today=TODAY)
    message = str(caught.value)
    assert "disk is full" in message and "\n" not in message
    assert "no transaction" not in message
    assert len(store) == 1


def test_a_read_only_store_is_told_as_it_is(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes read-only files anyway; a read-only connection stands in for the mode.
        store = open_test_store(tmp_path)
        store.close()
        store._db = sqlite3.connect(
            f"file:{tmp_path / 'events.db'}?mode=ro", uri=True, isolation_level=None
        )
    else:
        open_test_store(tmp_path).close()
        (tmp_path / "events.db").chmod(stat.S_IRUSR)
        store = open_test_store(tmp_path)
    with pytest.raises(StoreError, match="read-only") as caught:
        store.import_file(CLASSES / "excel_sep.csv", today=TODAY)
    assert "\n" not in str(caught.value)


def test_open_upload_reads_nothing_but_the_start_and_a_checksum() -> None:
    upload = open_upload(CLASSES / "nul_late.csv")
    assert upload.header == ("event_date", "location", "latitude", "longitude", "notes")
    assert sum(len(c.rows) for c in upload.chunks(rows=1000)) == 2998


def test_swapped_and_sign_lost_points_are_refused_without_a_country_column(
    tmp_path: Path,
) -> None:
    report, events = imported(tmp_path, "coordinates_no_country.csv")
    reasons = {p.line: p.reason for p in report.problems}
    assert set(reasons) == {3, 4, 5}
    assert "looks swapped" in reasons[3] and "near Kabul" in reasons[3]
    assert "latitude's sign" in reasons[4] and "near Ghazni" in reasons[4]
    assert "longitude's sign" in reasons[5]
    assert events.index.tolist() == ["right"]
    assert events.loc["right", "country"] == "Afghanistan", "never filed under Russia"


def test_points_outside_the_rows_country_are_flagged(tmp_path: Path) -> None:
    report, events = imported(tmp_path, "coordinates_country.csv")
    assert [(p.line, p.column) for p in report.problems] == [(4, "latitude")]
    assert "looks swapped" in report.problems[0].reason
    flagged = {w.line: w.reason for w in report.warnings if w.column == "latitude"}
    assert "France" in flagged[3] and "not Afghanistan" in flagged[3]
    assert set(events.index) == {"right", "in france"}


def test_the_files_own_country_catches_a_swap_where_the_name_is_unknown(
    tmp_path: Path,
) -> None:
    report, events = imported(tmp_path, "coordinates_dominant.csv")
    assert [p.line for p in report.problems] == [62]
    assert "where most of this file's events are" in report.problems[0].reason
    assert "swapped site" not in events.index


def test_a_date_order_settled_by_the_files_last_row_applies_to_all_its_pieces(
    tmp_path: Path,
) -> None:
    rows = "".join(f"03/04/2021,Kabul,34.53,69.17,row {i}\n" for i in range(20_500))
    data = ("date,place,lat,lon,notes\n" + rows + "25/04/2021,Kabul,34.53,69.17,last\n").encode()
    store = open_test_store(tmp_path)
    report = store.import_file(data, file_name="late.csv", today=TODAY)
    assert (report.rows_read, report.accepted, report.rejected) == (20_501, 20_501, 0)
    dates = store.events()["event_date"].value_counts().to_dict()
    assert dates == {"2021-04-03": 20_500, "2021-04-25": 1}


def test_a_huge_cell_leaves_csvs_process_wide_field_limit_alone(tmp_path: Path) -> None:
    import csv

    limit = csv.field_size_limit()
    store = open_test_store(tmp_path)
    report = store.import_file(Path(__file__).parent / "data" / "uploads" / "huge_cell.csv.gz")
    assert (report.accepted, report.rejected) == (1, 1)
    assert csv.field_size_limit() == limit
