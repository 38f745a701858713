"""The events table, server-side: every filtered event sorted, one page of rows read (pure)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from conflictmap.store.dateperiods import date_label
from conflictmap.store.views import NO_DAY, EventView

PAGE_ROWS = 100
# What the table can be sorted by, over all the filtered events.
SORT_KEYS: dict[str, str] = {
    "date": "Date",
    "fatalities": "Deaths",
    "admin1": "Province",
    "event_type": "Type",
    "location": "Location",
    "actor1": "Actor 1",
}
ROW_COLUMNS = (
    "event_date",
    "time_precision",
    "date_text",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "admin1",
    "country",
    "fatalities",
    "notes",
    "source",
    "origin",
    "geo_precision",
    "latitude",
    "longitude",
    "event_id_cnty",
)


def _rank(view: EventView, column: str) -> np.ndarray:
    """Per code of ``column`` (and -1, last), its place in the names' alphabetical order."""
    names = view.names_of(column)
    order = sorted(range(len(names)), key=lambda i: names[i].casefold())
    rank = np.empty(len(names) + 1, dtype=np.int64)
    rank[order] = np.arange(len(names))
    rank[-1] = len(names)
    return rank


def sort_positions(
    view: EventView, positions: np.ndarray, *, key: str = "date", descending: bool = True
) -> np.ndarray:
    """``positions`` ordered by ``key`` (ties: the newest first); undated and empty values last."""
    if key not in SORT_KEYS:
        raise ValueError(f"key={key!r}; expected one of {tuple(SORT_KEYS)}")
    day = view.day[positions].astype(np.int64)
    if key == "date":
        values, missing = day, day == NO_DAY
    elif key == "fatalities":
        values = view.fatalities[positions].astype(np.int64)
        missing = np.zeros(len(positions), dtype=bool)
    else:
        values = _rank(view, key)[view.codes[key][positions]]
        missing = values == len(view.names_of(key))
    sign = -1 if descending else 1
    # np.lexsort sorts by the last key first: missing values last, then the key, then newest.
    order = np.lexsort((-view.ids[positions], -day, sign * values, missing))
    return positions[order]


def page_count(rows: int, *, per_page: int = PAGE_ROWS) -> int:
    return max(1, math.ceil(rows / per_page))


def page_rows(
    view: EventView, ordered: np.ndarray, page: int, *, per_page: int = PAGE_ROWS
) -> pd.DataFrame:
    """Page ``page`` (from 1) of the ordered events, with dates as precise as they are."""
    start = (max(page, 1) - 1) * per_page
    rows = view.source.rows(ordered[start : start + per_page], ROW_COLUMNS)
    if rows.empty:
        return rows
    rows["event_date"] = [
        date_label(d, p, t)
        for d, p, t in zip(
            rows["event_date"], rows["time_precision"], rows["date_text"], strict=True
        )
    ]
    return rows.drop(columns=["time_precision", "date_text"])
