"""Reviewing an article's draft events: known or new, the highlighted text, place choices (pure)."""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from conflictmap.geo.gazetteer import normalize_name
from conflictmap.models import EVENT_TYPES, SCHEMA_COLUMNS, SUB_EVENT_TYPES, Place, text_column

KNOWN: Final = "already known"
NEW: Final = "new"

RESOLVED: Final = "resolved"
AMBIGUOUS: Final = "ambiguous"
NOT_FOUND: Final = "not found"
MENTION_STATUSES: tuple[str, ...] = (RESOLVED, AMBIGUOUS, NOT_FOUND)

# Columns known_or_new() adds to the drafts.
MATCH_COLUMNS: tuple[str, ...] = ("status", "match_id", "match_date", "match_location")

# Inline styles, not a <style> block: the page may render the fragment through a sanitiser that
# drops style elements, and inline styles survive. Colours are ColorBrewer-ish and legible on white;
# the status is also in each mark's title and class, so colour is never the only cue.
_MENTION_STYLES: Final = {
    RESOLVED: "background:#c7e9c0;border-bottom:2px solid #238b45;",
    AMBIGUOUS: "background:#fee391;border-bottom:2px dashed #cc4c02;",
    NOT_FOUND: "background:#eeeeee;border-bottom:2px dotted #636363;",
}
_EVENT_SENTENCE_STYLE: Final = "background:#deebf7;box-shadow:inset 0 -1px 0 #3182bd;"
_ARTICLE_STYLE: Final = (
    "white-space:pre-wrap;line-height:1.7;font-size:0.95rem;padding:0.75rem 1rem;"
    "border:1px solid #ddd;border-radius:0.4rem;max-height:24rem;overflow-y:auto;"
)
_STATUS_HELP: Final = {
    RESOLVED: "place found in the gazetteer",
    AMBIGUOUS: "several places have this name: choose one in the table",
    NOT_FOUND: "looks like a place but the gazetteer does not know it",
}

# "2015", "in 2015", "late 2015", "last year": a date that only names a year.
_BARE_YEAR = re.compile(
    r"(?:(?:in|since|during|by|until|from|between|early|late|mid|of|throughout)[\s-]+)?"
    r"(?:19|20)\d{2}",
    re.IGNORECASE,
)
_YEAR_PERIOD = re.compile(
    r"(?:earlier|later|early|late)?\s*(?:(?:in\s+)?the\s+)?(?:last|this|next|past|previous)\s+year",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_WEEK_HALF_DAYS: Final = 3


class ReviewMention(Protocol):
    """What the review needs of a place mention: where it is, its status and its candidates."""

    @property
    def surface(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def candidates(self) -> tuple[Place, ...]: ...


@dataclass(frozen=True, slots=True, eq=False)
class ArticleReview:
    """One article read and extracted: what the review step shows beside the draft events."""

    text: str
    sha256: str
    title: str
    source: str
    published: date | None
    origin: str
    mentions: tuple[ReviewMention, ...]
    event_spans: tuple[tuple[int, int], ...]  # character spans of the sentences that gave events
    places: dict[str, Place]  # choice label → gazetteer place, for the place column
    advice: tuple[tuple[str, str], ...]  # (level, message) from extraction_advice


def known_or_new(drafts: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """The drafts with ``status`` "already known" or "new" and the matched stored event.

    A draft is already known when a stored event has the same admin1, the same sub_event_type
    and a date span that overlaps the draft's. Spans follow ACLED's time_precision: 1 the day,
    2 the day ± 3 (the week), 3 the month, or the year when ``date_text`` names only a year.
    Of several matches the nearest in date wins, then the one at the same location.
    ``match_id``, ``match_date`` and ``match_location`` describe the match ("" for new drafts).
    """
    out = drafts.copy()
    for column in MATCH_COLUMNS:
        out[column] = pd.Series([""] * len(out), index=out.index, dtype=object)
    out["status"] = NEW
    if out.empty or stored.empty:
        return out
    draft_keys = _match_keys(out)
    store_keys = _match_keys(stored)
    # Only stored events of a draft's province and sub-type can match: narrow to them first,
    # so a store of 100,000 events costs one vectorised pass.
    same_kind = store_keys.isin(set(draft_keys) - {""})
    stored, store_keys = stored[same_kind], store_keys[same_kind]
    if stored.empty:
        return out
    store_start, store_end = (span.to_numpy("datetime64[ns]") for span in date_spans(stored))
    store_day = _dates(stored).to_numpy("datetime64[ns]")
    store_key = store_keys.to_numpy(object)
    store_place = _normalized(text_column(stored, "location")).to_numpy(object)
    ids = text_column(stored, "event_id_cnty").to_numpy(object)
    locations = text_column(stored, "location").to_numpy(object)
    draft_start, draft_end = date_spans(out)
    draft_day = _dates(out)
    draft_place = _normalized(text_column(out, "location"))
    for label in out.index:
        key = draft_keys[label]
        if not key or pd.isna(draft_start[label]):
            continue
        first, last = draft_start[label].to_datetime64(), draft_end[label].to_datetime64()
        found = np.flatnonzero((store_key == key) & (store_start <= last) & (first <= store_end))
        if not len(found):
            continue
        gap = np.abs(store_day[found] - draft_day[label].to_datetime64())
        elsewhere = store_place[found] != draft_place[label]
        best = found[min(range(len(found)), key=lambda i: (gap[i], elsewhere[i], ids[found[i]]))]
        out.at[label, "status"] = KNOWN
        out.at[label, "match_id"] = ids[best]
        day = pd.Timestamp(store_day[best])
        out.at[label, "match_date"] = day.date().isoformat() if pd.notna(day) else ""
        out.at[label, "match_location"] = locations[best]
    return out


def date_spans(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First and last day each event may have happened on, from its date and time_precision."""
    day = _dates(events)
    precision = (
        pd.to_numeric(events.get("time_precision"), errors="coerce")
        .fillna(1)
        .clip(1, 3)
        .astype(int)
        if "time_precision" in events
        else pd.Series(1, index=events.index)
    )
    # "in 2015 (earlier sentence)": extraction notes where a date came from in brackets.
    date_text = text_column(events, "date_text").str.replace(_NOTE, "", regex=True).str.strip()
    whole_year = (precision == 3) & (
        date_text.str.fullmatch(_BARE_YEAR) | date_text.str.fullmatch(_YEAR_PERIOD)
    )
    month = (precision == 3) & ~whole_year
    week = precision == 2
    start = day.copy()
    end = day.copy()
    half_week = pd.Timedelta(days=_WEEK_HALF_DAYS)
    start[week] = day[week] - half_week
    end[week] = day[week] + half_week
    start[month] = day[month].dt.to_period("M").dt.start_time
    end[month] = day[month].dt.to_period("M").dt.end_time.dt.normalize()
    start[whole_year] = day[whole_year].dt.to_period("Y").dt.start_time
    end[whole_year] = day[whole_year].dt.to_period("Y").dt.end_time.dt.normalize()
    return start, end


def highlighted_article_html(
    text: str, mentions: Iterable[ReviewMention], *, event_sentences: Iterable[tuple[int, int]]
) -> str:
    """The article as escaped HTML: place mentions marked by status, event sentences shaded.

    Every character of ``text`` is escaped; only our own tags and attributes are markup.
    ``event_sentences`` are (start, end) character spans into ``text``. Overlapping mentions
    keep the earliest (longest on a tie); spans outside the text are clipped.
    """
    marks = _non_overlapping(
        (max(0, m.start), min(len(text), m.end), m) for m in mentions if m.end > m.start
    )
    shaded = _merged(
        (max(0, a), min(len(text), b)) for a, b in event_sentences if min(len(text), b) > max(0, a)
    )
    cuts = sorted(
        {0, len(text)}
        | {a for a, _, _ in marks}
        | {b for _, b, _ in marks}
        | {a for a, _ in shaded}
        | {b for _, b in shaded}
    )
    mark_starts = [a for a, _, _ in marks]
    mark_spans = [(a, b) for a, b, _ in marks]
    shade_starts = [a for a, _ in shaded]
    out = [f'<div class="cm-article" style="{_ARTICLE_STYLE}">']
    open_shade: int | None = None
    open_mark: int | None = None
    for a, b in pairwise(cuts):
        shade = _covering(shade_starts, shaded, a)
        mark = _covering(mark_starts, mark_spans, a)
        if (shade, mark) != (open_shade, open_mark):
            if open_mark is not None:
                out.append("</mark>")
            if shade != open_shade:
                if open_shade is not None:
                    out.append("</span>")
                if shade is not None:
                    out.append(
                        '<span class="cm-event-sentence" title="This sentence gave an event"'
                        f' style="{_EVENT_SENTENCE_STYLE}">'
                    )
            if mark is not None:
                out.append(_mark_open(marks[mark][2]))
            open_shade, open_mark = shade, mark
        out.append(html.escape(text[a:b], quote=True))
    if open_mark is not None:
        out.append("</mark>")
    if open_shade is not None:
        out.append("</span>")
    out.append("</div>")
    return "".join(out)


def legend_html(mentions: Iterable[ReviewMention]) -> str:
    """A one-line key to the highlighting, with how many mentions have each status."""
    counts = {status: 0 for status in MENTION_STATUSES}
    for mention in mentions:
        counts[mention.status] = counts.get(mention.status, 0) + 1
    parts = [
        f'<mark class="cm-place cm-{status.replace(" ", "-")}" '
        f'style="{_MENTION_STYLES[status]}padding:0 0.2em;" title="{_STATUS_HELP[status]}">'
        f"{status}</mark>&nbsp;{counts[status]}"
        for status in MENTION_STATUSES
    ]
    parts.append(
        f'<span class="cm-event-sentence" style="{_EVENT_SENTENCE_STYLE}padding:0 0.2em;">'
        "sentence that gave an event</span>"
    )
    return '<div class="cm-legend" style="font-size:0.85rem;">' + " · ".join(parts) + "</div>"


def place_label(place: Place) -> str:
    """How a gazetteer place is offered in a choice: "Name (Province, Country)"."""
    if place.kind == "country":
        return f"{place.name} (country)"
    if place.kind == "admin1":
        return f"{place.name} (province, {place.country})"
    where = ", ".join(part for part in (place.admin1, place.country) if part)
    return f"{place.name} ({where})" if where else place.name


def candidate_choices(mention: ReviewMention) -> list[str]:
    """Labels of a mention's candidate places, unique, in the gazetteer's order."""
    return list(choice_places([mention]))


def choice_places(
    mentions: Iterable[ReviewMention], *, per_mention: int | None = None
) -> dict[str, Place]:
    """Label → place for every candidate of the mentions; same-label places get coordinates.

    ``per_mention`` keeps each mention's first candidates only (the gazetteer's best first):
    "Washington" has dozens, and a choice list of hundreds helps nobody.
    """
    places: dict[str, Place] = {}
    seen: set[int] = set()
    for mention in mentions:
        for place in mention.candidates[:per_mention]:
            if place.geonameid in seen:
                continue
            seen.add(place.geonameid)
            label = place_label(place)
            if label in places:
                # Two Fayzabads in Badakhshan would read alike: the coordinates tell them apart.
                label = f"{label} {place.latitude:.2f}, {place.longitude:.2f}"
            places[label] = place
    return places


def label_for_row(row: Mapping[str, Any], places: Mapping[str, Place]) -> str:
    """The label of the choice a draft row already stands at, else one made from the row."""
    lat, lon = _float(row.get("latitude")), _float(row.get("longitude"))
    location = normalize_name(str(row.get("location") or ""))
    for label, place in places.items():
        same_point = (
            lat is not None
            and lon is not None
            and abs(place.latitude - lat) < 1e-4
            and abs(place.longitude - lon) < 1e-4
        )
        # A province and its capital share a point and a name; geo_precision tells them apart.
        same_level = (place.kind == "place") == (_float(row.get("geo_precision")) != 3)
        if same_point and same_level and normalize_name(place.name) == location:
            return label
    parts = [str(row.get(c) or "") for c in ("admin1", "country")]
    where = ", ".join(p for p in parts if p and p != "nan")
    name = str(row.get("location") or "")
    return f"{name} ({where})" if where else name


def with_place(row: Mapping[str, Any], place: Place) -> dict[str, Any]:
    """A draft row moved to ``place``: location, coordinates, admin1, country, geo_precision."""
    updated = dict(row)
    updated.update(
        location=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        admin1="" if place.kind == "country" else (place.admin1 or place.name),
        country=place.country or (place.name if place.kind == "country" else ""),
        # A province or a country is pinned at its capital: ACLED's geo_precision 3.
        geo_precision=1 if place.kind == "place" else 3,
        # The analyst chose it.
        geo_confidence=1.0,
    )
    if place.kind != "place":
        updated["admin2"] = ""
    return updated


def drafts_with_choices(
    edited: pd.DataFrame,
    original: pd.DataFrame,
    *,
    places: Mapping[str, Place],
    column: str = "place",
) -> pd.DataFrame:
    """The edited drafts with every changed place choice applied to the row's place columns."""
    out = edited.copy()
    for label in out.index:
        chosen = out.at[label, column]
        if label in original.index and chosen == original.at[label, column]:
            continue
        place = places.get(str(chosen))
        if place is None:
            continue
        for key, value in with_place(out.loc[label].to_dict(), place).items():
            if key in out.columns:
                out.at[label, key] = value
    return out


def reconciled_types(
    edited: pd.DataFrame, original: pd.DataFrame
) -> tuple[pd.DataFrame, dict[Any, str]]:
    """Event types made to agree with sub-types, and the rows still in doubt with the reason.

    A changed sub-type decides its event type (each sub-type has one). A changed event type
    whose sub-type belongs elsewhere is not guessed at: the row is reported.
    """
    out = edited.copy()
    problems: dict[Any, str] = {}
    for label in out.index:
        typ = str(out.at[label, "event_type"] or "")
        sub = str(out.at[label, "sub_event_type"] or "")
        before_sub = str(original.at[label, "sub_event_type"]) if label in original.index else ""
        if sub in SUB_EVENT_TYPES and (sub != before_sub or not typ):
            out.at[label, "event_type"] = SUB_EVENT_TYPES[sub]
            continue
        if typ not in EVENT_TYPES:
            problems[label] = f"event type {typ!r} is not one of ACLED's six; choose one"
        elif sub not in EVENT_TYPES[typ]:
            problems[label] = (
                f"sub-type {sub!r} is not a kind of {typ!r}; choose one of its sub-types"
            )
    return out, problems


def match_label(row: Mapping[str, Any]) -> str:
    """The stored event a draft matches, in one line ("" for a new draft)."""
    if row.get("status") != KNOWN:
        return ""
    parts = (row.get("match_id"), row.get("match_date"), row.get("match_location"))
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def draft_table(
    events: pd.DataFrame,
    *,
    mentions: Sequence[ReviewMention],
    stored: pd.DataFrame,
    per_mention: int = 12,
) -> tuple[pd.DataFrame, dict[str, Place]]:
    """The drafts as the review table shows them, and the place choices their column offers.

    Adds ``place`` (the choice label), ``status`` and the match columns, ``match`` and
    ``include`` (ticked for new drafts only: an analyst adds what the store lacks, and may
    still tick a known one). ``event_date`` becomes a ``date`` or None for the date editor.
    """
    places = choice_places(mentions, per_mention=per_mention)
    table = events.reset_index(drop=True).copy()
    table["place"] = [label_for_row(row, places) for row in table.to_dict("records")]
    marked = known_or_new(table, stored)
    marked["match"] = [match_label(row) for row in marked.to_dict("records")]
    marked["include"] = marked["status"] == NEW
    marked["event_date"] = _date_objects(marked)
    return marked, places


def current_drafts(
    edited: pd.DataFrame,
    base: pd.DataFrame,
    *,
    places: Mapping[str, Place],
    stored: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[Any, str]]:
    """The drafts as edited: place choices applied, types reconciled, known or new again."""
    moved = drafts_with_choices(edited, base, places=places)
    typed, problems = reconciled_types(moved, base)
    marked = known_or_new(typed.drop(columns=[*MATCH_COLUMNS, "match"], errors="ignore"), stored)
    marked["match"] = [match_label(row) for row in marked.to_dict("records")]
    marked["event_date"] = _date_objects(marked)
    return marked, problems


def rows_to_save(
    drafts: pd.DataFrame, *, problems: Mapping[Any, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The ticked drafts ready for the store (schema columns, ISO dates), and why others wait.

    A ticked row is held back when its types disagree (``problems``), it has no date, or it
    has no coordinates; each reason names the row as the table numbers it (from 1).
    """
    problems = problems or {}
    ticked = drafts[drafts["include"].fillna(False).astype(bool)] if "include" in drafts else drafts
    days = pd.to_datetime(ticked.get("event_date"), errors="coerce")
    lat = pd.to_numeric(ticked.get("latitude"), errors="coerce")
    lon = pd.to_numeric(ticked.get("longitude"), errors="coerce")
    held: list[str] = []
    keep: list[Any] = []
    for number, label in enumerate(ticked.index, start=1):
        where = str(ticked.at[label, "location"] or "?") if "location" in ticked else "?"
        row_name = f"row {drafts.index.get_loc(label) + 1} ({where})"
        if label in problems:
            held.append(f"{row_name}: {problems[label]}")
        elif pd.isna(days.iloc[number - 1]):
            held.append(f"{row_name}: no date; type one in the Date column")
        elif pd.isna(lat.iloc[number - 1]) or pd.isna(lon.iloc[number - 1]):
            held.append(f"{row_name}: no coordinates; choose a place")
        else:
            keep.append(label)
    out = ticked.loc[keep, [c for c in SCHEMA_COLUMNS if c in ticked.columns]].copy()
    out["event_date"] = days.loc[keep].dt.strftime("%Y-%m-%d")
    return out.reset_index(drop=True), held


def article_origin(title: str, sha256: str, *, taken: Mapping[str, str]) -> str:
    """'article:<title>' (or the text's hash without a title), unique among other articles.

    ``taken`` maps the store's origins to their texts' hashes: the same text keeps its origin,
    another text with the same title gets its hash appended.
    """
    name = " ".join(title.split())[:120] or sha256[:12]
    origin = f"article:{name}"
    if origin in taken and taken[origin] != sha256:
        origin = f"article:{name} ({sha256[:8]})"
    return origin


def extraction_advice(
    *,
    mentions: int,
    found: int,
    drafts: int,
    undated: int,
    published: date | None,
) -> list[tuple[str, str]]:
    """What to tell the analyst about an extraction, as (level, message): warning or info.

    ``mentions`` place names were seen, ``found`` of them in the gazetteer; ``drafts`` events
    came out, ``undated`` of them without a date.
    """
    advice: list[tuple[str, str]] = []
    if mentions == 0:
        advice.append(
            (
                "warning",
                "No place names were found in this article, so it gives no events. "
                "Check that it is in English and names towns, provinces or countries as maps "
                "spell them (the gazetteer knows every country and province, towns of 15,000+ "
                "people and every Afghan village); paste the whole article, not only a summary.",
            )
        )
    elif found == 0:
        advice.append(
            (
                "warning",
                "The article names places the gazetteer does not know (shown in grey), so no "
                "event could be placed. Try the spelling used on maps (Kunduz for Qonduz), or "
                "import those events from a CSV with their coordinates.",
            )
        )
    elif drafts == 0:
        advice.append(
            (
                "info",
                "Places were found, but no sentence both names a place and reports something "
                "that happened there (fighting, a seizure, a strike, an attack, arrests, talks). "
                "Sentences that only mention a place, or say something 150 km from it, "
                "give no event.",
            )
        )
    if undated:
        fix = (
            "Set the publication date above and press **Find events** again: relative dates "
            "such as 'on Thursday' or 'last month' are counted from it"
            if published is None
            else "Type the date in the table's Date column"
        )
        advice.append(
            (
                "warning",
                f"{undated} draft event(s) have no date. {fix}; undated rows are not saved.",
            )
        )
    return advice


def _date_objects(frame: pd.DataFrame) -> pd.Series:
    days = _dates(frame)
    return pd.Series(
        [d.date() if pd.notna(d) else None for d in days], index=frame.index, dtype=object
    )


def _match_keys(events: pd.DataFrame) -> pd.Series:
    """ "admin1 key · sub-type" per event; "" when either is missing (such events never match)."""
    province = _normalized(text_column(events, "admin1"))
    subs = text_column(events, "sub_event_type")
    sub = subs.map({value: value.strip().casefold() for value in subs.unique()})
    return (province + "\x1f" + sub).where((province != "") & (sub != ""), "")


def _normalized(names: pd.Series) -> pd.Series:
    """normalize_name of each value, computed once per distinct value (columns repeat a lot)."""
    return names.map({value: normalize_name(value) for value in names.unique()})


def _dates(events: pd.DataFrame) -> pd.Series:
    if "event_date" not in events:
        return pd.Series(pd.NaT, index=events.index, dtype="datetime64[ns]")
    parsed = pd.to_datetime(events["event_date"], errors="coerce", format="mixed")
    return parsed.dt.tz_localize(None).dt.normalize() if parsed.dt.tz else parsed.dt.normalize()


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _non_overlapping(
    spans: Iterable[tuple[int, int, ReviewMention]],
) -> list[tuple[int, int, ReviewMention]]:
    kept: list[tuple[int, int, ReviewMention]] = []
    for a, b, mention in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if b > a and (not kept or a >= kept[-1][1]):
            kept.append((a, b, mention))
    return kept


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _covering(starts: Sequence[int], spans: Sequence[tuple[int, int]], at: int) -> int | None:
    i = bisect_right(starts, at) - 1
    return i if i >= 0 and spans[i][0] <= at < spans[i][1] else None


def _mark_open(mention: ReviewMention) -> str:
    status = mention.status if mention.status in _MENTION_STYLES else NOT_FOUND
    title = f"{mention.surface}: {status} ({_STATUS_HELP[status]})"
    if status == AMBIGUOUS and mention.candidates:
        title += " — " + "; ".join(place_label(p) for p in mention.candidates[:8])
    return (
        f'<mark class="cm-place cm-{status.replace(" ", "-")}" '
        f'data-status="{html.escape(status, quote=True)}" '
        f'title="{html.escape(title, quote=True)}" style="{_MENTION_STYLES[status]}">'
    )
