"""Extraction and geoparsing: warm time per article with and without the NER, articles per second.

Goals: extraction ≤ 50 ms per article warm including the NER; geoparse ≤ 30 ms warm with the
NER. The NER's cache of recent texts is off here, so every run parses again. Articles per
second over the development articles (../shared/dev/articles, read in place, when present)
with every core, one process per core.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from conflictmap.extract.articles import read_article
from conflictmap.extract.ner import EntityFinder, SpacyEntities, default_entities
from conflictmap.extract.pipeline import extract_article
from conflictmap.extract.toponyms import geoparse
from conflictmap.geo.gazetteer import default_gazetteer

ROOT = Path(__file__).parents[1]
SEED = ROOT / "data" / "000_7a287e12d804a890.txt"
OURS = sorted((ROOT / "tests" / "data" / "articles").glob("*.txt"))
DEV = ROOT.parent / "shared" / "dev" / "articles"
EXTRACT_GOAL_MS = 50.0
GEOPARSE_GOAL_MS = 30.0
REPEATS = 20


def _median_ms(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(REPEATS):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _report(what: str, goal: float | None, wall: float, cpu: float) -> None:
    verdict = (
        "" if goal is None else f" (goal ≤ {goal:.0f} ms: {'ok' if wall <= goal else 'MISSED'})"
    )
    print(f"   {what}: median {wall:.1f} ms wall, {cpu:.1f} ms CPU{verdict}")


def _extract_one(path: str) -> int:
    article = read_article(Path(path))
    return len(extract_article(article.text, published=article.published, source="bench").events)


def run() -> None:
    started = time.perf_counter()
    gazetteer = default_gazetteer()
    loaded = default_entities()
    print(f"   gazetteer and NER model loaded in {time.perf_counter() - started:.1f} s")
    uncached: EntityFinder | None = (
        SpacyEntities(loaded.nlp, cache_size=0) if isinstance(loaded, SpacyEntities) else None
    )
    seed = SEED.read_text(encoding="utf-8")
    published = date(2021, 8, 12)
    for label, finder, use in (("with NER", uncached, True), ("without NER", None, False)):
        if use and finder is None:
            print("   the NER model is not installed: no figures with the NER")
            continue

        def extraction(f: EntityFinder | None = finder, u: bool = use) -> object:
            return extract_article(
                seed, published=published, source="seed", gazetteer=gazetteer, entities=f, use_ner=u
            )

        def geoparsing(f: EntityFinder | None = finder, u: bool = use) -> object:
            return geoparse(seed, gazetteer=gazetteer, entities=f, use_ner=u)

        goal = EXTRACT_GOAL_MS if use else None
        _report(f"extraction of the seed, warm, {label}", goal, *_median_ms(extraction))
        goal = GEOPARSE_GOAL_MS if use else None
        _report(f"geoparse of the seed, warm, {label}", goal, *_median_ms(geoparsing))
    paths = sorted(DEV.glob("*.txt")) + sorted(DEV.glob("*.html")) if DEV.is_dir() else OURS
    where = "development articles" if DEV.is_dir() else "our test articles"
    cores = os.cpu_count() or 1
    begin = time.perf_counter()
    with ProcessPoolExecutor(max_workers=cores) as pool:
        rows = sum(pool.map(_extract_one, [str(p) for p in paths]))
    elapsed = time.perf_counter() - begin
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"   {len(paths)} {where} on {cores} processes: {len(paths) / elapsed:.1f} articles/s "
        f"including each process's model load ({rows} rows; load average {load})"
    )
