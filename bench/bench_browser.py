"""Dashboard in Chromium: first view after an import, filter change to map redrawn, server memory.

`python -m bench.bench_browser --sizes 10000,100000,1000000` (the default run of `python -m
bench` stops at 100,000). The events are written straight into a fresh store through the
store's schema (an import of a file this size would take minutes and is measured elsewhere),
then `streamlit run app.py` is started on that store and driven in Debian's Chromium at
1440×900: the first view is the time from opening the page to the map drawn with every event;
each filter change (a province, then an event type, then the timeline one day earlier) is
timed from the input that makes it (the option chosen, the key pressed) to the map drawn
again. The server's peak memory is its VmHWM.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_map import ACTORS, SOURCES
from conflictmap.ingest.validation import RECORD_COLUMNS
from conflictmap.models import EVENT_TYPES
from conflictmap.store.schema import INSERT_COLUMNS, INSERT_SQL

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10_000, 100_000)
PLACES = 3_000
FIRST_DAY = date(2019, 1, 1)
DAYS = 3 * 365
TIMEOUT_MS = 180_000
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
GOALS = {  # events: (first view s, filter change s, server GB)
    100_000: (None, 0.5, None),
    1_000_000: (5.0, 1.0, 1.5),
}


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    admin1: str
    country: str
    latitude: float
    longitude: float


def _towns(seed: int = 7) -> list[Town]:
    """Made-up places from the Levant to Afghanistan: 3 countries of 12 provinces each (no
    gazetteer, so the benchmark does not depend on its build)."""
    rng = np.random.default_rng(seed)
    towns = []
    for i in range(PLACES):
        c, a = i % 3, (i // 3) % 12
        lat = 28.0 + 4.0 * (a // 4) + rng.uniform(0, 4)
        lon = 38.0 + 12.0 * c + 3.0 * (a % 4) + rng.uniform(0, 3)
        towns.append(
            Town(
                f"Town {i:04d}",
                f"Province {c}-{a:02d}",
                f"Country {c}",
                round(lat, 5),
                round(lon, 5),
            )
        )
    return towns


def store_generated_events(db_path: Path, n: int, *, seed: int = 42) -> None:
    """``n`` ACLED-like events (Zipf-weighted towns, 3 years) written into the store at
    ``db_path`` (made if need be) through its schema, as one recorded file import (the
    version bumped)."""
    from conflictmap.config import Settings
    from conflictmap.store.eventstore import EventStore

    EventStore.open(Settings(db_path=db_path)).close()
    rng = np.random.default_rng(seed)
    towns = _towns()
    weights = 1.0 / (np.arange(len(towns)) + 1) ** 0.8
    town = rng.choice(len(towns), size=n, p=weights / weights.sum())
    kinds = list(EVENT_TYPES)
    kind = rng.choice(len(kinds), size=n, p=[0.45, 0.3, 0.1, 0.05, 0.02, 0.08])
    day = rng.integers(0, DAYS, size=n)
    time_precision = rng.choice([1, 2, 3], size=n, p=[0.85, 0.1, 0.05])
    geo = rng.choice([1, 2, 3], size=n, p=[0.7, 0.2, 0.1])
    deaths = rng.choice([0, 1, 2, 5, 12, 30], size=n, p=[0.5, 0.2, 0.15, 0.1, 0.049, 0.001])
    actor = rng.integers(0, len(ACTORS), size=(n, 2))
    source = rng.integers(0, len(SOURCES), size=n)
    sub = rng.integers(0, 100, size=n)
    first = np.datetime64(FIRST_DAY.isoformat())
    iso = np.datetime_as_string(first + day.astype("timedelta64[D]"), unit="D")
    position = {c: i for i, c in enumerate(INSERT_COLUMNS)}
    bookkeeping = [c for c in INSERT_COLUMNS if c not in RECORD_COLUMNS]

    def rows() -> Iterator[list[Any]]:
        blank: list[Any] = [None] * len(INSERT_COLUMNS)
        for i in range(n):
            t = towns[town[i]]
            # A province-level event stands at its province's first town (its "capital").
            at = towns[town[i] % 3 + 3 * ((town[i] // 3) % 12)] if geo[i] == 3 else t
            typ = kinds[kind[i]]
            subs = EVENT_TYPES[typ]
            a1, a2 = ACTORS[actor[i, 0]], ACTORS[(actor[i, 0] + 1 + actor[i, 1] % 5) % 6]
            row = list(blank)
            values = {
                "event_id_cnty": f"GEN{i:07d}",
                "event_date": str(iso[i]),
                "time_precision": int(time_precision[i]),
                "event_type": typ,
                "sub_event_type": subs[sub[i] % len(subs)],
                "actor1": a1,
                "actor2": a2,
                "country": t.country,
                "admin1": t.admin1,
                "location": at.name,
                "latitude": at.latitude,
                "longitude": at.longitude,
                "geo_precision": int(geo[i]),
                "source": SOURCES[source[i]],
                "notes": f"{a1} clashed with {a2} in {t.name} ({t.admin1}); "
                f"{deaths[i]} people were reported killed. [event {i}]",
                "fatalities": int(deaths[i]),
                "place_mention": t.name,
                "date_text": "on that day",
                "geo_confidence": 1.0,
                "origin": "generated.csv",
            }
            for column, value in values.items():
                row[position[column]] = value
            # The store's own bookkeeping columns (keys, hashes, lines): unique per event.
            for column in bookkeeping:
                row[position[column]] = f"GEN{i:07d}" if column.endswith("key") else i + 2
            yield row

    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(INSERT_SQL, rows())
        db.execute(
            "INSERT INTO imports (origin, file_name, kind, sha256, imported_at, rows_read, "
            "accepted, rejected, duplicates) VALUES (?, ?, 'file', NULL, ?, ?, ?, 0, 0)",
            ("generated.csv", "generated.csv", "2026-01-01T00:00:00+00:00", n, n),
        )
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
        db.execute("COMMIT")
    finally:
        db.close()


@dataclass(frozen=True, slots=True)
class Figures:
    events: int
    store_s: float
    first_view_s: float
    province_s: float
    event_type_s: float
    timeline_s: float
    peak_gb: float
    end_gb: float


def _memory_gb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


@contextmanager
def _server(db_path: Path, home: Path) -> Iterator[tuple[str, int]]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {
        **os.environ,
        "CONFLICTMAP_DB_PATH": str(db_path),
        "XDG_DATA_HOME": str(home),
        "CONFLICTMAP_ONLINE_TILES": "false",
    }
    log = (home / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start: see " + str(home / "streamlit.log"))
            time.sleep(0.3)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


_DRAWN_AT = "() => window.conflictmapDrawn ? window.conflictmapDrawn.at : 0"


def _map_frame(page: Any) -> Any:
    handle = page.wait_for_selector(MAP_FRAME, timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    while frame is None:  # pragma: no cover - the iframe's document is attached a moment later
        page.wait_for_timeout(50)
        frame = handle.content_frame()
    return frame


def _redrawn(page: Any, before: float) -> None:
    """Wait until the map has drawn a layer after ``before`` (its own clock, ms).

    Polled from here, the map's frame looked up each time: Streamlit may replace the iframe.
    """
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            if float(_map_frame(page).evaluate(_DRAWN_AT)) > before:
                return
        except Exception:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"the map was not redrawn within {TIMEOUT_MS / 1000:.0f} s")


def _pick(page: Any, label: str, option: str) -> Any:
    """Type ``option`` into the sidebar multiselect labelled ``label``; the action that
    chooses it (the filter change itself, timed from there)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).first.wait_for(timeout=TIMEOUT_MS)
    return lambda: page.keyboard.press("Enter")


def _timed_change(page: Any, action: Any) -> float:
    frame = _map_frame(page)
    before = float(frame.evaluate(_DRAWN_AT))
    started = time.perf_counter()
    action()
    _redrawn(page, before)
    elapsed = time.perf_counter() - started
    page.keyboard.press("Escape")
    return elapsed


def _busiest_province(db_path: Path) -> tuple[str, str]:
    with sqlite3.connect(db_path) as db:
        admin1 = db.execute(
            "SELECT admin1 FROM events GROUP BY admin1 ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()[0]
    return str(admin1), "Battles"


def _drawn_total(page: Any, total: int) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            drawn = _map_frame(page).evaluate("() => window.conflictmapDrawn || null")
            if drawn and drawn["total"] == total:
                return
        except Exception:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"the map did not draw {total:,} events within {TIMEOUT_MS / 1000:.0f} s")


def measure(n: int, browser: Any) -> Figures:
    """As an analyst meets it: the app open on an empty store (the sample shows), the events
    imported while it runs, then the page opened again in the same browser (its cache warm)."""
    from conflictmap.config import Settings
    from conflictmap.store.eventstore import EventStore

    with tempfile.TemporaryDirectory(prefix="conflictmap-browser-") as tmp:
        root = Path(tmp)
        db_path = root / "events.db"
        EventStore.open(Settings(db_path=db_path)).close()
        with _server(db_path, root) as (url, pid):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            try:
                warm = context.new_page()
                warm.goto(url)
                _redrawn(warm, 0)
                warm.close()
                started = time.perf_counter()
                store_generated_events(db_path, n)
                store_s = time.perf_counter() - started
                province, event_type = _busiest_province(db_path)
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url)
                _drawn_total(page, n)
                first_view = time.perf_counter() - started
                province_s = _timed_change(page, _pick(page, "Province", province))
                type_s = _timed_change(page, _pick(page, "Event type", event_type))

                def earlier() -> None:
                    thumb = (
                        page.get_by_test_id("stSlider").filter(has_text="Timeline")
                    ).get_by_role("slider")
                    thumb.focus()
                    page.keyboard.press("ArrowLeft")

                timeline_s = _timed_change(page, earlier)
            finally:
                context.close()
            peak, end = _memory_gb(pid, "VmHWM"), _memory_gb(pid, "VmRSS")
    return Figures(n, store_s, first_view, province_s, type_s, timeline_s, peak, end)


def run(sizes: tuple[int, ...] = DEFAULT_SIZES) -> None:
    from playwright.sync_api import sync_playwright

    print(
        f"   {'events':>9} {'stored s':>8} {'first view s':>12} {'province s':>10} "
        f"{'type s':>7} {'timeline s':>10} {'peak GB':>8} {'end GB':>7}"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for n in sizes:
                f = measure(n, browser)
                print(
                    f"   {f.events:>9,} {f.store_s:>8.1f} {f.first_view_s:>12.2f} "
                    f"{f.province_s:>10.2f} {f.event_type_s:>7.2f} {f.timeline_s:>10.2f} "
                    f"{f.peak_gb:>8.2f} {f.end_gb:>7.2f}",
                    flush=True,
                )
                first_goal, change_goal, memory_goal = GOALS.get(n, (None, None, None))
                verdicts = []
                if first_goal is not None:
                    verdicts.append(f"first view ≤ {first_goal} s: {f.first_view_s <= first_goal}")
                if change_goal is not None:
                    worst = max(f.province_s, f.event_type_s, f.timeline_s)
                    verdicts.append(f"filter change ≤ {change_goal} s: {worst <= change_goal}")
                if memory_goal is not None:
                    verdicts.append(f"server ≤ {memory_goal} GB: {f.peak_gb <= memory_goal}")
                if verdicts:
                    print("             goals: " + "; ".join(verdicts), flush=True)
        finally:
            browser.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated event counts (default %(default)s; the goals are for 1000000)",
    )
    args = parser.parse_args(argv)
    run(tuple(int(s.replace("_", "")) for s in args.sizes.split(",")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
