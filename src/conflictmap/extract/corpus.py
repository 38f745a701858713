"""Article files → one event table: each read with its metadata, extracted, warnings collected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from conflictmap.extract.articles import read_article
from conflictmap.extract.pipeline import extract_article
from conflictmap.geo.gazetteer import Gazetteer
from conflictmap.models import SCHEMA_COLUMNS


@dataclass(frozen=True, slots=True, eq=False)
class CorpusExtraction:
    """The events of several articles and what the user should know about them."""

    events: pd.DataFrame
    warnings: tuple[str, ...]


def extract_files(
    paths: Iterable[Path],
    *,
    published: date | None = None,
    source: str | None = None,
    gazetteer: Gazetteer | None = None,
) -> CorpusExtraction:
    """Events from every article file; ``published``/``source`` override each file's own.

    Without ``published`` a file's date comes from FILE.meta.json or its dateline; a file with
    none gets a warning, and its relatively dated rows keep an empty event_date.
    """
    frames: list[pd.DataFrame] = []
    warnings: list[str] = []
    for path in paths:
        article = read_article(path)
        when = published or article.published
        extraction = extract_article(
            article.text,
            published=when,
            source=source or article.source,
            origin=path.name,
            gazetteer=gazetteer,
        )
        frames.append(extraction.events)
        if when is None:
            warnings.append(
                f"{path.name}: no publication date (give --published YYYY-MM-DD, or a "
                f"{path.stem}.meta.json with 'published'); relative dates stay unresolved"
            )
        warnings.extend(f"{path.name}: {warning}" for warning in extraction.warnings)
    events = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(SCHEMA_COLUMNS))
    )
    return CorpusExtraction(events=events, warnings=tuple(warnings))
