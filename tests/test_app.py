"""The page without a browser (streamlit.testing.v1.AppTest): widgets, filters, the URL's state."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from appstore import make_app_store
from conflictmap.app import charts
from conflictmap.app import ui_filters as ui
from conftest import DATA, ROOT

APP = str(ROOT / "app.py")
TOTAL = 15


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = make_app_store(tmp_path_factory.mktemp("appstore"))
    return {k: v for k, v in env.items() if k.startswith("CONFLICTMAP_")}


@pytest.fixture
def at(app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    for key, value in app_env.items():
        monkeypatch.setenv(key, value)
    return AppTest.from_file(APP, default_timeout=60)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def count(at: AppTest) -> tuple[int, int]:
    for element in at.markdown:
        found = re.search(r"\*\*([\d,]+) of ([\d,]+) events\*\*", element.value)
        if found:
            return int(found[1].replace(",", "")), int(found[2].replace(",", ""))
    raise AssertionError("no count line on the page")


def unescaped(markdown: str) -> str:
    """Markdown source → the text it shows (our messages escape every special character)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def test_page_has_its_parts(at: AppTest) -> None:
    run(at)
    assert at.title[0].value == "conflictmap"
    assert count(at) == (TOTAL, TOTAL)
    labels = {w.label for w in at.sidebar.multiselect}
    assert labels == {"Province", "Event type", "Sub-event type", "Actor"}
    assert at.sidebar.slider(key=ui.K_RANGE).label == "Date range"
    assert at.slider(key=ui.K_DATE).label == "Timeline"
    assert at.sidebar.text_input(key=ui.K_TEXT).label == "Search the notes"
    assert [b.label for b in at.button] == ["▶ Play", "Fit to events", "Reset filters"]
    assert len(table(at)) == TOTAL
    assert {"Kunduz (3)", "Herat (1)"} <= set(at.sidebar.multiselect(key=ui.K_ADMIN1).options)
    assert at.query_params == {} or all(not v for v in at.query_params.values())


def test_choosing_a_province_changes_count_table_and_url(at: AppTest) -> None:
    run(at)
    at.sidebar.multiselect(key=ui.K_ADMIN1).select("Kunduz")
    run(at)
    assert count(at) == (3, TOTAL)
    assert set(table(at)["location"]) == {"Kunduz"}
    assert [b.label for b in at.download_button] == [
        "Download CSV (3 events)",
        "Download GeoJSON (3 events)",
    ]
    assert at.query_params["province"] in ("Kunduz", ["Kunduz"])


def test_query_string_sets_the_filters(at: AppTest) -> None:
    at.query_params["province"] = ["Kunduz", "Takhar"]
    at.query_params["from"] = "2021-01-01"
    run(at)
    assert at.sidebar.multiselect(key=ui.K_ADMIN1).value == ["Kunduz", "Takhar"]
    assert str(at.sidebar.slider(key=ui.K_RANGE).value[0]) == "2021-01-01"
    assert count(at) == (2, TOTAL)
    assert sorted(table(at)["location"]) == ["Kunduz", "Taloqan"]
    assert not at.warning


def test_timeline_window_from_the_query_string(at: AppTest) -> None:
    at.query_params.update({"date": "2021-08-10", "mode": "window", "window": "3"})
    run(at)
    assert count(at) == (5, TOTAL)
    assert at.number_input(key=ui.K_WINDOW).value == 3


def test_moving_the_timeline_changes_the_count(at: AppTest) -> None:
    run(at)
    at.slider(key=ui.K_DATE).set_value(pd.Timestamp("2021-08-08").date())
    run(at)
    assert count(at) == (8, TOTAL)
    assert at.query_params["date"] in ("2021-08-08", ["2021-08-08"])


def test_bad_query_values_warn_and_are_dropped(at: AppTest) -> None:
    at.query_params.update(
        {"from": "yesterday", "province": "Atlantis", "mode": "sideways", "window": "-1"}
    )
    run(at)
    assert count(at) == (TOTAL, TOTAL)
    assert len(at.warning) == 4
    assert not {"from", "province", "mode", "window"} & set(at.query_params)


def test_nothing_matches_says_what_to_change(at: AppTest) -> None:
    at.query_params.update(
        {"province": "Kunduz", "type": "Strategic developments", "q": "![x](http://x.test/a.png)"}
    )
    run(at)
    assert count(at) == (0, TOTAL)
    (message,) = at.info
    assert "No events match" in message.value and "Reset filters" in message.value
    # The search text from the URL is shown as text: no image, no link.
    assert r"\!\[x\]\(http\:" in message.value


def test_reset_filters(at: AppTest) -> None:
    at.query_params.update({"province": "Kunduz", "q": "airport"})
    run(at)
    assert count(at) == (1, TOTAL)
    next(b for b in at.button if b.label == "Reset filters").click()
    run(at)
    assert count(at) == (TOTAL, TOTAL)
    assert not at.query_params.get("province")


def test_play_starts_from_the_first_date_and_pauses(at: AppTest) -> None:
    # The steps themselves come from a timed fragment, which AppTest does not fire: the
    # browser test watches them.
    run(at)
    at.button[0].click()
    run(at)
    assert at.button[0].label == "⏸ Pause"
    assert str(at.slider(key=ui.K_DATE).value) == "2015-07-02"
    assert count(at) == (1, TOTAL)
    at.button[0].click()
    run(at)
    assert at.button[0].label == "▶ Play"
    assert count(at) == (1, TOTAL)


def test_markup_in_the_data_stays_text(at: AppTest) -> None:
    run(at)
    assert "<script>alert(1)</script>" in " ".join(table(at)["notes"])
    for element in [*at.markdown, *at.caption, *at.info, *at.warning]:
        assert "<script" not in element.value and "<img" not in element.value


def test_online_tiles_credit_openstreetmap(at: AppTest) -> None:
    run(at)
    assert not any("OpenStreetMap" in c.value for c in at.caption)
    at.toggle(key="online_tiles").set_value(True)
    run(at)
    assert any("OpenStreetMap" in c.value for c in at.caption)


def test_provenance_lists_each_origin(at: AppTest) -> None:
    run(at)
    origins = at.dataframe[1].value.set_index("origin")["events"].to_dict()
    # The fixture's events came in as two uploads: the markup-named one holds one event.
    assert origins.pop("file:<b>evil</b>.csv") == 1
    assert list(origins.values()) == [TOTAL - 1]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CONFLICTMAP_GEOCODER", "bogus", "geocoder='bogus' is not known"),
        ("CONFLICTMAP_ONLINE_TILES", "perhaps", "CONFLICTMAP_ONLINE_TILES='perhaps'"),
    ],
)
def test_bad_settings_give_one_message(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert message in unescaped(error.value)


def test_an_unreadable_store_gives_one_message(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB_PATH", str(tmp_path))  # a folder, not a database
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "event store" in error.value


def test_a_failure_inside_the_page_shows_no_traceback(
    at: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(events: object) -> None:
        raise RuntimeError("chart exploded")

    monkeypatch.setattr(charts, "events_over_time_chart", broken)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "Something went wrong" in error.value
    assert "chart exploded" not in error.value and "Traceback" not in error.value


def _store_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    monkeypatch.setenv("CONFLICTMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CONFLICTMAP_DB_PATH", str(tmp_path / name))
    return tmp_path / name


def _sample_rows() -> int:
    from conflictmap.config import SAMPLE_EVENTS_FILE

    return len(pd.read_csv(SAMPLE_EVENTS_FILE, dtype=str))


def sample_count(at: AppTest) -> tuple[int, int] | None:
    for element in at.markdown:
        found = re.search(r"\*\*([\d,]+) of ([\d,]+) sample events\*\*", element.value)
        if found:
            return int(found[1]), int(found[2])
    return None


def test_an_empty_store_shows_the_sample_until_hidden(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _store_env(monkeypatch, tmp_path, "empty.db")
    run(at)
    n = _sample_rows()
    assert sample_count(at) == (n, n)
    (notice,) = [i for i in at.info if "Sample data" in i.value]
    assert "not in your store" in notice.value
    # The downloads offer the sample's events, labelled as such on the page, never the store's.
    next(b for b in at.button if b.label == "Hide the sample").click()
    run(at)
    assert sample_count(at) is None
    assert count(at) == (0, 0)
    (message,) = at.info
    assert "no events yet" in message.value
    assert not at.slider
    assert all(b.disabled for b in at.download_button)


def test_a_store_that_was_imported_into_never_shows_the_sample(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from conflictmap.config import Settings
    from conflictmap.store.eventstore import EventStore

    db = _store_env(monkeypatch, tmp_path, "emptied.db")
    with EventStore.open(Settings(db_path=db)) as store:
        report = store.import_file(DATA / "app" / "events.csv")
        store.remove(report.origin)
        assert len(store) == 0
    run(at)
    assert sample_count(at) is None
    assert count(at) == (0, 0)
    assert not [i for i in at.info if "Sample data" in i.value]


def test_events_on_a_single_day_need_no_sliders(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from conflictmap.config import Settings
    from conflictmap.store.eventstore import EventStore

    lines = (DATA / "app" / "events.csv").read_text(encoding="utf-8").splitlines()
    one_day = [lines[0], *(line for line in lines[1:] if ",2021-08-12," in line)]
    db = _store_env(monkeypatch, tmp_path, "one-day.db")
    (tmp_path / "one-day.csv").write_text("\n".join(one_day) + "\n", encoding="utf-8")
    with EventStore.open(Settings(db_path=db)) as store:
        store.import_file(tmp_path / "one-day.csv")
    run(at)
    assert count(at) == (3, 3)
    assert not at.slider
    at.sidebar.multiselect(key=ui.K_ADMIN1).select("Ghazni")
    run(at)
    assert count(at) == (1, 3)


def test_the_table_sorts_every_event_by_deaths_and_pages(at: AppTest) -> None:
    from conflictmap.app import ui as page_ui

    run(at)
    at.selectbox(key=page_ui.K_SORT).select("fatalities")
    run(at)
    deaths = pd.to_numeric(table(at)["fatalities"]).tolist()
    fixture = pd.read_csv(DATA / "app" / "events.csv", dtype=str)
    assert deaths == sorted(pd.to_numeric(fixture["fatalities"]).tolist(), reverse=True)
    assert any("sorted by deaths over all of them" in c.value for c in at.caption)


def test_dates_show_as_precisely_as_they_are_known(at: AppTest) -> None:
    run(at)
    dates = set(table(at)["event_date"])
    # "in 2015" is a year, not 2 July 2015; the fixture's other events are days.
    assert "2015" in dates
    assert not {d for d in dates if d.startswith("2015-")}
