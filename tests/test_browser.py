"""The whole page in Debian's Chromium against `streamlit run app.py` on a throwaway store."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from apptab import MAP_FRAME, AppTab
from conftest import ARTIFACTS

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
        find = """t => {
              const g = window.conflictmapLayer, map = g._map;
              const mine = l => l.cm && !l.cmGroup;
              const l = g.getLayers().find(l => mine(l) && l.cm[4].startsWith(t)) ||
                g.getLayers().find(l => mine(l) && JSON.stringify(l.cm).includes(t));
              if (!l) { return null; }
              const p = map.latLngToContainerPoint(l.getLatLng()), size = map.getSize();
              if (p.x < 10 || p.y < 10 || p.x > size.x - 10 || p.y > size.y - 10) { return null; }
              return [p.x, p.y];
            }"""
        found = frame.evaluate(find, text)
        if found is None:
            # Grouped with its neighbours at this zoom: zoom in on it, as a user would.
            frame.evaluate(
                """t => {
                  const all = window.conflictmapData.symbols;
                  const s = all.find(s => s[4].startsWith(t)) ||
                    all.find(s => JSON.stringify(s).includes(t));
                  window.conflictmapLayer._map.setView([s[0], s[1]], 9, {animate: false});
                }""",
                text,
            )
            self.page.wait_for_timeout(300)
            found = frame.evaluate(find, text)
        x, y = found
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


# --- the dashboard at scale: play, first click, table, dates, the analyst's view, phones ------

FIXTURE_DAYS = sorted(
    {
        line.split(",")[1]
        for line in (Path(__file__).parent / "data" / "app" / "events.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1:]
    }
)


def _cumulative(day: str) -> int:
    lines = (Path(__file__).parent / "data" / "app" / "events.csv").read_text(encoding="utf-8")
    return sum(1 for line in lines.splitlines()[1:] if line.split(",")[1] <= day)


def _count_line(page: Page) -> int | None:
    found = re.search(r"([\d,]+) of \d+ events", page.page.locator("body").inner_text())
    return int(found[1]) if found else None


def test_play_steps_through_every_day_with_the_map_drawn(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    page.page.get_by_role("button", name="▶ Play").click()
    expected = [_cumulative(day) for day in FIXTURE_DAYS]
    seen: list[int] = []
    blank = 0
    deadline = time.monotonic() + 6 * len(FIXTURE_DAYS) + 30
    frame = page.map_frame()
    while time.monotonic() < deadline and (not seen or seen[-1] != TOTAL or len(seen) < 2):
        n = _count_line(page)
        # The same frame all along: the map is never remounted (blank) by a step.
        symbols = frame.evaluate(
            "() => window.conflictmapLayer ? window.conflictmapLayer.getLayers().length : 0"
        )
        if n is not None and (not seen or seen[-1] != n):
            seen.append(n)
        if symbols == 0:
            blank += 1
        page.page.wait_for_timeout(100)
    # Every day with events was a step, in order, and the map was never empty meanwhile.
    assert [n for n in seen if n in expected] == expected, seen
    assert blank == 0
    # The slider and the count agree at the end of the run.
    thumb = page.page.get_by_test_id("stSlider").filter(has_text="Timeline")
    assert "12 Aug 2021" in thumb.inner_text()
    page.page.get_by_role("button", name="▶ Play").wait_for(timeout=30_000)


def test_the_first_click_on_a_symbol_opens_its_popup_at_1440_by_900(
    app_browser: Any, app_url: str
) -> None:
    tab = Page(app_browser, app_url)
    tab.page.set_viewport_size({"width": 1440, "height": 900})
    tab.wait_count(TOTAL)
    frame = tab.map_frame()
    tab.drawn(TOTAL)
    # The map only partly in view, as on a laptop: a mousedown there used to scroll the page.
    box = tab.page.locator(MAP_FRAME).bounding_box()
    assert box is not None and box["y"] + box["height"] > 900
    x, y = frame.evaluate(
        """() => {
          const g = window.conflictmapLayer, map = g._map, size = map.getSize();
          const visible = g.getLayers().filter(l => {
            const p = map.latLngToContainerPoint(l.getLatLng());
            return l.cm && !l.cmGroup && p.y > 20 && p.y < 250 && p.x > 20 && p.x < size.x - 20;
          });
          const p = map.latLngToContainerPoint(visible[0].getLatLng());
          return [p.x, p.y];
        }"""
    )
    box = tab.page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    tab.page.mouse.click(box["x"] + x, box["y"] + y)
    frame.locator(".leaflet-popup-content").wait_for(timeout=5_000)
    tab.page.wait_for_timeout(300)
    tab.page.screenshot(path=str(ARTIFACTS / "app_first_click_popup.png"))
    tab.close()


def test_a_year_precision_event_shows_as_its_year(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    popup = page.open_popup("Kunduz")
    whens = popup.locator(".cm-when").all_inner_texts()
    assert "2015" in whens
    assert not [w for w in whens if w.startswith("2015-")]


def _map_view(page: Page) -> tuple[float, float, int]:
    lat, lon, zoom = page.map_frame().evaluate(
        "() => { const m = window.conflictmapLayer._map, c = m.getCenter();"
        " return [c.lat, c.lng, m.getZoom()]; }"
    )
    return round(lat, 3), round(lon, 3), int(zoom)


def _near(a: tuple[float, float, int], b: tuple[float, float, int]) -> bool:
    """The same view, to a pixel or so."""
    return abs(a[0] - b[0]) < 0.02 and abs(a[1] - b[1]) < 0.02 and a[2] == b[2]


def test_a_filter_change_keeps_the_view_and_fit_refits(page: Page) -> None:
    page.wait_count(TOTAL)
    page.drawn(TOTAL)
    fitted = _map_view(page)
    page.map_frame().evaluate(
        "() => { window.conflictmapLayer._map.setView([30, 60], 7, {animate: false}); }"
    )
    page.page.wait_for_timeout(300)
    mine = _map_view(page)
    assert mine == (30.0, 60.0, 7)
    province = page.page.get_by_test_id("stMultiSelect").filter(has_text="Province")
    province.locator("input").click()
    province.locator("input").fill("Kunduz")
    page.page.keyboard.press("Enter")
    page.page.keyboard.press("Escape")
    page.wait_count(3)
    page.drawn(3)
    assert _near(_map_view(page), mine)
    # The address keeps the view for a shared link.
    page.page.wait_for_timeout(1_500)
    view = parse_qs(urlparse(page.page.url).query)["view"][0].split(",")
    assert _near((float(view[0]), float(view[1]), int(view[2])), mine)
    page.page.get_by_role("button", name="Fit to events").click()
    page.page.wait_for_function("() => true")
    page.page.wait_for_timeout(1_500)
    assert not _near(_map_view(page), mine)
    assert not _near(_map_view(page), fitted)  # fitted to Kunduz's events now, not to all of them


def test_a_shared_view_opens_where_it_was(app_browser: Any, app_url: str) -> None:
    tab = Page(app_browser, app_url + "/?view=36.7,68.9,8&tiles=offline&bogus=1")
    tab.wait_count(TOTAL)
    tab.drawn(TOTAL)
    assert _near(_map_view(tab), (36.7, 68.9, 8))
    notices = tab.page.get_by_test_id("stAlertContentWarning").all_inner_texts()
    assert any("bogus" in n for n in notices)
    tab.close()


def test_the_table_sorts_every_event_by_deaths(page: Page) -> None:
    page.wait_count(TOTAL)
    sort = page.page.get_by_test_id("stSelectbox").filter(has_text="Sort by")
    sort.scroll_into_view_if_needed()
    # The combobox itself (a click on the box's frame can land while the page scrolls), then
    # the option by typing, as a keyboard user would.
    sort.get_by_role("combobox").click()
    page.page.keyboard.type("Deaths")
    page.page.keyboard.press("Enter")
    caption = page.page.get_by_text(re.compile(r"sorted by deaths over all of them"))
    caption.wait_for(timeout=30_000)
    assert f"of {TOTAL} events" in caption.inner_text()
    grid = page.page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    page.page.wait_for_timeout(1_000)
    page.screenshot("app_table_by_deaths")


def test_a_phone_sees_the_map_without_scrolling_past_the_filters(
    app_browser: Any, app_url: str
) -> None:
    tab = Page(app_browser, app_url)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.page.reload()
    tab.wait_count(TOTAL)
    tab.drawn(TOTAL)
    box = tab.page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    assert box["y"] < 844 - 200, box  # at least 200 px of map on the first screen
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # The sidebar (the filters) starts closed: nothing covers the map.
    sidebar = tab.page.get_by_test_id("stSidebar").bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, sidebar
    tab.page.screenshot(path=str(ARTIFACTS / "app_phone_390_first_screen.png"))
    # A popup fits the map's width (the click itself is tested at 1440×900).
    frame = tab.map_frame()
    frame.evaluate(
        """() => {
          const g = window.conflictmapLayer;
          const l = g.getLayers().find(l => l.cm && !l.cmGroup && l.cm[8]);
          g.fire('click', {layer: l, latlng: l.getLatLng()});
        }"""
    )
    popup = frame.locator(".leaflet-popup")
    popup.wait_for(timeout=10_000)
    popup_box = popup.bounding_box()
    assert popup_box is not None and popup_box["width"] <= box["width"]
    tab.page.wait_for_timeout(500)
    tab.page.screenshot(path=str(ARTIFACTS / "app_phone_390.png"))
    tab.close()
