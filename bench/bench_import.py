"""Import a 100,000-row ACLED-style CSV (goal < 5 s) and load it back from the store (< 0.5 s)."""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pandas as pd

from conflictmap.config import Settings
from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.geo.geocoders import GazetteerGeocoder
from conflictmap.models import ACLED_COLUMNS, EVENT_TYPES
from conflictmap.store.eventstore import EventStore

T = TypeVar("T")
ROWS = 100_000
PLACES = 600
IMPORT_GOAL_S = 5.0
LOAD_GOAL_S = 0.5
PROVINCES = ("Kabul", "Ghazni", "Kandahar", "Helmand", "Kunduz", "Herat", "Balkh", "Maidan Wardak")
ACTORS = (
    ("Taliban", "Rebel group"),
    ("Military Forces of Afghanistan (2004-2021)", "State forces"),
    ("Civilians (Afghanistan)", "Civilians"),
    ("Protesters (Afghanistan)", "Protesters"),
    ("Unidentified Armed Group (Afghanistan)", "Political militia"),
)


def write_acled_csv(path: Path, *, rows: int = ROWS, seed: int = 42) -> None:
    """A deterministic ACLED-style export: 31 columns, many rows sharing a place's coordinates."""
    rng = random.Random(seed)
    places = [
        (
            f"Place {i}",
            rng.choice(PROVINCES),
            round(rng.uniform(31.0, 37.0), 4),
            round(rng.uniform(62.0, 71.0), 4),
        )
        for i in range(PLACES)
    ]
    types = [(t, s) for t, subs in EVENT_TYPES.items() for s in subs]
    first = date(2018, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACLED_COLUMNS)
        for i in range(rows):
            name, province, lat, lon = rng.choice(places)
            event_type, sub = rng.choice(types)
            (actor1, inter1), (actor2, inter2) = rng.sample(ACTORS, 2)
            day = first + timedelta(days=rng.randrange(2_000))
            values = {
                "event_id_cnty": f"AFG{i + 1}",
                "event_date": day.strftime("%d %B %Y"),
                "year": str(day.year),
                "time_precision": str(rng.choice((1, 1, 1, 2, 3))),
                "disorder_type": "Political violence",
                "event_type": event_type,
                "sub_event_type": sub,
                "actor1": actor1,
                "inter1": inter1,
                "actor2": actor2,
                "inter2": inter2,
                "interaction": f"{inter1}-{inter2}",
                "iso": "4",
                "region": "Caucasus and Central Asia",
                "country": "Afghanistan",
                "admin1": province,
                "admin2": f"{province} district",
                "location": name,
                "latitude": str(lat),
                "longitude": str(lon),
                "geo_precision": str(rng.choice((1, 1, 2, 3))),
                "source": rng.choice(("Pajhwok Afghan News", "Tolo News", "Khaama Press")),
                "source_scale": "National",
                "notes": f"On {day:%d %B %Y}, {actor1} and {actor2} near {name}; report {i}.",
                "fatalities": str(rng.choice((0, 0, 0, 1, 2, 5, 12))),
                "timestamp": "1700000000",
            }
            writer.writerow([values.get(c, "") for c in ACLED_COLUMNS])


def timed(func: Callable[[], T]) -> tuple[T, float, float]:
    """func()'s result, wall seconds and this process's CPU seconds (the machine is shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="conflictmap-bench-") as folder:
        tmp = Path(folder)
        data = tmp / "acled_100k.csv"
        write_acled_csv(data)
        size_mb = data.stat().st_size / 1e6
        gazetteer, gazetteer_s, _ = timed(default_gazetteer)
        floor, floor_s, floor_cpu = timed(lambda: pd.read_csv(data))

        store = EventStore.open(
            Settings(data_dir=tmp),
            path=tmp / "events.db",
            gazetteer=gazetteer,
            geocoder=GazetteerGeocoder(gazetteer),
        )
        report, import_s, import_cpu = timed(lambda: store.import_file(data))
        store.close()
        assert report.accepted == len(floor) == ROWS, report.summary()

        def load() -> pd.DataFrame:
            reader = EventStore.open(Settings(data_dir=tmp), path=tmp / "events.db", seed=False)
            try:
                return reader.events()
            finally:
                reader.close()

        cold, cold_s, cold_cpu = timed(load)
        warm = [timed(load) for _ in range(3)]
        assert len(cold) == ROWS and all(len(w[0]) == ROWS for w in warm)
        load_s, load_cpu = min(w[1] for w in warm), min(w[2] for w in warm)

    load_avg = os.getloadavg()[0]
    print(
        f"   file: {ROWS:,} rows, {size_mb:.1f} MB, {PLACES} places; times: wall / CPU "
        f"(load average {load_avg:.1f} on {os.cpu_count()} cores: wall > CPU when shared)"
    )
    print(f"   gazetteer load (once per process, not counted): {gazetteer_s:.2f} s")
    print(f"   pandas.read_csv (floor): {floor_s:.2f} / {floor_cpu:.2f} s")
    verdict = "ok" if import_s < IMPORT_GOAL_S else "SLOW"
    print(
        f"   import (read, validate, place, de-dup, write): {import_s:.2f} / {import_cpu:.2f} s "
        f"[goal < {IMPORT_GOAL_S:.0f} s: {verdict}], {import_s / floor_s:.1f}x read_csv"
    )
    print(
        f"   first load after the import (SQL; writes the Arrow snapshot): "
        f"{cold_s:.2f} / {cold_cpu:.2f} s"
    )
    verdict = "ok" if load_s < LOAD_GOAL_S else "SLOW"
    print(
        f"   load {ROWS:,} events from the store (snapshot): {load_s:.2f} / {load_cpu:.2f} s "
        f"[goal < {LOAD_GOAL_S} s: {verdict}]"
    )
