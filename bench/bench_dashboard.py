"""Dashboard: Python time of a filter change (filters, timeline, charts) and of a page run."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.bench_map import synthetic_events
from conflictmap.app import charts
from conflictmap.app.filters import (
    Filters,
    event_days,
    filter_choices,
    filter_events,
    filters_from_query,
    timeline_frames,
)
from conflictmap.app.ui_filters import K_DATE
from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore
from conflictmap.store.exports import export_csv

SIZES = (1_000, 10_000, 100_000)
REPEATS = 3
# A typical change: one province and a timeline date, as a shared link would carry them.
QUERY = {"date": "2020-06-30", "mode": "window", "window": "90"}
APP = Path(__file__).resolve().parents[1] / "app.py"


def _best(func: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _filter_change(events: object) -> Callable[[], object]:
    def change() -> object:
        parsed = filters_from_query(QUERY, events=events)  # type: ignore[arg-type]
        shown = filter_events(events, parsed.filters)  # type: ignore[arg-type]
        timeline_frames(event_days(filter_events(events, Filters())))  # type: ignore[arg-type]
        charts.events_over_time_chart(shown).to_dict()
        charts.events_by_province_chart(shown).to_dict()
        return shown

    return change


def _page_run(events: object, root: Path) -> float:
    """Median time of a whole page run under AppTest (store cached, map included)."""
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # "missing ScriptRunContext" notes of bare mode are noise here

    db = root / "bench.db"
    settings = Settings(db_path=db)
    with EventStore.open(settings, seed=False) as store:
        store.import_file(export_csv(events).encode("utf-8"), file_name="synthetic.csv")  # type: ignore[arg-type]
    os.environ["CONFLICTMAP_DB_PATH"] = str(db)
    try:
        at = AppTest.from_file(str(APP), default_timeout=600)
        at.run()  # fills the caches
        runs = []
        for day in (date(2020, 3, 31), date(2020, 6, 30), date(2020, 9, 30)):
            at.slider(key=K_DATE).set_value(day)
            started = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)
    finally:
        os.environ.pop("CONFLICTMAP_DB_PATH", None)


def run() -> None:
    print(f"   {'events':>8} {'choices':>9} {'filter+charts':>14} {'page run':>9}")
    for n in SIZES:
        events = synthetic_events(n)
        choices = _best(lambda events=events: filter_choices(events))
        change = _best(_filter_change(events))
        with tempfile.TemporaryDirectory() as tmp:
            page = _page_run(events, Path(tmp))
        print(f"   {n:>8,} {choices * 1000:>7.0f}ms {change * 1000:>12.0f}ms {page:>8.2f}s")
    print("   (choices are cached per data version; a page run includes building the map)")
