"""Which events a view shows: the Filters record, applying it to events, and its URL form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, cast, get_args

import numpy as np
import pandas as pd

from conflictmap.models import EVENT_TYPES
from conflictmap.store.rowsource import frame_view
from conflictmap.store.views import NO_DAY, EventView, as_day, from_day

TimelineMode = Literal["cumulative", "window"]
TIMELINE_MODES: tuple[TimelineMode, ...] = get_args(TimelineMode)

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 3660
MAX_TEXT_CHARS = 200

# Query-string keys, short and readable so a shared link says what it shows.
Q_START, Q_END, Q_ADMIN1, Q_TYPE, Q_SUB, Q_ACTOR = "from", "to", "province", "type", "sub", "actor"
Q_TEXT, Q_DATE, Q_MODE, Q_WINDOW = "q", "date", "mode", "window"
QUERY_KEYS: tuple[str, ...] = (
    Q_START,
    Q_END,
    Q_ADMIN1,
    Q_TYPE,
    Q_SUB,
    Q_ACTOR,
    Q_TEXT,
    Q_DATE,
    Q_MODE,
    Q_WINDOW,
)

QueryParams = Mapping[str, "str | Sequence[str]"]


@dataclass(frozen=True, slots=True)
class Filters:
    """A view of the event table; an empty field means "no limit".

    ``timeline`` is the timeline's date: in ``cumulative`` mode the view shows every event up to
    it, in ``window`` mode only the ``window_days`` days ending on it. ``None`` puts it at the end
    of the date range (or the latest event).
    """

    start: date | None = None
    end: date | None = None
    admin1: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    text: str = ""
    timeline: date | None = None
    mode: TimelineMode = "cumulative"
    window_days: int = DEFAULT_WINDOW_DAYS

    def __post_init__(self) -> None:
        if self.mode not in TIMELINE_MODES:
            raise ValueError(f"mode={self.mode!r}; expected one of {TIMELINE_MODES}")
        if not 1 <= self.window_days <= MAX_WINDOW_DAYS:
            raise ValueError(f"window_days={self.window_days!r}; expected 1..{MAX_WINDOW_DAYS}")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Filters read from a query string, and one line per value that was ignored and why."""

    filters: Filters
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Choices:
    """What there is to choose from in an event table: its date range and the values present."""

    bounds: tuple[date, date] | None
    admin1: tuple[tuple[str, int], ...] = ()  # (province, events), by name
    event_types: tuple[str, ...] = ()  # ACLED's order, then any others
    sub_event_types: tuple[tuple[str, str], ...] = ()  # (event type, sub-event type)
    actors: tuple[str, ...] = ()

    def sub_types_of(self, event_types: Iterable[str]) -> list[str]:
        """The sub-event types present under ``event_types`` (all of them when empty)."""
        wanted = set(event_types)
        return sorted(
            {sub for typ, sub in self.sub_event_types if not wanted or typ in wanted},
            key=str.casefold,
        )


def filter_choices(events: EventView | pd.DataFrame) -> Choices:
    """The date range, provinces (with counts), types, sub-types and actors in ``events``."""
    view = as_view(events)
    counts = np.bincount(view.codes["admin1"] + 1, minlength=len(view.names["admin1"]) + 1)[1:]
    provinces = sorted(
        ((name, int(n)) for name, n in zip(view.names["admin1"], counts, strict=True) if n),
        key=lambda p: p[0].casefold(),
    )
    type_codes = view.codes["event_type"]
    type_names = (*view.names["event_type"], "")
    present = {type_names[c] for c in np.flatnonzero(_used(type_codes, len(type_names)))} - {""}
    subs = view.codes["sub_event_type"]
    width = len(view.names["sub_event_type"]) + 1
    used_pairs = np.flatnonzero(_used((type_codes + 1) * width + subs, len(type_names) * width))
    pairs = [
        (type_names[p // width - 1], view.names["sub_event_type"][p % width])
        for p in used_pairs.tolist()
        if p % width < width - 1
    ]
    actor_names = view.names["actor"]
    slots = len(actor_names) + 1  # the last one for -1: no actor
    used = _used(view.codes["actor1"], slots) | _used(view.codes["actor2"], slots)
    actors = [actor_names[c] for c in np.flatnonzero(used[:-1])]
    return Choices(
        bounds=date_bounds(view),
        admin1=tuple(provinces),
        event_types=(
            *(t for t in EVENT_TYPES if t in present),
            *sorted(present - set(EVENT_TYPES), key=str.casefold),
        ),
        sub_event_types=tuple(sorted(pairs)),
        actors=tuple(sorted(actors, key=str.casefold)),
    )


def _used(codes: np.ndarray, size: int) -> np.ndarray:
    """Per code 0..size-1 (-1 counts as the last), whether any event has it."""
    return np.bincount(codes % size if size else codes, minlength=size)[:size] > 0


def as_view(events: EventView | pd.DataFrame) -> EventView:
    """``events`` as a view (a DataFrame is encoded on the spot: tests, the CLI, the sample)."""
    return events if isinstance(events, EventView) else frame_view(events)


def event_days(events: EventView | pd.DataFrame, positions: np.ndarray | None = None) -> list[date]:
    """The distinct event dates (of the events at ``positions``, all by default), in order."""
    view = as_view(events)
    days = view.day if positions is None else view.day[positions]
    return [from_day(d) for d in np.unique(days[days != NO_DAY])]


def date_bounds(
    events: EventView | pd.DataFrame, positions: np.ndarray | None = None
) -> tuple[date, date] | None:
    """The first and last event dates, or None when no event has a date."""
    view = as_view(events)
    days = view.day if positions is None else view.day[positions]
    days = days[days != NO_DAY]
    if not len(days):
        return None
    return from_day(days.min()), from_day(days.max())


def timeline_span(
    filters: Filters, *, bounds: tuple[date, date] | None
) -> tuple[date, date] | None:
    """The first and last day the timeline lets through, or None when no day can pass."""
    last = filters.timeline or filters.end or (bounds[1] if bounds else None)
    if last is None:
        return None
    if filters.end is not None:
        last = min(last, filters.end)
    first = filters.start
    if filters.mode == "window":
        window_first = last - timedelta(days=filters.window_days - 1)
        first = window_first if first is None else max(first, window_first)
    if first is None:
        first = bounds[0] if bounds else last
    return (first, last) if first <= last else None


Search = Callable[[str], np.ndarray]


def select(
    view: EventView,
    filters: Filters,
    *,
    bounds: tuple[date, date] | None = None,
    search: Search | None = None,
) -> np.ndarray:
    """The positions of the events ``filters`` lets through, in view order.

    Events without a readable date pass only when no date limit is set at all. ``bounds`` are
    the view's date bounds (computed when not given); ``search`` answers the text filter
    (the view's source by default; the app caches it per text).
    """
    keep = np.ones(len(view), dtype=bool)
    dated = filters.start or filters.end or filters.timeline or filters.mode == "window"
    if dated:
        span = timeline_span(filters, bounds=bounds if bounds is not None else date_bounds(view))
        if span is None:
            return np.zeros(0, dtype=np.int64)
        keep &= (view.day >= as_day(span[0])) & (view.day <= as_day(span[1]))
    for column, wanted in (
        ("admin1", filters.admin1),
        ("event_type", filters.event_types),
        ("sub_event_type", filters.sub_event_types),
    ):
        if wanted:
            keep &= view.allowed(column, wanted)[view.codes[column]]
    if filters.actors:
        allowed = view.allowed("actor1", filters.actors)
        keep &= allowed[view.codes["actor1"]] | allowed[view.codes["actor2"]]
    if filters.text.strip():
        keep &= (search or view.source.search)(filters.text.strip())
    return np.flatnonzero(keep)


def filter_events(events: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``events`` that ``filters`` lets through, in their original order."""
    return events.iloc[select(frame_view(events), filters)]


def filters_to_query(filters: Filters) -> dict[str, str | list[str]]:
    """The query-string form of ``filters``: only what differs from "no limit", lists repeated."""
    query: dict[str, str | list[str]] = {}
    for key, day in ((Q_START, filters.start), (Q_END, filters.end), (Q_DATE, filters.timeline)):
        if day is not None:
            query[key] = day.isoformat()
    for key, values in (
        (Q_ADMIN1, filters.admin1),
        (Q_TYPE, filters.event_types),
        (Q_SUB, filters.sub_event_types),
        (Q_ACTOR, filters.actors),
    ):
        if values:
            query[key] = list(values)
    if filters.text:
        query[Q_TEXT] = filters.text
    if filters.mode != "cumulative":
        query[Q_MODE] = filters.mode
    if filters.window_days != DEFAULT_WINDOW_DAYS:
        query[Q_WINDOW] = str(filters.window_days)
    return query


def filters_from_query(params: QueryParams, *, choices: Choices) -> ParsedQuery:
    """Filters from a query string; values that are malformed or match no event are dropped.

    Never raises on user input: each dropped value gets one line in ``warnings``.
    """
    warnings: list[str] = []

    def values(key: str) -> list[str]:
        raw = params.get(key)
        if raw is None:
            return []
        return [raw] if isinstance(raw, str) else [str(v) for v in raw]

    def last(key: str) -> str | None:
        given = values(key)
        return given[-1] if given else None

    def day(key: str) -> date | None:
        raw = last(key)
        if raw is None or raw == "":
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            warnings.append(f"Ignored {key}={raw!r}: not a date (expected YYYY-MM-DD).")
            return None

    def known(key: str, allowed: Iterable[str], what: str) -> tuple[str, ...]:
        allowed_set = set(allowed)
        kept: list[str] = []
        for value in values(key):
            if value in allowed_set:
                if value not in kept:
                    kept.append(value)
            elif value:
                warnings.append(f"Ignored {key}={value!r}: no {what} of that name in the events.")
        return tuple(kept)

    start, end, timeline = day(Q_START), day(Q_END), day(Q_DATE)
    if start and end and start > end:
        warnings.append(f"Ignored {Q_END}={end.isoformat()!r}: it is before {Q_START}.")
        end = None

    mode: TimelineMode = "cumulative"
    raw_mode = last(Q_MODE)
    if raw_mode in TIMELINE_MODES:
        mode = cast(TimelineMode, raw_mode)
    elif raw_mode:
        warnings.append(f"Ignored {Q_MODE}={raw_mode!r}: expected 'cumulative' or 'window'.")

    window_days = DEFAULT_WINDOW_DAYS
    raw_window = last(Q_WINDOW)
    if raw_window:
        if raw_window.isdigit() and 1 <= int(raw_window) <= MAX_WINDOW_DAYS:
            window_days = int(raw_window)
        else:
            warnings.append(
                f"Ignored {Q_WINDOW}={raw_window!r}: expected a whole number of days, "
                f"1 to {MAX_WINDOW_DAYS}."
            )

    text = last(Q_TEXT) or ""
    if len(text) > MAX_TEXT_CHARS:
        warnings.append(f"Shortened {Q_TEXT} to its first {MAX_TEXT_CHARS} characters.")
        text = text[:MAX_TEXT_CHARS]

    filters = Filters(
        start=start,
        end=end,
        admin1=known(Q_ADMIN1, (p for p, _ in choices.admin1), "province"),
        event_types=known(Q_TYPE, choices.event_types, "event type"),
        sub_event_types=known(Q_SUB, (s for _, s in choices.sub_event_types), "sub-event type"),
        actors=known(Q_ACTOR, choices.actors, "actor"),
        text=text,
        timeline=timeline,
        mode=mode,
        window_days=window_days,
    )
    return ParsedQuery(clamp_filters(filters, bounds=choices.bounds), tuple(warnings))


def clamp_filters(filters: Filters, *, bounds: tuple[date, date] | None) -> Filters:
    """``filters`` with its dates inside ``bounds`` (the events' date range, see date_bounds),
    and limits at a bound dropped.

    A date at the first or last event date limits nothing, so it becomes ``None``; this keeps
    shared links short and lets a view follow new data that extends the range.
    """
    if bounds is None:
        return replace(filters, start=None, end=None, timeline=None)
    lo, hi = bounds

    def inside(day: date | None) -> date | None:
        return None if day is None else min(max(day, lo), hi)

    start, end = inside(filters.start), inside(filters.end)
    if start is not None and end is not None and start > end:
        start, end = end, start
    timeline = inside(filters.timeline)
    if timeline is not None:
        timeline = min(max(timeline, start or lo), end or hi)
    return replace(
        filters,
        start=None if start == lo else start,
        end=None if end == hi else end,
        timeline=None if timeline == (end or hi) else timeline,
    )


def timeline_frames(dates: Iterable[date], *, max_frames: int | None = None) -> list[date]:
    """The dates the play control steps through: every distinct event date, or with
    ``max_frames`` at most that many evenly spaced ones (always keeping the first and the last)."""
    distinct = sorted(set(dates))
    if max_frames is None or len(distinct) <= max_frames:
        return distinct
    step = (len(distinct) - 1) / (max_frames - 1)
    return sorted({distinct[round(i * step)] for i in range(max_frames)})


def next_frame(current: date, frames: Sequence[date]) -> date | None:
    """The first frame after ``current``, or None at the end of the timeline."""
    return next((frame for frame in frames if frame > current), None)


def describe_filters(filters: Filters) -> list[str]:
    """One short plain-text phrase per active limit, for telling a user what to loosen."""
    parts: list[str] = []
    if filters.start or filters.end:
        first = filters.start.isoformat() if filters.start else "the first event"
        last = filters.end.isoformat() if filters.end else "the last event"
        parts.append(f"dates {first} to {last}")
    if filters.mode == "window":
        until = filters.timeline.isoformat() if filters.timeline else "the end"
        parts.append(f"timeline: the {filters.window_days} days up to {until}")
    elif filters.timeline:
        parts.append(f"timeline: up to {filters.timeline.isoformat()}")
    for label, chosen in (
        ("province", filters.admin1),
        ("event type", filters.event_types),
        ("sub-event type", filters.sub_event_types),
        ("actor", filters.actors),
    ):
        if chosen:
            parts.append(f"{label}: {', '.join(chosen)}")
    if filters.text.strip():
        parts.append(f"text: {filters.text.strip()!r}")
    return parts
