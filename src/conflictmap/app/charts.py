"""Charts of the filtered events (Altair): events over time stacked by type, events by province."""

from __future__ import annotations

from datetime import date
from typing import Literal

import altair as alt
import pandas as pd

from conflictmap.app.filters import event_dates
from conflictmap.models import EVENT_TYPE_COLOURS, OTHER_EVENT_TYPE_COLOUR

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


def _types(events: pd.DataFrame) -> pd.Series:
    if "event_type" not in events:
        return pd.Series(OTHER_TYPE, index=events.index, dtype="string")
    types = events["event_type"].astype("string").str.strip()
    return types.where(types.isin(list(EVENT_TYPE_COLOURS)), OTHER_TYPE)


def events_per_period(events: pd.DataFrame, *, bin: TimeBin | None = None) -> pd.DataFrame:
    """Counts per (period start, event type) for dated events; ``bin`` chosen by span if None.

    Columns: ``period`` and ``period_end`` (datetime64: the bar's start and the next bar's
    start), ``event_type``, ``events``; the chosen bin in ``attrs["bin"]``.
    """
    dates = event_dates(events)
    table = pd.DataFrame({"day": dates, "event_type": _types(events)}).dropna(subset=["day"])
    if table.empty:
        empty = pd.DataFrame(
            {
                "period": pd.Series(dtype="datetime64[ns]"),
                "period_end": pd.Series(dtype="datetime64[ns]"),
                "event_type": pd.Series(dtype="string"),
                "events": pd.Series(dtype="int64"),
            }
        )
        empty.attrs["bin"] = bin or "day"
        return empty
    chosen = bin or time_bin(table["day"].min().date(), table["day"].max().date())
    if chosen == "day":
        table["period"] = table["day"]
    elif chosen == "week":
        table["period"] = table["day"] - pd.to_timedelta(table["day"].dt.day_of_week, unit="D")
    else:
        table["period"] = table["day"].dt.to_period("M").dt.to_timestamp()
    counts = (
        table.groupby(["period", "event_type"], observed=True)
        .size()
        .rename("events")
        .reset_index()
        .sort_values(["period", "event_type"], ignore_index=True)
    )
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1)}.get(
        chosen, pd.DateOffset(months=1)
    )
    counts.insert(1, "period_end", counts["period"] + step)
    counts.attrs["bin"] = chosen
    return counts


def events_by_province(events: pd.DataFrame) -> pd.DataFrame:
    """Counts per (admin1, event type), provinces with most events first.

    Columns: ``admin1``, ``event_type``, ``events``, ``total`` (the province's count).
    """
    if "admin1" in events:
        provinces = events["admin1"].astype("string").str.strip().fillna("")
    else:
        provinces = pd.Series("", index=events.index, dtype="string")
    table = pd.DataFrame(
        {"admin1": provinces.replace("", NO_PROVINCE), "event_type": _types(events)}
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


def events_over_time_chart(events: pd.DataFrame, *, bin: TimeBin | None = None) -> alt.Chart:
    """Bars of events per day, week or month (by span), stacked by type in the map's colours."""
    counts = events_per_period(events, bin=bin)
    chosen: TimeBin = counts.attrs["bin"]
    label, fmt = _BIN_LABEL[chosen], _BIN_FORMAT[chosen]
    return (
        alt.Chart(counts, title=f"Events per {chosen}")
        .mark_bar()
        .encode(
            x=alt.X("period:T").title(None).axis(format=fmt, labelOverlap=True),
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


def events_by_province_chart(events: pd.DataFrame, *, limit: int = MAX_PROVINCES) -> alt.Chart:
    """Horizontal bars of events per province (the ``limit`` busiest), stacked by type."""
    counts = events_by_province(events)
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
