"""Extraction: median time per article for the seed, warm (goal < 20 ms), articles per second."""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from pathlib import Path

from conflictmap.extract.articles import read_article
from conflictmap.extract.pipeline import extract_article
from conflictmap.geo.gazetteer import default_gazetteer

ROOT = Path(__file__).parents[1]
SEED = ROOT / "data" / "000_7a287e12d804a890.txt"
CORPUS = sorted((ROOT / "tests" / "data" / "articles").glob("*.txt"))
SEED_GOAL_MS = 20.0
REPEATS = 50


def run() -> None:
    started = time.perf_counter()
    gazetteer = default_gazetteer()
    seed = SEED.read_text(encoding="utf-8")
    published = date(2021, 8, 12)
    first = time.perf_counter()
    extract_article(seed, published=published, source="seed", gazetteer=gazetteer)
    cold_ms = (time.perf_counter() - first) * 1000
    print(
        f"   first extraction (gazetteer load, imports, regex compile): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms, of which extraction {cold_ms:.0f} ms"
    )
    times = []
    cpu_times = []
    for _ in range(REPEATS):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        extract_article(seed, published=published, source="seed", gazetteer=gazetteer)
        times.append((time.perf_counter() - begin) * 1000)
        cpu_times.append((time.process_time() - begin_cpu) * 1000)
    median = statistics.median(times)
    # On a shared machine the wall clock includes waiting for a core; CPU time does not.
    print(f"   seed, warm: median CPU time {statistics.median(cpu_times):.1f} ms per article")
    verdict = "ok" if median < SEED_GOAL_MS else "SLOWER THAN GOAL"
    print(
        f"   seed, warm: median {median:.1f} ms per article over {REPEATS} runs "
        f"(goal < {SEED_GOAL_MS:.0f} ms: {verdict})"
    )
    articles = [read_article(path) for path in CORPUS] + [read_article(SEED)]
    words = sum(len(a.text.split()) for a in articles)
    rounds = 10
    begin = time.perf_counter()
    for _ in range(rounds):
        for article in articles:
            extract_article(
                article.text,
                published=article.published,
                source=article.source,
                gazetteer=gazetteer,
            )
    elapsed = time.perf_counter() - begin
    count = rounds * len(articles)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"   machine load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    print(
        f"   corpus: {len(articles)} articles ({words} words), {count / elapsed:.0f} articles/s, "
        f"{count * words / len(articles) / elapsed:,.0f} words/s"
    )
