"""Import 100k ACLED rows and 1M generated rows: time and peak memory as ratios to pandas."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from conflictmap.models import ACLED_COLUMNS, EVENT_TYPES

ROWS = 100_000
BIG_ROWS = int(os.environ.get("CONFLICTMAP_BENCH_BIG_ROWS", "1000000"))
PLACES = 600
# Goals (issue 9): time and peak memory against pandas.read_csv(F).to_sql(...) in the same run.
TIME_RATIO_GOAL = 1.5
BIG_PEAK_MB_GOAL = 500.0
REIMPORT_GOAL_S = 0.5
PROVINCES = ("Kabul", "Ghazni", "Kandahar", "Helmand", "Kunduz", "Herat", "Balkh", "Maidan Wardak")
ACTORS = (
    ("Taliban", "Rebel group"),
    ("Military Forces of Afghanistan (2004-2021)", "State forces"),
    ("Civilians (Afghanistan)", "Civilians"),
    ("Protesters (Afghanistan)", "Protesters"),
    ("Unidentified Armed Group (Afghanistan)", "Political militia"),
)
BIG_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "fatalities",
    "notes",
)


def _places(rng: random.Random) -> list[tuple[str, str, float, float]]:
    return [
        (
            f"Place {i}",
            rng.choice(PROVINCES),
            round(rng.uniform(31.0, 37.0), 4),
            round(rng.uniform(62.0, 71.0), 4),
        )
        for i in range(PLACES)
    ]


def write_acled_csv(path: Path, *, rows: int = ROWS, seed: int = 42) -> None:
    """A deterministic ACLED-style export: 31 columns, many rows sharing a place's coordinates."""
    rng = random.Random(seed)
    places = _places(rng)
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


def write_big_csv(path: Path, *, rows: int = BIG_ROWS, seed: int = 7) -> None:
    """A deterministic file of our schema's main columns, ISO dates, a tenth without ids."""
    rng = random.Random(seed)
    places = _places(rng)
    types = [(t, s) for t, subs in EVENT_TYPES.items() for s in subs]
    days = [(date(2015, 1, 1) + timedelta(days=d)).isoformat() for d in range(3_000)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(BIG_COLUMNS)
        for i in range(rows):
            name, province, lat, lon = rng.choice(places)
            event_type, sub = rng.choice(types)
            writer.writerow(
                (
                    f"GEN{i}" if i % 10 else "",
                    rng.choice(days),
                    event_type,
                    sub,
                    rng.choice(ACTORS)[0],
                    "Afghanistan",
                    province,
                    name,
                    lat,
                    lon,
                    rng.choice((0, 0, 1, 3)),
                    f"Generated event {i} near {name}.",
                )
            )


PANDAS_CHILD = """
import json, resource, sqlite3, sys, time
import pandas as pd
data, db = sys.argv[1], sys.argv[2]
started, cpu = time.perf_counter(), time.process_time()
with sqlite3.connect(db) as con:
    pd.read_csv(data).to_sql("events", con, index=False)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak}))
"""

IMPORT_CHILD = """
import json, resource, sys, time
from pathlib import Path
from conflictmap.config import Settings
from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.geo.geocoders import GazetteerGeocoder
from conflictmap.store.eventstore import EventStore
data, db = Path(sys.argv[1]), Path(sys.argv[2])
gazetteer = default_gazetteer()
store = EventStore(db, settings=Settings(data_dir=db.parent), gazetteer=gazetteer,
                   geocoder=GazetteerGeocoder(gazetteer))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started, cpu = time.perf_counter(), time.process_time()
report = store.import_file(data)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
again = store.import_file(data)
reimport = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "before_mb": before,
                  "reimport_s": reimport, "accepted": report.accepted,
                  "rows_read": report.rows_read, "again_accepted": again.accepted}))
"""


def _child(script: str, data: Path, db: Path) -> dict[str, float]:
    db.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", script, str(data), str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return result


def _case(label: str, data: Path, tmp: Path, *, rows: int, memory_goal: float | None) -> None:
    floor = _child(PANDAS_CHILD, data, tmp / "pandas.db")
    ours = _child(IMPORT_CHILD, data, tmp / "events.db")
    assert ours["rows_read"] == rows, ours
    ratio = ours["seconds"] / floor["seconds"]
    verdict = "ok" if ratio <= TIME_RATIO_GOAL else "SLOW"
    size_mb = data.stat().st_size / 1e6
    print(f"   {label}: {rows:,} rows, {size_mb:.0f} MB, {ours['accepted']:,.0f} accepted")
    print(
        f"     pandas read_csv+to_sql: {floor['seconds']:.2f} s wall, {floor['cpu']:.2f} s CPU, "
        f"peak {floor['peak_mb']:.0f} MB"
    )
    print(
        f"     import: {ours['seconds']:.2f} s wall = {ratio:.2f}x pandas "
        f"[goal <= {TIME_RATIO_GOAL}x: {verdict}]; {ours['cpu']:.2f} s CPU = "
        f"{ours['cpu'] / floor['cpu']:.2f}x (the machine is shared: CPU ratios are steadier)"
    )
    mem_ratio = ours["peak_mb"] / floor["peak_mb"]
    line = (
        f"     peak RSS: {ours['peak_mb']:.0f} MB = {mem_ratio:.2f}x pandas "
        f"(gazetteer and interpreter before the import: {ours['before_mb']:.0f} MB)"
    )
    if memory_goal is not None:
        line += (
            f" [goal <= {memory_goal:.0f} MB: {'ok' if ours['peak_mb'] <= memory_goal else 'HIGH'}]"
        )
    print(line)
    verdict = "ok" if ours["reimport_s"] < REIMPORT_GOAL_S else "SLOW"
    print(
        f"     re-import of the unchanged file: {ours['reimport_s']:.2f} s "
        f"({ours['again_accepted']:.0f} accepted) [goal < {REIMPORT_GOAL_S} s: {verdict}]"
    )


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="conflictmap-bench-") as folder:
        tmp = Path(folder)
        acled = tmp / "acled_100k.csv"
        write_acled_csv(acled)
        _case("ACLED export", acled, tmp, rows=ROWS, memory_goal=None)
        big = tmp / "generated_big.csv"
        started = time.perf_counter()
        write_big_csv(big)
        print(f"   (generated {BIG_ROWS:,} rows in {time.perf_counter() - started:.0f} s)")
        _case("generated file", big, tmp, rows=BIG_ROWS, memory_goal=BIG_PEAK_MB_GOAL)
    print(f"   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
