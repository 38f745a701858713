"""Articles we wrote (tests/data/articles/NAME.txt) against their NAME.expected.json, by glob."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conflictmap.extract.articles import read_article
from conflictmap.extract.pipeline import Extraction, extract_article

ARTICLES = sorted((Path(__file__).parent / "data" / "articles").glob("*.txt"))


def _expected(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    return loaded


def _extract(path: Path) -> tuple[Extraction, dict[str, Any]]:
    expected = _expected(path)
    article = read_article(path)
    assert article.published == date.fromisoformat(expected["published"])
    if "source" in expected:
        assert article.source == expected["source"]
    extraction = extract_article(
        article.text, published=article.published, source=article.source, origin=path.name
    )
    return extraction, expected


def _matching(events: pd.DataFrame, wanted: dict[str, Any]) -> pd.DataFrame:
    mask = pd.Series(True, index=events.index)
    for column, value in wanted.items():
        mask &= events[column] == value
    return events[mask]


def _show(events: pd.DataFrame) -> str:
    columns = ["event_date", "sub_event_type", "actor1", "location", "admin1", "place_mention"]
    return events[columns].to_string()


def test_there_are_at_least_six_articles() -> None:
    assert len(ARTICLES) >= 6
    for path in ARTICLES:
        assert path.with_suffix(".expected.json").is_file(), path


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_expected_events_are_found(path: Path) -> None:
    extraction, expected = _extract(path)
    events = extraction.events
    for wanted in expected["events"]:
        assert len(_matching(events, wanted)) >= 1, f"{wanted} not in\n{_show(events)}"


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_forbidden_rows_are_absent(path: Path) -> None:
    extraction, expected = _extract(path)
    for unwanted in expected.get("forbidden", []):
        found = _matching(extraction.events, unwanted)
        assert found.empty, f"{unwanted} found:\n{_show(found)}"


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_mentions_resolve_to_the_expected_places(path: Path) -> None:
    extraction, expected = _extract(path)
    assert expected["mentions"], f"{path.name}: list the mentions this article must resolve"
    for wanted in expected["mentions"]:
        reports = [m for m in extraction.mentions if m.surface == wanted["surface"]]
        assert reports, f"no mention {wanted['surface']!r}"
        for report in reports:
            assert report.place is not None
            if "place" in wanted:
                assert report.place.name == wanted["place"]
            if "admin1" in wanted:
                assert report.place.admin1 == wanted["admin1"]


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_rows_are_in_the_schema(path: Path) -> None:
    extraction, _ = _extract(path)
    events = extraction.events
    assert events.event_id_cnty.is_unique
    assert events.event_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert events.time_precision.isin([1, 2, 3]).all()
    assert events.geo_precision.isin([1, 2, 3]).all()
    assert events.geo_confidence.between(0, 1).all()
    assert (events.origin == path.name).all()
