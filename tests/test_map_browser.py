"""The map alone in Debian's Chromium: served locally, drawn, popups escaped, nothing leaves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest

from apptab import LOCAL
from conflictmap.app.assets import ASSET_URL, LEAFLET_URL, STATIC_DIR, leaflet_package_dir
from conflictmap.app.mapview import build_map
from conftest import ARTIFACTS, DATA

pytestmark = pytest.mark.browser


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return pd.read_csv(DATA / "map" / "events.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, events: pd.DataFrame) -> Iterator[str]:
    """A local web root laid out as the app serves it: the map pages and the asset URLs."""
    root = tmp_path_factory.mktemp("site")
    for url, folder in ((ASSET_URL, STATIC_DIR), (LEAFLET_URL, leaflet_package_dir())):
        target = root / url.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(folder)
    for view in ("points", "density", "provinces"):
        html = build_map(events, view=view).get_root().render()
        (root / f"{view}.html").write_text(html, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _open(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    outside: list[str] = []
    dialogs: list[str] = []

    def outside_request(request: Any) -> None:
        if not request.url.startswith(LOCAL):
            outside.append(request.url)

    page.on("request", outside_request)

    def dialog(box: Any) -> None:
        dialogs.append(box.message)
        box.dismiss()

    page.on("dialog", dialog)
    page.goto(url)
    page.wait_for_selector("html[data-cm-drawn]", timeout=20_000)
    return page, outside, dialogs


def test_points_view_draws_every_event_and_escapes_popups(
    app_browser: Any, site: str, events: pd.DataFrame
) -> None:
    page, outside, dialogs = _open(app_browser, f"{site}/points.html")
    assert page.locator(".leaflet-container").count() == 1
    drawn = page.evaluate("window.conflictmapDrawn")
    assert drawn["total"] == len(events)
    # One symbol per place: Ghazni's two events and Kunduz's two share one each.
    assert drawn["symbols"] == events[["latitude", "longitude"]].drop_duplicates().shape[0]
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    assert page.locator(".cm-legend summary").inner_text() == "Event type"
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # the outline layer arrives by fetch
    page.screenshot(path=str(ARTIFACTS / "map_points_overview.png"))

    # Click the Ghazni symbol where a user would: its pixel on the map.
    x, y = page.evaluate(
        """() => {
          const g = window.conflictmapLayer, map = g._map;
          const l = g.getLayers().find(l => l.getLatLng().lat === 33.5492);
          const p = map.latLngToContainerPoint(l.getLatLng());
          const r = map.getContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }"""
    )
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=5_000)
    assert tooltip.inner_text().startswith("Ghazni, Ghazni, Afghanistan · 2021-08-12 · 2 events")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert popup.locator("img, script").count() == 0
    assert popup.locator("mark").first.inner_text() == "Ghazni"
    assert "stormed Ghazni" in text
    page.wait_for_timeout(300)
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "map_points_popup.png"))
    assert outside == []
    page.close()


@pytest.mark.parametrize("view", ["density", "provinces"])
def test_other_views_draw_and_stay_local(app_browser: Any, site: str, view: str) -> None:
    page, outside, dialogs = _open(app_browser, f"{site}/{view}.html")
    drawn = page.evaluate("window.conflictmapDrawn")
    assert drawn["view"] == view
    assert drawn["symbols"] >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map_{view}.png"))
    assert outside == []
    assert dialogs == []
    page.close()


def test_outline_layer_loads_from_the_static_files(app_browser: Any, site: str) -> None:
    page, _, _ = _open(app_browser, f"{site}/points.html")
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.reload()
    page.wait_for_selector("html[data-cm-drawn]", timeout=20_000)
    page.wait_for_timeout(500)
    assert not [m for m in console if "outline layer not loaded" in m]
    page.close()


def test_a_province_level_event_is_a_hollow_ring(app_browser: Any, site: str) -> None:
    page, _, _ = _open(app_browser, f"{site}/points.html")
    ring = page.evaluate(
        """() => {
          const g = window.conflictmapLayer, map = g._map;
          const l = g.getLayers().find(l => l.cm && l.cm[7] > 0);
          const p = map.latLngToContainerPoint(l.getLatLng());
          const r = map.getContainer().getBoundingClientRect();
          return {x: r.left + p.x, y: r.top + p.y, radius: l._radius, dashed: l.options.dashArray,
                  filled: l.options.fill};
        }"""
    )
    assert ring["dashed"]
    assert ring["filled"] is False
    assert ring["radius"] > 15  # pixels: a province, not a town
    # Inside the ring, away from its line and centre, the ring does not answer the mouse.
    page.mouse.move(ring["x"] + ring["radius"] / 2, ring["y"] + ring["radius"] / 3)
    page.wait_for_timeout(300)
    assert page.locator(".leaflet-tooltip").count() == 0
    page.mouse.move(ring["x"] + ring["radius"], ring["y"])
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=5_000)
    assert "Badakhshan" in tooltip.inner_text()
    assert "province-level location" in tooltip.inner_text()
    page.close()
