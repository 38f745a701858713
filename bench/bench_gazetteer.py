"""Gazetteer: cold load (goal < 1 s), offline geocode lookups/s (goal 100,000+), nearest()/s."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time

from conflictmap.geo.gazetteer import default_gazetteer
from conflictmap.geo.geocoders import GazetteerGeocoder

LOAD_GOAL_S = 1.0
LOOKUP_GOAL = 100_000
COLD_RUNS = 3
# One fresh interpreter: import the module, load the file, print wall and CPU seconds of the load.
COLD_SCRIPT = (
    "import time\n"
    "w, c = time.perf_counter(), time.process_time()\n"
    "from conflictmap.geo.gazetteer import Gazetteer\n"
    "g = Gazetteer.load()\n"
    "print(time.perf_counter() - w, time.process_time() - c, len(g), len(g.names()))\n"
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
    places, keys = cold[0][2], cold[0][3]
    verdict = "ok" if wall < LOAD_GOAL_S else "SLOWER THAN GOAL"
    print(
        f"   cold load in a fresh process: median {wall * 1000:.0f} ms wall, "
        f"{cpu * 1000:.0f} ms CPU over {COLD_RUNS} runs ({places} places, {keys} keys; "
        f"goal < {LOAD_GOAL_S:.0f} s: {verdict})"
    )

    gazetteer = default_gazetteer()
    geocoder = GazetteerGeocoder(gazetteer)
    rng = random.Random(42)

    repeated = [QUERIES[i % len(QUERIES)] for i in range(100_000)]
    rate = _per_second(geocoder.geocode, repeated)
    verdict = "ok" if rate >= LOOKUP_GOAL else "SLOWER THAN GOAL"
    print(
        f"   offline geocode, 10 usual names asked again and again (answers cached): "
        f"{rate:,.0f} lookups/s (goal {LOOKUP_GOAL:,}+: {verdict}; "
        "Nominatim's public service allows 1/s)"
    )

    distinct = rng.sample(sorted(gazetteer.names()), 20_000)
    rate = _per_second(geocoder.geocode, distinct)
    verdict = "ok" if rate >= LOOKUP_GOAL else "SLOWER THAN GOAL"
    print(
        f"   offline geocode, 20,000 distinct names, each asked once (no cache): "
        f"{rate:,.0f} lookups/s (goal {LOOKUP_GOAL:,}+: {verdict})"
    )
    rate = _per_second(gazetteer.candidates, distinct)
    print(f"   candidates(), the same names again: {rate:,.0f} lookups/s")

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


def _cold_load() -> tuple[float, float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


def _per_second(func: object, items: list) -> float:
    call = func  # type: ignore[assignment]
    begin = time.perf_counter()
    for item in items:
        call(item)  # type: ignore[operator]
    return len(items) / (time.perf_counter() - begin)
