"""Charts of the filtered events (Altair): events over time stacked by type, events by province."""

from __future__ import annotations

from datetime import date
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from conflictmap.app.filters import as_view
from conflictmap.models import EVENT_TYPE_COLOURS, OTHER_EVENT_TYPE_COLOUR
from conflictmap.store.dateperiods import DAY, MONTH, WEEK, YEAR
from conflictmap.store.views import NO_DAY, EventView, from_day

TimeBin = Literal["day", "week", "month"]

# Readable bar counts: a day per bar up to two months, a week up to two years, then months.
DAY_BINS_UP_TO_DAYS = 62
WEEK_BINS_UP_TO_DAYS = 731
OTHER_TYPE = "Other / not coded"
NO_PROVINCE = "(no province)"
MAX_PROVINCES = 25

TYPE_ORDER: tuple[str, ...] = (*EVENT_TYPE_COLOURS, OTHER_TYPE)
_COLOUR_SCALE = alt.Scale(
    domain=list(TYPE_ORDER), range=[*EVENT_TYPE_COLOURS.values(), OTHER_EVENT_TYPE_COLOUR]
)
_BIN_LABEL: dict[TimeBin, str] = {"day": "Day", "week": "Week from", "month": "Month"}
_BIN_FORMAT: dict[TimeBin, str] = {"day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y"}


def time_bin(first: date, last: date) -> TimeBin:
    """The bar width that keeps a chart from ``first`` to ``last`` readable."""
    span = (last - first).days
    if span <= DAY_BINS_UP_TO_DAYS:
        return "day"
    return "week" if span <= WEEK_BINS_UP_TO_DAYS else "month"


_KIND_OF_BIN: dict[TimeBin, int] = {"day": DAY, "week": WEEK, "month": MONTH}
_UNIT = {DAY: "D", WEEK: "W", MONTH: "M", YEAR: "Y"}
DATED = {DAY: "to the day", WEEK: "to the week", MONTH: "to the month", YEAR: "to the year"}


def _types(view: EventView, positions: np.ndarray) -> np.ndarray:
    names = np.array(
        [
            *(n if n in EVENT_TYPE_COLOURS else OTHER_TYPE for n in view.names["event_type"]),
            OTHER_TYPE,
        ],
        dtype=object,
    )
    return names[view.codes["event_type"][positions]]


def _starts(days: np.ndarray, kind: int) -> np.ndarray:
    """The first day of each day's period of ``kind`` (datetime64[D])."""
    as_dates = days.astype("datetime64[D]")
    if kind == DAY:
        return as_dates
    if kind == WEEK:
        # 1970-01-01 was a Thursday: Monday is 3 days before.
        return (days - (days + 3) % 7).astype("datetime64[D]")
    return as_dates.astype(f"datetime64[{_UNIT[kind]}]").astype("datetime64[D]")


def _ends(starts: np.ndarray, kind: int) -> np.ndarray:
    if kind in (DAY, WEEK):
        return starts + (1 if kind == DAY else 7)
    unit = _UNIT[kind]
    return (starts.astype(f"datetime64[{unit}]") + 1).astype("datetime64[D]")


def events_per_period(
    events: EventView | pd.DataFrame,
    positions: np.ndarray | None = None,
    *,
    bin: TimeBin | None = None,
) -> pd.DataFrame:
    """Counts per (period, event type) for dated events; ``bin`` chosen by span if None.

    An event dated less precisely than the bin (a month in a chart of days) is counted in its
    own period, not on a made-up day: ``dated`` says how precisely ("to the day", "to the
    month", ...). Columns: ``period`` and ``period_end`` (datetime64: the bar's first day and
    the next bar's), ``event_type``, ``dated``, ``exact`` (dated at least as precisely as the
    bin), ``events``; the chosen bin in ``attrs["bin"]``.
    """
    view = as_view(events)
    chosen_positions = np.arange(len(view)) if positions is None else positions
    days = view.day[chosen_positions]
    known = days != NO_DAY
    kept = chosen_positions[known]
    days = days[known].astype(np.int64)
    if not len(kept):
        empty = pd.DataFrame(
            {
                "period": pd.Series(dtype="datetime64[s]"),
                "period_end": pd.Series(dtype="datetime64[s]"),
                "event_type": pd.Series(dtype="string"),
                "dated": pd.Series(dtype="string"),
                "exact": pd.Series(dtype="bool"),
                "events": pd.Series(dtype="int64"),
            }
        )
        empty.attrs["bin"] = bin or "day"
        return empty
    chosen = bin or time_bin(from_day(days.min()), from_day(days.max()))
    kind = np.maximum(view.period[kept], _KIND_OF_BIN[chosen])
    starts = np.empty(len(kept), dtype="datetime64[D]")
    ends = np.empty(len(kept), dtype="datetime64[D]")
    for k in np.unique(kind):
        at = kind == k
        starts[at] = _starts(days[at], int(k))
        ends[at] = _ends(starts[at], int(k))
    table = pd.DataFrame(
        {
            "period": starts.astype("datetime64[s]"),
            "period_end": ends.astype("datetime64[s]"),
            "event_type": _types(view, kept),
            "dated": np.array([DATED[k] for k in range(4)], dtype=object)[view.period[kept]],
            "exact": view.period[kept] <= _KIND_OF_BIN[chosen],
        }
    )
    counts = (
        table.groupby(["period", "period_end", "event_type", "dated", "exact"], observed=True)
        .size()
        .rename("events")
        .reset_index()
        .sort_values(["period", "event_type"], ignore_index=True)
    )
    counts["event_type"] = counts["event_type"].astype("string")
    counts.attrs["bin"] = chosen
    return counts


def events_by_province(
    events: EventView | pd.DataFrame, positions: np.ndarray | None = None
) -> pd.DataFrame:
    """Counts per (admin1, event type), provinces with most events first.

    Columns: ``admin1``, ``event_type``, ``events``, ``total`` (the province's count).
    """
    view = as_view(events)
    chosen = np.arange(len(view)) if positions is None else positions
    provinces = np.array([*view.names["admin1"], NO_PROVINCE], dtype=object)
    table = pd.DataFrame(
        {"admin1": provinces[view.codes["admin1"][chosen]], "event_type": _types(view, chosen)}
    )
    counts = table.groupby(["admin1", "event_type"], observed=True).size().rename("events")
    counts = counts.reset_index()
    counts["total"] = counts.groupby("admin1")["events"].transform("sum")
    return counts.sort_values(
        ["total", "admin1", "event_type"], ascending=[False, True, True], ignore_index=True
    )


def _colour(legend: bool) -> alt.Color:
    return alt.Color(
        "event_type:N",
        title="Event type",
        scale=_COLOUR_SCALE,
        sort=list(TYPE_ORDER),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=260, symbolType="square")
        if legend
        else None,
    )


def _day_time(value: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(year=value.year, month=value.month, date=value.day)


def events_over_time_chart(
    events: EventView | pd.DataFrame,
    positions: np.ndarray | None = None,
    *,
    bin: TimeBin | None = None,
) -> alt.LayerChart:
    """Bars of events per day, week or month (by span), stacked by type in the map's colours.

    Events dated only to a longer period are a pale bar over their whole period, apart from
    the stack (which holds the events dated to the bar).
    """
    counts = events_per_period(events, positions, bin=bin)
    chosen: TimeBin = counts.attrs["bin"]
    label, fmt = _BIN_LABEL[chosen], _BIN_FORMAT[chosen]
    exact = counts[counts["exact"]]
    coarse = counts[~counts["exact"]]
    scale = alt.Scale()
    if not counts.empty:
        # The axis spans every bar: the last one ends inside the chart, not past it.
        scale = alt.Scale(
            domain=[_day_time(counts["period"].min()), _day_time(counts["period_end"].max())]
        )
    # One tick per bin at most, so a short range does not repeat a day's label.
    axis = alt.Axis(format=fmt, labelOverlap=True, tickCount={"interval": chosen, "step": 1})
    x = alt.X("period:T", scale=scale).title(None).axis(axis)
    bars = (
        alt.Chart(exact)
        .mark_bar()
        .encode(
            x=x,
            x2="period_end:T",
            y=alt.Y("sum(events):Q").title("Events").axis(tickMinStep=1),
            color=_colour(legend=True),
            order=alt.Order("event_type:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("period:T", title=label, format=fmt),
                alt.Tooltip("event_type:N", title="Event type"),
                alt.Tooltip("events:Q", title="Events"),
            ],
        )
    )
    periods = (
        alt.Chart(coarse)
        .mark_bar(opacity=0.3, color="#888", stroke="#555", strokeDash=[3, 2])
        .encode(
            x=x,
            x2="period_end:T",
            y=alt.Y("sum(events):Q", stack=None),
            tooltip=[
                alt.Tooltip("period:T", title="From", format="%d %b %Y"),
                alt.Tooltip("dated:N", title="Dated only"),
                alt.Tooltip("sum(events):Q", title="Events"),
            ],
        )
    )
    return alt.LayerChart(layer=[periods, bars], title=f"Events per {chosen}")


def events_by_province_chart(
    events: EventView | pd.DataFrame,
    positions: np.ndarray | None = None,
    *,
    limit: int = MAX_PROVINCES,
) -> alt.Chart:
    """Horizontal bars of events per province (the ``limit`` busiest), stacked by type."""
    counts = events_by_province(events, positions)
    top = list(dict.fromkeys(counts["admin1"]))[:limit]
    counts = counts[counts["admin1"].isin(top)]
    shown = f"{len(top)} busiest provinces" if len(top) == limit else "Events by province"
    return (
        alt.Chart(counts, title=shown)
        .mark_bar()
        .encode(
            y=alt.Y("admin1:N").title(None).sort(top),
            x=alt.X("sum(events):Q").title("Events").axis(tickMinStep=1),
            color=_colour(legend=False),
            order=alt.Order("event_type:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("admin1:N", title="Province"),
                alt.Tooltip("event_type:N", title="Event type"),
                alt.Tooltip("events:Q", title="Events"),
            ],
        )
    )
