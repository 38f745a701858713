"""How precisely an event is dated: its period (day, week, month, year) and how it is shown.

ACLED's ``time_precision`` is 1 for a day, 2 for a week and 3 for a month or a broader period;
an event of precision 3 whose source names a year alone ("in 2015") is dated by that year.
The stored ``event_date`` of such an event is a day inside the period, not a claim about it.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any, Final

DAY: Final = 0
WEEK: Final = 1
MONTH: Final = 2
YEAR: Final = 3
PERIOD_NAMES: Final = ("day", "week", "month", "year")

# Words that make a period-3 date a month (or finer), not a year alone.
_FINER_WORDS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "month",
    "week",
)


def period_kind(day: date | None, time_precision: Any, date_text: Any = "") -> int:
    """DAY, WEEK, MONTH or YEAR: the period an event's date stands for."""
    precision = as_int(time_precision, default=1)
    if precision <= 1 or day is None:
        return DAY
    if precision == 2:
        return WEEK
    words = text(date_text).lower()
    if str(day.year) in words and not any(w in words for w in _FINER_WORDS):
        return YEAR
    return MONTH


def period_start(day: date, kind: int) -> date:
    """The first day of the period of ``kind`` around ``day`` (weeks start on Monday)."""
    if kind == WEEK:
        return day - timedelta(days=day.weekday())
    if kind == MONTH:
        return day.replace(day=1)
    if kind == YEAR:
        return day.replace(month=1, day=1)
    return day


def period_label(day: date, kind: int) -> str:
    """ "2021-08-12", "week of 9 Aug 2021", "August 2021" or "2015"."""
    if kind == WEEK:
        start = period_start(day, WEEK)
        return f"week of {start.day} {start:%b %Y}"
    if kind == MONTH:
        return day.strftime("%B %Y")
    if kind == YEAR:
        return str(day.year)
    return day.isoformat()


def date_label(event_date: Any, time_precision: Any, date_text: Any = "") -> str:
    """An event's date as precisely as it is known ("date unknown" without a readable date)."""
    day = as_date(event_date)
    if day is None:
        return "date unknown"
    return period_label(day, period_kind(day, time_precision, date_text))


def as_date(value: Any) -> date | None:
    """An ISO date (a datetime's day part too), or None."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(text(value)[:10])
    except ValueError:
        return None


def as_int(value: Any, *, default: int) -> int:
    """A whole number from a cell (``default`` when empty or not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else int(number)


def text(value: Any) -> str:
    """A cell as stripped text ("" for None and NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()
