"""Dashboard: Python time of the per-version view, a filter change (map, charts, table), a run."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from streamlit_folium import _get_feature_group_string

from bench.bench_browser import store_generated_events
from conflictmap.app import charts, mapview, table
from conflictmap.app.filters import filter_choices, filters_from_query, select
from conflictmap.app.ui_filters import K_DATE
from conflictmap.store.rowsource import store_view

SIZES = (10_000, 100_000)
REPEATS = 3
# A typical change: a timeline date and a window, as a shared link would carry them.
QUERY = {"date": "2020-06-30", "mode": "window", "window": "90"}
APP = Path(__file__).resolve().parents[1] / "app.py"


def _best(func: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _page_run(db: Path) -> float:
    """Median time of a whole page run under AppTest (view cached, map included)."""
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # "missing ScriptRunContext" notes of bare mode are noise here
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


def _measure(n: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store_generated_events(db, n)
        started = time.perf_counter()
        view = store_view(db)
        build = time.perf_counter() - started
        choices = filter_choices(view)
        choices_s = _best(lambda: filter_choices(view))
        filters = filters_from_query(QUERY, choices=choices).filters
        shown = select(view, filters, bounds=choices.bounds)
        filter_s = _best(lambda: select(view, filters, bounds=choices.bounds))
        base = mapview.build_base_map()
        base.get_root().render()
        map_s = _best(
            lambda: _get_feature_group_string(mapview.build_event_layer(view, shown), map=base)
        )
        charts_s = _best(
            lambda: (
                charts.events_over_time_chart(view, shown).to_dict(),
                charts.events_by_province_chart(view, shown).to_dict(),
            )
        )
        table_s = _best(
            lambda: table.page_rows(view, table.sort_positions(view, shown, key="fatalities"), 1)
        )
        page = _page_run(db)
    return (
        f"   {n:>9,} {build:>6.2f}s {choices_s * 1000:>6.0f}ms {filter_s * 1000:>5.0f}ms "
        f"{map_s * 1000:>5.0f}ms {charts_s * 1000:>5.0f}ms {table_s * 1000:>5.0f}ms "
        f"{page:>8.2f}s"
    )


def run(sizes: tuple[int, ...] = SIZES) -> None:
    print(
        f"   {'events':>9} {'view':>7} {'choices':>8} {'filter':>7} {'map':>7} {'charts':>7} "
        f"{'table':>7} {'page run':>9}"
    )
    for n in sizes:
        print(_measure(n), flush=True)
    print("   (view and choices: once per store version; filter, map, charts, table: every run)")


if __name__ == "__main__":
    run(tuple(int(a) for a in sys.argv[1:]) or SIZES)
