"""The "Add an article" page in AppTest: paste, review, edit, save, see it on the map page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from appstore import make_app_store
from conflictmap.app import article_page
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore
from conftest import DATA, ROOT

APP = str(ROOT / "app.py")
PAGE = str(article_page.PAGE_FILE.relative_to(ROOT))
WIRE = DATA / "article_page" / "wire_story.txt"
SEED = Path(__file__).parents[1] / "data" / "000_7a287e12d804a890.txt"
ARTICLE_ORIGIN = "article:Taliban take Mazar-i-Sharif as Afghan forces pull back"


def _env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in env.items():
        if key.startswith("CONFLICTMAP_"):
            monkeypatch.setenv(key, value)
    return Settings.from_env()


@pytest.fixture
def fixture_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The dashboard's fixture events (the seed article's among them) in a fresh store."""
    return _env(make_app_store(tmp_path), monkeypatch)


@pytest.fixture
def seed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh store holding the package's sample events (imported: stores are never seeded)."""
    from conflictmap.config import SAMPLE_EVENTS_FILE
    from conflictmap.store.eventstore import EventStore

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {"CONFLICTMAP_DATA_DIR": str(data_dir), "CONFLICTMAP_DB_PATH": str(tmp_path / "e.db")}
    settings = _env(env, monkeypatch)
    with EventStore.open(settings) as store:
        store.import_file(SAMPLE_EVENTS_FILE, origin="seed:events.csv", kind="seed")
    return settings


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_page() -> AppTest:
    at = run(AppTest.from_file(APP, default_timeout=90))
    at.switch_page(PAGE)
    return run(at)


def paste(at: AppTest, text: str, **fields: Any) -> AppTest:
    at.text_area(key=article_page.K_TEXT).input(text)
    run(at)
    if "published" in fields:
        at.date_input(key=article_page.K_PUBLISHED).set_value(fields["published"])
    if "source" in fields:
        at.text_input(key=article_page.K_SOURCE).input(fields["source"])
    at.button[0].click()
    assert at.button[0].label == "Find events"
    return run(at)


def drafts(at: AppTest) -> pd.DataFrame:
    (editor,) = at.data_editor
    return editor.value


def edit(at: AppTest, rows: dict[int, dict[str, Any]]) -> AppTest:
    (editor,) = at.data_editor
    assert editor.key is not None
    at.session_state[editor.key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return run(at)


def add(at: AppTest) -> AppTest:
    at.button(key="art_add").click()
    return run(at)


def stored(settings: Settings) -> pd.DataFrame:
    with EventStore.open(settings) as store:
        return store.events()


def html_fragments(at: AppTest) -> list[str]:
    return [str(element.proto.body) for element in at.get("html")]


def test_paste_review_edit_save_and_see_it_in_the_filtered_table(fixture_store: Settings) -> None:
    before = stored(fixture_store)
    at = open_page()
    assert at.title[0].value == "Add an article"
    at.text_area(key=article_page.K_TEXT).input(WIRE.read_text(encoding="utf-8"))
    run(at)
    # The dateline fills the publication date and the source; both stay editable.
    assert at.date_input(key=article_page.K_PUBLISHED).value == date(2021, 8, 14)
    assert at.text_input(key=article_page.K_SOURCE).value == "Reuters"
    at.button[0].click()
    run(at)

    table = drafts(at)
    assert list(table["location"]) == ["Mazar-e Sharif", "Pul-e Khumri", "Fayzabad"]
    assert set(table["status"]) == {"new"} and table["include"].all()
    (highlighted,) = [h for h in html_fragments(at) if "cm-article" in h]
    assert 'class="cm-place cm-ambiguous"' in highlighted and ">Fayzabad</mark>" in highlighted
    assert highlighted.count('class="cm-event-sentence"') == 3
    # The ambiguous Fayzabad offers the gazetteer's three, by province.
    place_options = json.loads(at.data_editor[0].proto.columns)["place"]["type_config"]["options"]
    assert {
        "Fayzabad (Badakhshan, Afghanistan)",
        "Faizabad (Jowzjan, Afghanistan)",
        "Fayzabad (Faryab, Afghanistan)",
    } <= set(place_options)

    # Move the arrests to the Faryab Fayzabad, give the clash a sub-type of another type,
    # and leave the first row out.
    edit(
        at,
        {
            2: {"place": "Fayzabad (Faryab, Afghanistan)", "fatalities": 2},
            1: {"sub_event_type": "Shelling/artillery/missile attack"},
            0: {"include": False},
        },
    )
    table = drafts(at)
    assert table.at[2, "admin1"] == "Faryab"
    assert table.at[1, "event_type"] == "Explosions/Remote violence"
    assert not table.at[0, "include"]
    assert "2 ticked to add" in " ".join(c.value for c in at.caption)

    add(at)
    (message,) = at.success
    assert "Added **2** event(s)" in message.value
    after = stored(fixture_store)
    assert len(after) == len(before) + 2
    mine = after[after["origin"] == ARTICLE_ORIGIN].set_index("location")
    assert set(mine.index) == {"Pul-e Khumri", "Fayzabad"}
    assert mine.at["Fayzabad", "admin1"] == "Faryab"
    assert mine.at["Fayzabad", "latitude"] == pytest.approx(36.29, abs=0.01)
    assert mine.at["Fayzabad", "fatalities"] == 2
    assert mine.at["Pul-e Khumri", "sub_event_type"] == "Shelling/artillery/missile attack"
    assert mine.at["Pul-e Khumri", "source"] == "Reuters"

    # The main map page, filtered to the new province, lists the event at once.
    dashboard = AppTest.from_file(APP, default_timeout=90)
    dashboard.query_params["province"] = "Faryab"
    run(dashboard)
    shown = dashboard.dataframe[0].value
    assert list(shown["location"]) == ["Fayzabad"]
    assert list(shown["origin"]) == [ARTICLE_ORIGIN]


def test_the_same_article_twice_adds_nothing_and_says_so(fixture_store: Settings) -> None:
    at = paste(open_page(), WIRE.read_text(encoding="utf-8"))
    add(at)
    count = len(stored(fixture_store))
    # Read again (as a new review) and added again: the text's hash is known.
    at.button[0].click()
    run(at)
    add(at)
    (message,) = at.info
    assert "added before" in message.value and "nothing was added" in message.value
    assert len(stored(fixture_store)) == count
    with EventStore.open(fixture_store) as store:
        uploads = store.uploads()
    (row,) = uploads[uploads["origin"] == ARTICLE_ORIGIN].to_dict("records")
    assert row["kind"] == "article" and row["events"] == 3

    # The upload list holds the article; removing it removes its events, and then the
    # article can be added again.
    with EventStore.open(fixture_store) as store:
        assert store.remove(ARTICLE_ORIGIN) == 3
    assert len(stored(fixture_store)) == count - 3
    at.button[0].click()
    run(at)
    add(at)
    assert "Added **3** event(s)" in at.success[0].value
    assert len(stored(fixture_store)) == count


def test_the_seed_article_against_the_seeded_store_is_all_known(seed_store: Settings) -> None:
    before = stored(seed_store)
    assert len(before) > 0
    at = paste(
        open_page(),
        SEED.read_text(encoding="utf-8"),
        published=date(2021, 8, 12),
        source="Al Jazeera",
    )
    table = drafts(at)
    assert len(table) >= 5
    assert set(table["status"]) == {"already known"}, table[["location", "status"]]
    assert table["match"].str.len().gt(0).all()
    assert not table["include"].any()
    add(at)
    (message,) = at.info
    assert message.value.startswith("Nothing to add")
    pd.testing.assert_frame_equal(stored(seed_store), before)


def test_upload_html_with_metadata(fixture_store: Settings, tmp_path: Path) -> None:
    markup = (
        b"<html><head><title>Ignored</title><script>alert(1)</script></head><body>"
        b"<h1>Clashes in Pul-e Khumri</h1>"
        b"<p>Clashes between Taliban fighters and Afghan forces in Pul-e Khumri killed "
        b"4 people on Monday. <img src=x onerror=alert(1)></p></body></html>"
    )
    meta = json.dumps({"published": "2021-08-11", "publisher": "Pajhwok"}).encode()
    at = open_page()
    at.radio(key=article_page.K_MODE).set_value(article_page.UPLOAD)
    run(at)
    at.file_uploader(key=article_page.K_FILES).set_value(
        [("clash.html", markup, "text/html"), ("clash.meta.json", meta, "application/json")]
    )
    run(at)
    assert at.date_input(key=article_page.K_PUBLISHED).value == date(2021, 8, 11)
    assert at.text_input(key=article_page.K_SOURCE).value == "Pajhwok"
    assert at.text_input(key=article_page.K_TITLE).value == "Clashes in Pul-e Khumri"
    at.button[0].click()
    run(at)
    table = drafts(at)
    assert list(table["location"]) == ["Pul-e Khumri"]
    assert table.at[0, "event_date"] == date(2021, 8, 9)
    assert table.at[0, "fatalities"] == 4
    (highlighted,) = [h for h in html_fragments(at) if "cm-article" in h]
    assert "alert" not in highlighted and "<img" not in highlighted


def test_no_places_says_what_to_try(fixture_store: Settings) -> None:
    at = paste(open_page(), "Officials said on Monday that talks would continue next week.")
    (warning,) = at.warning
    assert "No place names were found" in warning.value
    assert not at.data_editor


def test_relative_dates_without_a_publication_date_ask_for_one(fixture_store: Settings) -> None:
    at = paste(open_page(), "Taliban fighters captured Ghazni on Thursday.")
    assert at.date_input(key=article_page.K_PUBLISHED).value is None
    warnings = " ".join(w.value for w in at.warning)
    assert "no date" in warnings and "publication date" in warnings
    add(at)
    (message,) = [w.value for w in at.warning if "Nothing was added" in w.value]
    assert "Ghazni" in message and "no date; type one in the Date column" in message
    # Setting the date asks for a new reading, which dates the event.
    at.date_input(key=article_page.K_PUBLISHED).set_value(date(2021, 8, 12))
    run(at)
    assert "press **Find events** to apply them" in " ".join(i.value for i in at.info)
    at.button[0].click()
    run(at)
    assert list(drafts(at)["event_date"]) == [date(2021, 8, 12)]
    assert not at.warning


def test_markup_pasted_as_text_stays_text(fixture_store: Settings) -> None:
    text = (
        "Taliban fighters captured Ghazni <script>alert(1)</script> on Thursday, and "
        "<img src=x onerror=alert(1)> clashes spread."
    )
    at = paste(open_page(), text, published=date(2021, 8, 12))
    fragments = " ".join(html_fragments(at))
    assert "<script" not in fragments and "<img" not in fragments
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragments
