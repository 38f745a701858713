"""The "Upload events" page: its pure views over the upload corpus, and the page in AppTest."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

from appstore import INJECTED_FILE_NAME, make_app_store
from conflictmap.app import ui, upload_page
from conflictmap.app.upload_views import (
    COUNT_LABELS,
    input_error_line,
    overall_progress,
    problems_frame,
    removal_message,
    removal_question,
    report_counts,
    report_verdict,
    upload_limit_mb,
    uploads_frame,
)
from conflictmap.config import Settings
from conflictmap.errors import InputError
from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.ingest.reports import ImportReport
from conflictmap.models import RowProblem
from conflictmap.store.eventstore import EventStore
from conftest import DATA, ROOT, open_test_store

APP = str(ROOT / "app.py")
PAGE = str(upload_page.PAGE_FILE.relative_to(ROOT))
UPLOADS = DATA / "uploads"
SAMPLES = sorted(p for p in UPLOADS.iterdir() if not p.name.endswith(".json"))
TODAY = date(2025, 6, 1)  # as tests/test_uploads.py: the expected reports' "today"
TOTAL = 15  # events in the app fixture store (tests/appstore.py)


def expected_for(sample: Path) -> dict[str, Any]:
    stem = sample.name.removesuffix(".gz").removesuffix(".csv")
    return dict(json.loads((UPLOADS / f"{stem}.expected.json").read_text(encoding="utf-8")))


def unescaped(markdown: str) -> str:
    """Markdown source → the text it shows (the page escapes every special character)."""
    return re.sub(r"\\(.)", r"\1", markdown)


# --- the pure views, over every sample upload -------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_gets_a_verdict_counts_and_its_problem_lines(
    sample: Path, tmp_path: Path
) -> None:
    expected = expected_for(sample)
    try:
        with open_test_store(tmp_path, seed=False) as store:
            report = store.import_file(sample.read_bytes(), file_name=sample.name, today=TODAY)
    except InputError as exc:
        assert "error" in expected, f"{sample.name} was expected to import: {exc}"
        line = input_error_line(sample.name, str(exc))
        assert line.startswith("Not imported: ")
        assert line.count(sample.name) == 1
        return
    assert "error" not in expected
    counts = dict(report_counts(report))
    assert list(counts) == [label for _, label in COUNT_LABELS]
    assert counts == {label: expected[field] for field, label in COUNT_LABELS}
    table = problems_frame(report.problems)
    assert list(table.columns) == ["line", "column", "reason"]
    assert [(int(r.line), r.column) for r in table.itertuples()] == [
        (line, column or "(whole row)") for line, column, _ in expected["problems"]
    ]
    for shown, (_, _, reason) in zip(table["reason"], expected["problems"], strict=True):
        assert reason in shown
    verdict = report_verdict(report)
    if report.accepted:
        assert verdict.text.startswith(f"Imported {report.accepted:,} new event")
        assert verdict.level == ("warning" if report.rejected else "success")
    else:
        assert verdict.text.startswith(("Nothing new", "Nothing imported"))
        assert verdict.level in {"info", "warning"}
    if report.rejected:
        assert f"{report.rejected:,} row" in verdict.text


def test_the_same_bytes_again_say_nothing_new(tmp_path: Path) -> None:
    gazetteer = default_gazetteer()
    with EventStore.open(
        Settings(data_dir=tmp_path, sample_file=tmp_path / "events.csv"),
        path=tmp_path / "e.db",
        gazetteer=gazetteer,
        seed=False,
    ) as store:
        data = (UPLOADS / "acled_current.csv").read_bytes()
        first = store.import_file(data, file_name="acled.csv")
        again = store.import_file(data, file_name="acled copy.csv")
    assert report_verdict(first).level == "success"
    verdict = report_verdict(again)
    assert verdict.level == "info"
    assert verdict.text.startswith("Nothing new: acled copy.csv was already imported, as ")
    assert "file:acled.csv" in verdict.text


def report(**counts: Any) -> ImportReport:
    base = {"origin": "file:x.csv", "file_name": "x.csv", "sha256": "", "rows_read": 0}
    base.update({"accepted": 0, "rejected": 0, "duplicates": 0})
    return ImportReport(**{**base, **counts})


@pytest.mark.parametrize(
    ("counts", "level", "start"),
    [
        ({"rows_read": 3, "accepted": 3}, "success", "Imported 3 new events as file:x.csv."),
        ({"rows_read": 1, "accepted": 1}, "success", "Imported 1 new event as"),
        ({"rows_read": 5, "accepted": 3, "rejected": 2}, "warning", "Imported 3 new events"),
        ({"rows_read": 4, "duplicates": 4}, "info", "Nothing new: every event in x.csv"),
        ({"rows_read": 2, "rejected": 2}, "warning", "Nothing imported from x.csv: 2 rows"),
        ({"rows_read": 0}, "info", "Nothing imported from x.csv: it has no event rows."),
        (
            {"rows_read": 4, "duplicates": 4, "already_imported": "file:y.csv"},
            "info",
            "Nothing new: x.csv was already imported, as file:y.csv.",
        ),
    ],
)
def test_verdicts(counts: dict[str, Any], level: str, start: str) -> None:
    verdict = report_verdict(report(**counts))
    assert verdict.level == level
    assert verdict.text.startswith(start)


def test_problem_table_is_capped_and_names_whole_rows() -> None:
    problems = tuple(RowProblem(n, "" if n % 2 else "event_date", f"r{n}") for n in range(2, 30))
    table = problems_frame(problems, limit=10)
    assert len(table) == 10
    assert table["column"].tolist()[:2] == ["event_date", "(whole row)"]
    assert problems_frame(()).empty


def test_progress_spans_the_files_rises_and_is_thinned() -> None:
    seen: list[tuple[float, str]] = []
    for index in range(2):
        step = overall_progress(lambda f, m: seen.append((f, m)), index=index, count=2, step=0.1)
        step(0.0, "Reading")
        for i in range(1, 200):
            step(i / 200, f"Geocoding {i}")
        step(1.0, "Done")
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert 0.5 in fractions  # the second file starts half-way
    assert seen[0][1] == "Reading"
    named = overall_progress(lambda f, m: seen.append((f, m)), index=0, count=2, name="a.csv")
    named(0.0, "Reading")
    assert seen[-1] == (0.0, "a.csv: Reading")
    assert len(seen) <= 2 * (2 + 5)  # about one call per tenth of the bar, not 400


def test_upload_limit_follows_the_setting_and_the_server() -> None:
    assert upload_limit_mb(200, 200) == 200
    assert upload_limit_mb(50, 200) == 50
    assert upload_limit_mb(500, 200) == 200
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # The server's limit and the setting's default say the same number.
    assert config["server"]["maxUploadSize"] == Settings().max_upload_mb


def test_removal_texts() -> None:
    assert removal_message("file:acled.csv", 120) == "Removed 120 events from file:acled.csv."
    assert removal_message("file:one.csv", 1) == "Removed 1 event from file:one.csv."
    question = removal_question("seed:events.csv", kind="seed", events=14)
    assert question.startswith("Remove seed:events.csv and its 14 events from the store?")
    assert "data/events.csv" in question


def test_uploads_frame_keeps_the_listed_columns() -> None:
    raw = pd.DataFrame(
        {
            "origin": ["file:a.csv"],
            "file_name": ["a.csv"],
            "kind": ["file"],
            "sha256": ["x"],
            "imported_at": ["2025-01-01T00:00:00+00:00"],
            "rows_read": [3],
            "accepted": [2],
            "rejected": [1],
            "duplicates": [0],
            "events": [None],
        }
    )
    frame = uploads_frame(raw)
    assert list(frame.columns) == [
        "origin",
        "kind",
        "file_name",
        "rows_read",
        "accepted",
        "events",
        "imported_at",
    ]
    assert frame.loc[0, "events"] == 0


class _StoppingBar:
    """A stand-in progress bar whose second update meets a stop request (a closed tab)."""

    def __init__(self) -> None:
        self.calls = 0

    def progress(self, fraction: float, *, text: str) -> None:
        self.calls += 1
        if self.calls == 2:
            raise StopException()

    def empty(self) -> None:
        raise AssertionError("a held stop must not draw again")


def test_a_stop_during_an_import_is_held_not_raised() -> None:
    fake = _StoppingBar()
    bar = upload_page._Bar(fake)
    bar(0.1, "Reading")
    bar(0.2, "Geocoding")
    bar(0.3, "Writing")
    assert fake.calls == 2
    assert isinstance(bar.held, StopException)
    bar.clear()


# --- the page in AppTest ----------------------------------------------------------------------


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh fixture store (15 events: the seed and one upload named with markup)."""
    for key, value in make_app_store(tmp_path).items():
        if key.startswith("CONFLICTMAP_"):
            monkeypatch.setenv(key, value)
    return Settings.from_env()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page() -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=90))
    at.switch_page(PAGE)
    return run(at)


def map_count() -> int:
    """The Map page's total, from its count line ('**3 of 18 events**')."""
    at = run(AppTest.from_file(APP, default_timeout=90))
    for element in at.markdown:
        found = re.search(r"\*\*[\d,]+ of ([\d,]+) events\*\*", element.value)
        if found:
            return int(found[1].replace(",", ""))
    raise AssertionError("no count line on the map page")


def upload(at: AppTest, *names: str) -> AppTest:
    files = [(name, (UPLOADS / name).read_bytes(), "text/csv") for name in names]
    at.file_uploader(key=upload_page.K_FILES).set_value(files)
    run(at)
    at.button(key="upl_import").click()
    return run(at)


def metrics(at: AppTest) -> list[dict[str, int]]:
    """Each report's counts, by label."""
    values = [(m.label, int(m.value.replace(",", ""))) for m in at.metric]
    size = len(COUNT_LABELS)
    return [dict(values[i : i + size]) for i in range(0, len(values), size)]


def uploads_table(at: AppTest) -> pd.DataFrame:
    for frame in at.dataframe:
        if "imported_at" in frame.value:
            return frame.value
    raise AssertionError("no uploads table on the page")


def test_page_states_formats_and_limit(app_env: Settings) -> None:
    at = open_page()
    assert at.title[0].value == "Upload events"
    intro = at.markdown[0].value
    assert "ACLED exports" in intro and "`.csv.gz`" in intro
    assert f"{Settings().max_upload_mb:,} MB" in intro
    uploader = at.file_uploader(key=upload_page.K_FILES)
    assert uploader.accept_multiple_files
    assert set(uploader.allowed_type) == {".csv", ".csv.gz"}
    assert at.button(key="upl_import").disabled
    table = uploads_table(at)
    assert set(table["origin"]) == {"seed:events.csv", f"file:{INJECTED_FILE_NAME}"}
    assert not at.error


def test_upload_report_and_the_map_page_follows(app_env: Settings) -> None:
    assert map_count() == TOTAL  # the map page's cache is filled before the upload
    at = open_page()
    at = upload(at, "acled_current.csv", "ragged_rows.csv")
    assert not at.error
    good, ragged = metrics(at)
    assert good == {
        "Rows read": 3,
        "Accepted": 3,
        "Updated (corrections)": 0,
        "Rejected": 0,
        "Duplicates skipped": 0,
        "Geocoded": 0,
        "Not geocoded": 0,
    }
    assert (ragged["Rows read"], ragged["Accepted"], ragged["Rejected"]) == (5, 3, 2)
    assert [unescaped(s.value) for s in at.success] == [
        "Imported 3 new events as file:acled_current.csv."
    ]
    assert unescaped(at.warning[0].value).startswith(
        "Imported 3 new events as file:ragged_rows.csv; 2 rows rejected"
    )
    problems = at.dataframe[0].value
    assert problems["line"].tolist() == [3, 4]
    assert problems["column"].tolist() == ["(whole row)", "(whole row)"]
    assert "3 cells but the header has 5" in problems["reason"].iloc[0]
    assert {"file:acled_current.csv", "file:ragged_rows.csv"} <= set(uploads_table(at)["origin"])
    assert at.button(key="upl_import").disabled
    assert map_count() == TOTAL + 6


def test_reruns_never_import_twice_and_the_same_file_says_nothing_new(app_env: Settings) -> None:
    at = upload(open_page(), "minimal_place.csv")
    assert metrics(at)[0]["Geocoded"] == 3
    store = EventStore.open(app_env)
    before = (len(store), len(store.uploads()))
    # Every widget change reruns the script with the upload still in the uploader.
    at.selectbox(key=upload_page.K_CHOICE).set_value("seed:events.csv")
    run(at)
    run(at)
    assert at.button(key="upl_import").disabled
    assert len(at.session_state[upload_page.K_DONE]) == 1
    assert (len(store), len(store.uploads())) == before
    assert len(metrics(at)) == 1
    # The same bytes chosen again (a new upload in the widget) are read and found known.
    at = upload(at, "minimal_place.csv")
    assert metrics(at)[0]["Accepted"] == 0
    assert [unescaped(i.value) for i in at.info] == [
        "Nothing new: minimal_place.csv was already imported, as file:minimal_place.csv. "
        "Remove that upload below to import the file again."
    ]
    assert (len(store), len(store.uploads())) == before


def test_an_unreadable_file_is_one_error_line_and_the_others_still_import(
    app_env: Settings,
) -> None:
    at = upload(open_page(), "random_bytes.csv", "coordinates.csv")
    assert [unescaped(e.value) for e in at.error] == [
        "Not imported: 'random_bytes.csv' is not a text file (it contains NUL bytes); "
        "upload a CSV file"
    ]
    assert len(metrics(at)) == 1
    assert "file:coordinates.csv" in set(uploads_table(at)["origin"])


def test_remove_an_upload_with_confirmation(app_env: Settings) -> None:
    at = upload(open_page(), "acled_current.csv")
    assert map_count() == TOTAL + 3
    choice = at.selectbox(key=upload_page.K_CHOICE)
    assert choice.value is None
    assert at.button(key="upl_remove").disabled
    choice.set_value("file:acled_current.csv")
    run(at)
    at.button(key="upl_remove").click()
    run(at)
    question = unescaped(at.warning[0].value)
    assert question.startswith("Remove file:acled_current.csv and its 3 events from the store?")
    # Cancel leaves everything as it was.
    at.button(key="upl_cancel").click()
    run(at)
    assert not at.warning
    assert at.selectbox(key=upload_page.K_CHOICE).value is None
    assert map_count() == TOTAL + 3
    at.selectbox(key=upload_page.K_CHOICE).set_value("file:acled_current.csv")
    run(at)
    at.button(key="upl_remove").click()
    run(at)
    at.button(key="upl_yes").click()
    run(at)
    assert [unescaped(s.value) for s in at.success][-1] == (
        "Removed 3 events from file:acled_current.csv."
    )
    assert "file:acled_current.csv" not in set(uploads_table(at)["origin"])
    # The import's report above stays, and says its events are gone.
    assert metrics(at)[0]["Accepted"] == 3
    assert any(
        unescaped(c.value).startswith("file:acled_current.csv has been removed since")
        for c in at.caption
    )
    assert "file:acled_current.csv" not in at.selectbox(key=upload_page.K_CHOICE).options
    assert map_count() == TOTAL


def test_markup_in_names_and_cells_stays_text(app_env: Settings) -> None:
    at = open_page()
    injected = f"file:{INJECTED_FILE_NAME}"
    at.selectbox(key=upload_page.K_CHOICE).set_value(injected)
    run(at)
    at.button(key="upl_remove").click()
    run(at)
    # Escaped for st.warning: <b> is shown as the characters, never as bold.
    assert "\\<b\\>evil\\</b\\>" in at.warning[0].value
    at.button(key="upl_yes").click()
    run(at)
    assert at.success[-1].value == ui.md_escape(removal_message(injected, 1))
    at = upload(at, "injection.csv")
    assert metrics(at)[0]["Accepted"] == 3
    assert map_count() == TOTAL - 1 + 3
