"""The "Add an article" page in Debian's Chromium: paste, review, edit a cell, add, see it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from apptab import MAP_FRAME, AppTab
from conflictmap.app import article_page
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore
from conftest import DATA, AppServer

pytestmark = pytest.mark.browser

WIRE = DATA / "article_page" / "wire_story.txt"
ORIGIN = "article:Taliban take Mazar-i-Sharif as Afghan forces pull back"
ROW_PX = 35  # Streamlit's data editor: header and rows are 35 px high
# The review table's columns as drawn for new drafts (no match column: nothing matched).
SHOWN = [c for c in article_page.EDITOR_COLUMNS if c != "match"]


class Tab(AppTab):
    """One tab on the app (see tests/apptab.py) with what these tests need."""

    def cell(self, column: int, row: int) -> str:
        """A data grid cell's text, from the grid's accessibility table (the grid is a canvas)."""
        return str(
            self.page.evaluate(
                "([c, r]) => { const e = document.getElementById(`glide-cell-${c}-${r}`);"
                " return e ? e.textContent : null; }",
                [column, row],
            )
        )

    def table_text(self, *, rows: int, columns: int = 8) -> list[str]:
        """The first cells of the first data grid on the page."""
        return [self.cell(c, r) for r in range(rows) for c in range(columns)]

    def wait_cell(self, column: int, row: int, text: str, *, timeout: int = 30_000) -> None:
        self.page.wait_for_function(
            "([c, r, t]) => { const e = document.getElementById(`glide-cell-${c}-${r}`);"
            " return e && e.textContent === t; }",
            arg=[column, row, text],
            timeout=timeout,
        )

    def type_in_cell(self, column: int, row: int, value: str) -> None:
        """Select a row's first cell, walk right to ``column``, open its editor and type.

        Tried up to four times: a rerun of the app that lands between the keystrokes (the
        grid is redrawn) swallows them, which a person would answer by typing again. On a cold
        machine (CI's first browser test) a rerun can take longer than the wait, hence 20 s.
        """
        grid = self.page.locator(".dvn-scroller.stDataFrameGlideDataEditor")
        for attempt in range(4):
            self.idle()
            # Back to the first column: walking right scrolled the grid, and x=5 must hit it.
            grid.evaluate("e => { e.scrollLeft = 0; }")
            self.page.wait_for_timeout(200)
            grid.click(position={"x": 5, "y": ROW_PX * (row + 1) + ROW_PX // 2})
            for _ in range(column):
                self.page.keyboard.press("ArrowRight")
            self.page.wait_for_timeout(300)
            self.page.keyboard.press("Enter")
            self.page.wait_for_timeout(500)
            self.page.keyboard.press("Control+a")
            self.page.keyboard.type(value)
            self.page.keyboard.press("Enter")
            try:
                self.wait_cell(column, row, value, timeout=20_000)
                return
            except Exception:
                if attempt == 3:
                    raise
                self.page.keyboard.press("Escape")

    def map_drawn(self, total: int) -> None:
        """Wait until the page's map has drawn ``total`` events (the frame may be remounted)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            handle = self.page.locator(MAP_FRAME).element_handle(timeout=60_000)
            frame = handle.content_frame() if handle else None
            try:
                drawn = frame.evaluate("() => window.conflictmapDrawn") if frame else None
            except Exception:  # the frame went away under us: look it up again
                drawn = None
            if drawn and drawn.get("total") == total:
                return
            self.page.wait_for_timeout(200)
        raise AssertionError(f"the map did not draw {total} events")


@pytest.fixture
def tab(app_browser: Any, app_server: AppServer) -> Iterator[Tab]:
    opened = Tab(app_browser, app_server.url + "/add-article")
    yield opened
    opened.close()


def _stored(app_server: AppServer) -> Any:
    settings = Settings.from_env({k: v for k, v in app_server.env.items()})
    with EventStore.open(settings) as store:
        return store.events()


def test_paste_review_edit_add_and_see_it_on_the_map(tab: Tab, app_server: AppServer) -> None:
    page = tab.page
    page.get_by_role("heading", name="Add an article").wait_for(timeout=60_000)
    area = page.get_by_label("Article text")
    area.fill(WIRE.read_text(encoding="utf-8"))
    area.press("Control+Enter")
    # The dateline fills the source and the publication date.
    page.get_by_label("Source").and_(page.locator("[value='Reuters']")).wait_for(timeout=30_000)
    published = page.get_by_role("group", name="Publication date").inner_text()
    assert re.sub(r"\D", "", published) == "20210814"
    page.get_by_role("button", name="Find events").click()
    page.get_by_text("Draft events.").wait_for(timeout=60_000)
    tab.map_drawn(3)
    tab.idle()

    # The review: the article with its places marked, the drafts, the preview.
    article = page.locator(".cm-article")
    assert article.locator("mark.cm-ambiguous").inner_text() == "Fayzabad"
    assert article.locator("span.cm-event-sentence").count() == 3
    assert [tab.cell(SHOWN.index("place"), r) for r in range(3)] == [
        "Mazar-e Sharif (Balkh, Afghanistan)",
        "Pul-e Khumri (Baghlan, Afghanistan)",
        "Fayzabad (Badakhshan, Afghanistan)",
    ]
    assert [tab.cell(SHOWN.index("status"), r) for r in range(3)] == ["new"] * 3
    shot = tab.screenshot("article_review")
    assert shot.stat().st_size > 50_000

    # Edit a row: the arrests in Fayzabad killed 5 (the article says nothing of deaths).
    tab.type_in_cell(SHOWN.index("fatalities"), 2, "5")
    tab.idle()
    page.get_by_role("button", name="Add to map").click()
    success = page.get_by_test_id("stAlertContentSuccess")
    success.wait_for(timeout=60_000)
    assert "Added 3 event(s)" in success.inner_text()

    events = _stored(app_server)
    mine = events[events["origin"] == ORIGIN].set_index("location")
    assert set(mine.index) == {"Mazar-e Sharif", "Pul-e Khumri", "Fayzabad"}
    assert mine.at["Fayzabad", "fatalities"] == 5
    assert mine.at["Pul-e Khumri", "fatalities"] == 12

    # The map page shows it straight away, in the count, the map and the table.
    page.get_by_role("link", name="Map").click()
    page.get_by_text(re.compile(r"of \d+ events")).first.wait_for(timeout=60_000)
    page.goto(app_server.url + "/?province=Badakhshan")
    count = page.get_by_text(re.compile(r"^\d+ of \d+ events")).first
    count.wait_for(timeout=60_000)
    assert count.inner_text().startswith("2 of ")  # the fixture's Badakhshan event and ours
    tab.map_drawn(2)
    deadline = time.monotonic() + 30
    while "Fayzabad" not in tab.table_text(rows=2) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "Fayzabad" in tab.table_text(rows=2)
