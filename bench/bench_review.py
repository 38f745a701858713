"""Article review: "already known or new" for 30 drafts against 1k, 10k and 100k stored events."""

from __future__ import annotations

import random
import statistics
import time

import pandas as pd

from conflictmap.extract.review import known_or_new

SIZES = (1_000, 10_000, 100_000)
DRAFTS = 30
REPEATS = 5
# Each review edit recomputes the statuses; above this the table feels sluggish.
GOAL_MS = 250.0
SUB_EVENT_TYPES = (
    "Armed clash",
    "Arrests",
    "Attack",
    "Air/drone strike",
    "Non-state actor overtakes territory",
    "Shelling/artillery/missile attack",
)


def synthetic_events(n: int, *, seed: int = 42) -> pd.DataFrame:
    """ACLED-like events: 34 provinces, six sub-types, mostly day-precise dates over 8 years."""
    rng = random.Random(seed)
    return pd.DataFrame(
        {
            "event_id_cnty": [f"AFG{i}" for i in range(n)],
            "event_date": [
                f"20{rng.randint(15, 22)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                for _ in range(n)
            ],
            "time_precision": [rng.choice((1, 1, 1, 1, 2, 3)) for _ in range(n)],
            "admin1": [f"Province {rng.randint(1, 34)}" for _ in range(n)],
            "sub_event_type": [rng.choice(SUB_EVENT_TYPES) for _ in range(n)],
            "location": [f"Town {rng.randint(1, 400)}" for _ in range(n)],
            "date_text": [""] * n,
        }
    )


def run() -> None:
    for size in SIZES:
        stored = synthetic_events(size)
        drafts = stored.sample(DRAFTS, random_state=1).reset_index(drop=True)
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            marked = known_or_new(drafts, stored)
            times.append((time.perf_counter() - started) * 1000)
        known = int((marked["status"] == "already known").sum())
        median = statistics.median(times)
        verdict = "ok" if median < GOAL_MS else "OVER GOAL"
        print(
            f"   {size:>7,} stored, {DRAFTS} drafts: median {median:7.1f} ms "
            f"(goal < {GOAL_MS:.0f} ms, {verdict}); {known}/{DRAFTS} known"
        )
