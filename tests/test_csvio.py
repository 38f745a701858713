"""Reading uploads: delimiters, encodings, header names, dates; properties on arbitrary input."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.config import Settings
from conflictmap.errors import InputError
from conflictmap.ingest.celldates import resolve_date_cells
from conflictmap.ingest.csvio import canonical_columns, read_table, sniff_delimiter
from conflictmap.ingest.validation import check_rows, clean_text, interaction_text
from conflictmap.store.eventstore import EventStore
from conflictmap.store.exports import export_csv

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ("Event Date", "LATITUDE", "lng", "City"),
            ("event_date", "latitude", "longitude", "location"),
        ),
        (
            ("\ufeffdate", "Lat", "Lon", "Place"),
            ("event_date", "latitude", "longitude", "location"),
        ),
        (
            ("EVENT_ID_CNTY", "Actor 1", "ASSOC_ACTOR_1", "Province"),
            ("event_id_cnty", "actor1", "assoc_actor_1", "admin1"),
        ),
        (("notes", "Notes", "", "my col"), ("notes", "Notes", "column_3", "my col")),
    ],
)
def test_header_names_match_case_and_space_insensitively(
    header: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert canonical_columns(header) == expected


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('date;notes\n2021-01-01;"one, two, three"\n', ";"),
        ('event_date,notes\n2021-01-01,"a;b;c;d"\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_gzip_is_read_whatever_the_name() -> None:
    raw = gzip.compress(b"date,place\n2021-08-12,Kabul\n")
    table = read_table(raw, file_name="events.csv")
    assert table.columns == ("event_date", "location")
    assert table.rows == ((2, ("2021-08-12", "Kabul")),)


def test_interaction_codes_become_text() -> None:
    assert interaction_text("12") == "State forces-Rebel group"
    assert interaction_text("60") == "Protesters only"
    assert interaction_text("State forces-Civilians") == "State forces-Civilians"


def test_export_neutralisation_is_undone_on_import() -> None:
    assert clean_text("'=SUM(A1)") == "=SUM(A1)"
    assert clean_text("'quoted'") == "'quoted'"
    assert clean_text("  plain ") == "plain"


def test_dates_follow_the_order_the_rest_of_the_file_uses() -> None:
    cells = resolve_date_cells(["02/03/2021", "25/03/2021"], today=TODAY)
    assert cells["02/03/2021"].value == date(2021, 3, 2)
    cells = resolve_date_cells(["02/03/2021", "03/25/2021"], today=TODAY)
    assert cells["02/03/2021"].value == date(2021, 2, 3)
    assert "could be" in resolve_date_cells(["02/03/2021"], today=TODAY)["02/03/2021"].problem


def invariant_holds(data: bytes) -> None:
    try:
        table = read_table(data, file_name="fuzz.csv")
        checked = check_rows(table, today=TODAY)
    except InputError as exc:
        assert str(exc)
        return
    rejected = len(checked.rejected_lines)
    assert checked.rows_read == len(table.rows) + len({p.line for p in table.problems})
    assert checked.rows_read == len(checked.records) + rejected
    assert {p.line for p in checked.problems} == set(checked.rejected_lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_anything_but_input_error(data: bytes) -> None:
    invariant_holds(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_after_a_good_header_are_counted(data: bytes) -> None:
    invariant_holds(b"event_date,location,latitude,longitude,fatalities\n" + data)


CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "2021-08-12",
            "13/05/2021",
            "05/13/2021",
            "03/04/2021",
            "16 May 2021",
            "2099-01-01",
            "1850-01-01",
            "34.5",
            "-12.5",
            "95",
            "69,17",
            "nan",
            "inf",
            "=1+1",
            "'=1+1",
            "0",
            "-1",
            "3.0",
            "2.5",
            "Kabul",
            "کندز",
            "Battles",
            '"',
            "\n",
            "\r\n",
            ";",
            ",",
        ]
    ),
)
COLUMNS = [
    "event_id_cnty",
    "event_date",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "event_type",
    "actor1",
    "notes",
]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(COLUMNS) + 2), min_size=1, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_arbitrary_rows_are_each_counted_once(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    invariant_holds(out.getvalue().encode(encoding))


# Decoded uploads never hold lone surrogates (Cs) or NUL (refused as binary).
NOTE = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=20
).map(str.strip)


@settings(max_examples=100, deadline=None)
@given(st.lists(NOTE.map(clean_text), min_size=1, max_size=10))
def test_exported_text_reads_back_as_the_same_text(notes: list[str]) -> None:
    df = pd.DataFrame({"event_date": ["2021-08-12"] * len(notes), "notes": notes})
    table = read_table(export_csv(df).encode(), file_name="export.csv")
    at = table.columns.index("notes")
    assert [clean_text(cells[at]) for _, cells in table.rows] == notes


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(CELLS, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=15))
def test_the_store_counts_every_row_once_and_takes_nothing_twice(
    rows: list[list[str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("store")
    store = EventStore.open(Settings(data_dir=folder), path=folder / "e.db", gazetteer=None)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([COLUMNS, [*COLUMNS[:1], "x"], *rows])
    data = out.getvalue().encode()
    try:
        first = store.import_file(data, file_name="f.csv", today=TODAY)
    except InputError:
        return
    second = store.import_file(data, file_name="f.csv", today=TODAY)
    third = store.import_file(data + b"\n", file_name="g.csv", today=TODAY)  # no checksum match
    for report in (first, second, third):
        assert report.rows_read == (
            report.accepted + report.updated + report.rejected + report.duplicates
        )
        if report.already_imported:
            # The very same bytes: the report names the upload every row repeats, line for line.
            assert report.duplicates == report.rows_read - report.rejected
        else:
            assert len({r.line for r in (*report.repeats, *report.updates)}) == (
                report.duplicates + report.updated
            )
    assert len(store) == first.accepted
    assert (second.accepted, second.updated, third.accepted, third.updated) == (0, 0, 0, 0)
    assert second.rejected == first.rejected == third.rejected
