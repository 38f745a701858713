"""The whole page in Debian's Chromium against `streamlit run app.py` on a throwaway store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apptab import MAP_FRAME, AppTab

pytestmark = pytest.mark.browser

TOTAL = 15

# The app under `streamlit run` (app_url) and Chromium (app_browser) are conftest fixtures,
# shared with the article page's browser test.


class Page(AppTab):
    """One tab on the app (see tests/apptab.py) with what these tests need."""

    def wait_count(self, expected: int) -> None:
        self.page.get_by_text(re.compile(rf"^{expected} of {TOTAL} events")).first.wait_for(
            timeout=60_000
        )

    def map_frame(self) -> Any:
        handle = self.page.locator(MAP_FRAME).element_handle(timeout=60_000)
        frame = handle.content_frame()
        frame.wait_for_selector(".leaflet-container", timeout=60_000)
        return frame

    def drawn(self, expected: int) -> dict[str, Any]:
        """Wait until the map has drawn ``expected`` events; what it drew."""
        frame = self.map_frame()
        frame.wait_for_function(
            "n => window.conflictmapDrawn && window.conflictmapDrawn.total === n",
            arg=expected,
            timeout=60_000,
        )
        return dict(frame.evaluate("window.conflictmapDrawn"))

    def open_popup(self, text: str) -> Any:
        """Click, as a user would, the symbol whose details mention ``text``; the popup."""
        frame = self.map_frame()
        # Wholly in view first: a click on a half-hidden frame scrolls it between press and release.
        self.page.locator(MAP_FRAME).scroll_into_view_if_needed()
        self.page.wait_for_timeout(300)
        x, y = frame.evaluate(
            """t => {
              const g = window.conflictmapLayer, map = g._map;
              const l = g.getLayers().find(l => l.cm && JSON.stringify(l.cm).includes(t));
              const p = map.latLngToContainerPoint(l.getLatLng());
              return [p.x, p.y];
            }""",
            text,
        )
        frame.locator(".leaflet-container").click(position={"x": x, "y": y})
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        return popup


@pytest.fixture
def page(app_browser: Any, app_url: str) -> Iterator[Page]:
    tab = Page(app_browser, app_url)
    yield tab
    tab.close()


def test_page_loads_and_draws_every_event(page: Page) -> None:
    page.wait_count(TOTAL)
    drawn = page.drawn(TOTAL)
    assert drawn["view"] == "points"
    assert drawn["symbols"] >= 10  # one per place: Kunduz's three events share one
    frame = page.map_frame()
    assert frame.locator(".cm-legend").inner_text().startswith("Event type")
    assert page.page.get_by_role("heading", name="conflictmap").is_visible()
    shot = page.screenshot("app_overview")
    assert shot.stat().st_size > 50_000


def test_choosing_a_province_changes_map_count_and_url(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    page.map_frame().evaluate("window.cmSameMap = true")
    province = page.page.get_by_test_id("stMultiSelect").filter(has_text="Province")
    province.locator("input").click()
    province.locator("input").fill("Kunduz")
    page.page.keyboard.press("Enter")
    page.page.keyboard.press("Escape")
    page.wait_count(3)
    assert page.drawn(3)["symbols"] == 1
    # The layer was swapped inside the same map: no remount, the user's map state survives.
    assert page.map_frame().evaluate("window.cmSameMap") is True
    assert "province=Kunduz" in page.page.url


@pytest.mark.parametrize("view", ["Density", "Provinces"])
def test_view_selector_redraws_the_same_map(page: Page, view: str) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    page.map_frame().evaluate("window.cmSameMap = true")
    views = page.page.get_by_test_id("stButtonGroup").filter(has_text="Map view")
    views.get_by_text(view, exact=True).click()
    frame = page.map_frame()
    frame.wait_for_function(
        "v => window.conflictmapDrawn && window.conflictmapDrawn.view === v",
        arg=view.lower(),
        timeout=60_000,
    )
    assert frame.evaluate("window.conflictmapDrawn.total") == TOTAL
    assert frame.evaluate("window.cmSameMap") is True


def test_filters_survive_a_visit_to_the_article_page(page: Page) -> None:
    page.page.goto(page.page.url.split("?")[0] + "?province=Kunduz")
    page.wait_count(3)
    nav = page.page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Add an article").click()
    page.page.get_by_role("heading", name="Add an article").wait_for(timeout=60_000)
    nav.get_by_text("Map").click()
    page.wait_count(3)
    page.drawn(3)


def test_downloads_hold_the_filtered_events(page: Page) -> None:
    page.wait_count(TOTAL)
    page.page.goto(page.page.url.split("?")[0] + "?province=Kunduz")
    page.wait_count(3)
    with page.page.expect_download(timeout=60_000) as csv_download:
        page.page.get_by_role("button", name="Download CSV (3 events)").click()
    lines = Path(csv_download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("event_id_cnty,event_date,year,time_precision,disorder_type,")
    assert len(lines) == 1 + 3
    with page.page.expect_download(timeout=60_000) as geojson_download:
        page.page.get_by_role("button", name="Download GeoJSON (3 events)").click()
    collection = json.loads(Path(geojson_download.value.path()).read_text(encoding="utf-8"))
    assert {f["properties"]["admin1"] for f in collection["features"]} == {"Kunduz"}
    assert len(collection["features"]) == 3


def test_moving_the_timeline_changes_map_and_count(page: Page) -> None:
    page.wait_count(TOTAL)
    thumb = page.page.get_by_test_id("stSlider").filter(has_text="Timeline").get_by_role("slider")
    thumb.focus()
    page.page.keyboard.press("Home")  # the first event date: one event
    page.wait_count(1)
    page.drawn(1)
    assert "date=2015-07-02" in page.page.url


def test_play_steps_the_timeline_forward(page: Page) -> None:
    page.wait_count(TOTAL)
    page.page.get_by_role("button", name="▶ Play").click()
    page.wait_count(1)  # at the end, Play starts over from the first date
    page.wait_count(2)
    page.wait_count(4)
    page.drawn(4)
    page.page.get_by_role("button", name="⏸ Pause").click()
    page.page.get_by_role("button", name="▶ Play").wait_for(timeout=30_000)


def test_popup_shows_the_source_sentence(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    popup = page.open_popup("the armed group stormed")
    assert "the armed group stormed Ghazni" in popup.inner_text()
    assert popup.locator("mark").first.inner_text() == "Ghazni"


def test_injected_markup_shows_as_text_and_never_runs(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    popup = page.open_popup("Injected markup")
    text = popup.inner_text()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "<i>Unknown</i>" in text
    assert popup.locator("script, img, i").count() == 0
    page.page.wait_for_timeout(500)
    page.screenshot("app_popup_injected")


def test_markup_in_the_url_shows_as_text(app_browser: Any, app_url: str) -> None:
    tab = Page(
        app_browser, app_url + "/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&province=Kunduz"
    )
    tab.wait_count(0)
    message = tab.page.get_by_test_id("stAlertContentInfo")
    assert "<img src=x onerror=alert(1)>" in message.inner_text()
    assert message.locator("img").count() == 0
    tab.page.wait_for_timeout(500)
    tab.close()
