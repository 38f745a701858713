"""Map: build time, bytes sent, filter change to drawn map in Chromium; vs FastMarkerCluster."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster

from conflictmap.app.assets import ASSET_URL, LEAFLET_URL, STATIC_DIR, leaflet_package_dir
from conflictmap.app.mapview import build_base_map, build_event_layer, build_map
from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.models import EVENT_TYPES, SCHEMA_COLUMNS

SIZES = (1_000, 10_000, 100_000)
PLACES = 3_000
FIRST_DAY = date(2019, 1, 1)
DAYS = 3 * 365
# The filter change: the timeline's end date moves a month (cumulative mode), so both views
# hold most of the events, the worst case for drawing.
VIEW_A_END = FIRST_DAY + timedelta(days=DAYS - 90)
VIEW_B_END = FIRST_DAY + timedelta(days=DAYS - 60)
SWAPS = 3
TIMEOUT_MS = 120_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# How often each ACLED type appears in Afghanistan-like data.
TYPE_WEIGHTS = {
    "Battles": 45,
    "Explosions/Remote violence": 30,
    "Violence against civilians": 10,
    "Protests": 5,
    "Riots": 2,
    "Strategic developments": 8,
}
ACTORS = (
    "Taliban",
    "Military Forces of Afghanistan (2004-2021)",
    "Police Forces of Afghanistan (2004-2021)",
    "Islamic State (Afghanistan)",
    "Unidentified Armed Group (Afghanistan)",
    "Civilians (Afghanistan)",
)
SOURCES = ("Pajhwok Afghan News", "Al Jazeera", "Khaama Press", "TOLOnews", "Reuters")


def synthetic_events(n: int, *, seed: int = 42) -> pd.DataFrame:
    """ACLED-style events from Syria to Afghanistan: a few thousand places, Zipf-like weights.

    As in real ACLED data, a few towns hold most events and many events share coordinates.
    """
    rng = random.Random(seed)
    gazetteer = default_gazetteer()
    towns = sorted(
        (p for p in gazetteer if p.kind == "place" and _in_region(p.latitude, p.longitude)),
        key=lambda p: (-p.population, p.geonameid),
    )[:PLACES]
    provinces = {(p.country_code, p.admin1): p for p in gazetteer if p.kind == "admin1"}
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(towns))]
    types = list(TYPE_WEIGHTS)
    type_weights = list(TYPE_WEIGHTS.values())
    rows = []
    for i, town in enumerate(rng.choices(towns, weights=weights, k=n)):
        kind = rng.choices(types, weights=type_weights)[0]
        sub = rng.choice(EVENT_TYPES[kind])
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        geo = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        place = provinces.get((town.country_code, town.admin1), town) if geo == 3 else town
        actor1, actor2 = rng.sample(ACTORS, 2)
        deaths = rng.choices((0, 1, 2, 5, 12), weights=(50, 20, 15, 10, 5))[0]
        rows.append(
            {
                "event_id_cnty": f"AFG{i:06d}",
                "event_date": day.isoformat(),
                "time_precision": rng.choices((1, 2, 3), weights=(85, 10, 5))[0],
                "event_type": kind,
                "sub_event_type": sub,
                "actor1": actor1,
                "actor2": actor2,
                "country": town.country,
                "admin1": town.admin1,
                "location": place.name,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "geo_precision": geo,
                "source": rng.choice(SOURCES),
                "notes": (
                    f"On {day:%d %B %Y}, {actor1} clashed with {actor2} in {place.name} "
                    f"({town.admin1}); {deaths} people were reported killed. [event {i}]"
                ),
                "fatalities": deaths,
                "place_mention": place.name,
                "date_text": f"on {day:%d %B}",
                "geo_confidence": 1.0,
                "origin": "synthetic",
            }
        )
    return pd.DataFrame(rows).reindex(columns=list(SCHEMA_COLUMNS))


def _in_region(latitude: float, longitude: float) -> bool:
    # From the Levant to Afghanistan and Pakistan: ACLED's Middle East and South Asia.
    return 24.0 <= latitude <= 42.0 and 35.0 <= longitude <= 75.0


def up_to(events: pd.DataFrame, end: date) -> pd.DataFrame:
    """The timeline filter: every event up to ``end``."""
    return events[events["event_date"] <= end.isoformat()]


def stock_map(events: pd.DataFrame) -> tuple[folium.Map, folium.FeatureGroup]:
    """The stock approach: one marker per event in folium's FastMarkerCluster, served locally."""
    # Without a tile layer markercluster needs the map's maxZoom set.
    options: dict[str, Any] = {"maxZoom": 18}
    m = folium.Map(tiles=None, location=[34.0, 66.0], zoom_start=6, **options)
    m.default_js = [("leaflet", f"{LEAFLET_URL}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{LEAFLET_URL}/leaflet.css")]
    return m, stock_layer(events)


def stock_layer(events: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Events")
    cluster = FastMarkerCluster(
        events[["latitude", "longitude"]].to_numpy().tolist(),
        # Leaflet's own marker: folium's default icon needs Awesome Markers, which no package ships.
        callback="function (row) { return L.marker(new L.LatLng(row[0], row[1])); }",
    )
    cluster.default_js = [("markerclusterjs", "/markercluster/leaflet.markercluster.js")]
    cluster.default_css = [
        ("markerclustercss", "/markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", "/markercluster/MarkerCluster.Default.css"),
    ]
    group.add_child(cluster)
    return group


@dataclass(frozen=True, slots=True)
class Figures:
    approach: str
    events: int
    shown: int
    python_s: float
    page_bytes: int
    layer_bytes: int
    first_load_s: float | None = None
    change_s: float | None = None


def run() -> None:
    import importlib.util

    if importlib.util.find_spec("xstatic.pkg.leaflet_markercluster") is None:
        print("   xstatic-leaflet-markercluster is not installed: pip install -e '.[test]'")
        return
    with _site() as (root, url), _chromium() as browser:
        print(
            f"   {'events':>7} {'approach':<13} {'shown':>7} {'python s':>9} {'page KB':>8} "
            f"{'change KB':>9} {'first load s':>12} {'filter→drawn s':>14}"
        )
        results: dict[tuple[int, str], Figures] = {}
        for n in SIZES:
            events = synthetic_events(n)
            for approach in ("conflictmap", "FastMarker"):
                fig = _measure(approach, events, root=root, url=url, browser=browser)
                results[(n, approach)] = fig
                print(
                    f"   {n:>7,} {approach:<13} {fig.shown:>7,} {fig.python_s:>9.2f} "
                    f"{fig.page_bytes / 1024:>8.0f} {fig.layer_bytes / 1024:>9.0f} "
                    f"{_seconds(fig.first_load_s):>12} {_seconds(fig.change_s):>14}"
                )
        print(
            "   (conflictmap: one pie per place with tooltip and popup, the source sentence of the"
            " latest events included; FastMarkerCluster: bare markers, no popup)"
        )
        print("   ratios, FastMarkerCluster / conflictmap (higher: ours is better):")
        for n in SIZES:
            ours, stock = results[(n, "conflictmap")], results[(n, "FastMarker")]
            print(
                f"   {n:>7,}: python {stock.python_s / ours.python_s:.1f}x, "
                f"bytes per change {stock.layer_bytes / ours.layer_bytes:.1f}x, "
                f"first load {_ratio(stock.first_load_s, ours.first_load_s)}, "
                f"filter→drawn {_ratio(stock.change_s, ours.change_s)}"
            )
        big, ten = results[(100_000, "conflictmap")], results[(10_000, "conflictmap")]
        print(
            "   goals: 100,000 events < 2 s and < 5 MB: "
            f"{_seconds(big.change_s)} s, {big.layer_bytes / 1e6:.1f} MB per change "
            f"({big.page_bytes / 1e6:.1f} MB first page); 10,000 events < 0.5 s: "
            f"{_seconds(ten.change_s)} s"
        )


def _measure(approach: str, events: pd.DataFrame, *, root: Path, url: str, browser: Any) -> Figures:
    started = time.perf_counter()
    view_a = up_to(events, VIEW_A_END)
    if approach == "conflictmap":
        m = build_map(view_a)
    else:
        m, layer = stock_map(view_a)
        layer.add_to(m)
    page_a = m.get_root().render()
    python_s = time.perf_counter() - started
    name = f"{approach}-{len(events)}"
    (root / f"{name}.html").write_text(page_a, encoding="utf-8")
    # What a filter change sends with st_folium: the new layer as JS, built on the base map.
    changes = [_layer_js(approach, up_to(events, end), m) for end in (VIEW_B_END, VIEW_A_END)]
    for k, js in enumerate(changes):
        (root / f"{name}-{k}.js").write_text(js, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    try:
        load_s = _timed(lambda: _load(page, f"{url}/{name}.html", approach))
        page.evaluate(f"() => {{ window.map_div = {m.get_name()}; }}")
        change_times = [
            _swap(page, f"{url}/{name}-{i % 2}.js", approach, first=(i == 0)) for i in range(SWAPS)
        ]
        change_s: float | None = statistics.median(change_times)
    except TimeoutError_ as exc:
        print(f"   ({approach}, {len(events):,} events: gave up after {exc})")
        load_s = load_s if "load_s" in locals() else None  # type: ignore[assignment]
        change_s = None
    finally:
        page.close()
    if outside:
        print(f"   WARNING: {approach} asked for {len(outside)} outside URLs, e.g. {outside[0]}")
    return Figures(
        approach=approach,
        events=len(events),
        shown=len(view_a),
        python_s=python_s,
        page_bytes=len(page_a.encode()),
        layer_bytes=len(changes[0].encode()),
        first_load_s=load_s,
        change_s=change_s,
    )


def _layer_js(approach: str, shown: pd.DataFrame, m: folium.Map) -> str:
    from streamlit_folium import _get_feature_group_string

    base = build_base_map() if approach == "conflictmap" else stock_map(shown)[0]
    base.get_root().render()
    layer = build_event_layer(shown) if approach == "conflictmap" else stock_layer(shown)
    # st_folium names the map "map_div" in the layer's script, as the page does after _load.
    return _get_feature_group_string(layer, map=base)


try:
    from playwright.sync_api import TimeoutError as TimeoutError_
except ImportError:  # pragma: no cover - bench needs playwright anyway
    TimeoutError_ = TimeoutError  # type: ignore[misc,assignment]

_DRAWN = {
    "conflictmap": "() => document.documentElement.hasAttribute('data-cm-drawn')",
    "FastMarker": "() => document.querySelectorAll('.leaflet-marker-icon').length > 0",
}


def _load(page: Any, address: str, approach: str) -> None:
    page.goto(address)
    page.wait_for_function(_DRAWN[approach], timeout=TIMEOUT_MS)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")


# Like streamlit-folium's frontend on a new feature group (the layer's JS arriving over
# localhost HTTP here, over Streamlit's websocket there): remove the old layers, eval the new
# one, and wait until the frame with it has been painted. Timed in the page.
_SWAP_JS = """
async ({src, first}) => {
  const started = performance.now();
  const js = await (await fetch(src, {cache: 'no-store'})).text();
  if (first) {
    map_div.eachLayer(l => { if (l instanceof L.FeatureGroup) { map_div.removeLayer(l); } });
  }
  (window.feature_group || []).forEach(l => map_div.removeLayer(l));
  window.feature_group = [];
  (0, eval)(js);
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return [performance.now() - started, document.querySelectorAll('.leaflet-marker-icon').length];
}
"""


def _swap(page: Any, src: str, approach: str, *, first: bool) -> float:
    """Seconds from the filter change (the new layer requested) to the map drawn."""
    elapsed_ms, icons = page.evaluate(_SWAP_JS, {"src": src, "first": first})
    if approach == "FastMarker" and not icons:
        raise TimeoutError_("no cluster drawn")
    return float(elapsed_ms) / 1000


def _timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ratio(stock: float | None, ours: float | None) -> str:
    if stock is None or ours is None:
        return "n/a (stock did not finish)" if ours is not None else "n/a"
    return f"{stock / ours:.1f}x"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _site() -> Iterator[tuple[Path, str]]:
    """A temporary web root outside the repository, laid out as Streamlit serves ./static."""
    from xstatic.pkg import leaflet_markercluster

    with tempfile.TemporaryDirectory(prefix="conflictmap-bench-") as tmp:
        root = Path(tmp)
        # The app's own asset URLs, as it serves them (component paths into the package).
        for url, folder in ((ASSET_URL, STATIC_DIR), (LEAFLET_URL, leaflet_package_dir())):
            target = root / url.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(folder)
        cluster = root / "markercluster"
        cluster.mkdir()
        for name in ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"):
            shutil.copyfile(Path(leaflet_markercluster.BASE_DIR) / name, cluster / name)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield root, f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@contextmanager
def _chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
