"""Gazetteer: load (goal <= 1 s), first-time lookups/s (goal 300,000+), nearest()/s, file size."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time

from conflictmap.config import GAZETTEER_FILE
from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.geo.geocoders import GazetteerGeocoder

LOAD_GOAL_S = 1.0
LOOKUP_GOAL = 300_000
COLD_RUNS = 3
# One fresh interpreter: import the module, load the file, print wall and CPU seconds of the load.
# The load alone is timed after the imports (``import conflictmap`` pulls in the whole package).
COLD_SCRIPT = (
    "import time\n"
    "w0, c0 = time.perf_counter(), time.process_time()\n"
    "from conflictmap.geo.gazetteer import Gazetteer\n"
    "w, c = time.perf_counter(), time.process_time()\n"
    "g = Gazetteer.load()\n"
    "print(time.perf_counter() - w, time.process_time() - c, len(g), len(g.names()),"
    " time.perf_counter() - w0)\n"
)
QUERIES = (
    "Kandahar",
    "Kandahar, Afghanistan",
    "Ghazni province",
    "Maidan Wardak",
    "Mazar-i-Sharif",
    "Kondoz",
    "Doha",
    "Kyiv",
    "Fayzabad, Jowzjan, Afghanistan",
    "Abdullah",
)


def run() -> None:
    cold = [_cold_load() for _ in range(COLD_RUNS)]
    wall = statistics.median(c[0] for c in cold)
    cpu = statistics.median(c[1] for c in cold)
    process = statistics.median(c[4] for c in cold)
    places, keys = cold[0][2], cold[0][3]
    verdict = "ok" if wall <= LOAD_GOAL_S else "SLOWER THAN GOAL"
    print(
        f"   load in a fresh process: median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
        f"over {COLD_RUNS} runs ({places:,} entries, {keys:,} keys; goal <= {LOAD_GOAL_S:.0f} s: "
        f"{verdict}); with the imports: {process * 1000:.0f} ms"
    )
    size = GAZETTEER_FILE.stat().st_size
    print(f"   install size of the gazetteer file: {size / 1e6:.1f} MB")

    gazetteer = default_gazetteer()
    rng = random.Random(42)
    keys_sorted = sorted(gazetteer.names())
    distinct = rng.sample(keys_sorted, 40_000)
    first, second = distinct[:20_000], distinct[20_000:]

    rate = _per_second(gazetteer.candidates, first)
    verdict = "ok" if rate >= LOOKUP_GOAL else "SLOWER THAN GOAL"
    print(
        f"   candidates(), 20,000 distinct names each asked for the first time: "
        f"{rate:,.0f} lookups/s (goal {LOOKUP_GOAL:,}+: {verdict})"
    )
    rate = _per_second(gazetteer.candidates, first)
    print(f"   candidates(), the same names again: {rate:,.0f} lookups/s")

    geocoder = GazetteerGeocoder(gazetteer)
    rate = _per_second(geocoder.geocode, second)
    verdict = "ok" if rate >= LOOKUP_GOAL else "SLOWER THAN GOAL"
    print(
        f"   offline geocode (geopy Location), 20,000 other names each asked once: "
        f"{rate:,.0f} lookups/s (goal {LOOKUP_GOAL:,}+: {verdict})"
    )
    repeated = [QUERIES[i % len(QUERIES)] for i in range(100_000)]
    rate = _per_second(geocoder.geocode, repeated)
    print(
        f"   offline geocode, 10 usual names asked again and again (answers cached): "
        f"{rate:,.0f} lookups/s (Nominatim's public service allows 1/s)"
    )

    towns = [p for p in gazetteer if p.kind == "place"]
    points = []
    for _ in range(20_000):
        town = rng.choice(towns)
        points.append(
            (town.latitude + rng.uniform(-0.5, 0.5), town.longitude + rng.uniform(-0.5, 0.5))
        )
    gazetteer.nearest(0.0, 0.0)  # builds the grid once, outside the timing
    rate = _per_second(lambda point: gazetteer.nearest(*point), points)
    print(f"   nearest() within 100 km: {rate:,.0f} lookups/s")


def _cold_load() -> tuple[float, float, int, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3]), float(out[4])


def _per_second(func: object, items: list) -> float:
    call = func
    begin = time.perf_counter()
    for item in items:
        call(item)  # type: ignore[operator]
    return len(items) / (time.perf_counter() - begin)
