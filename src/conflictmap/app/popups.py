"""What a map symbol says: one event's popup, the source sentence with its place marked (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from conflictmap.store.dateperiods import as_int, date_label
from conflictmap.store.dateperiods import text as _text

NOTES_MAX_CHARS = 400
GEO_PRECISION_LABELS = {
    1: "the place itself",
    2: "near the place",
    3: "province only: shown at its capital",
}
# The columns a popup shows, read from the store only for the events it details.
POPUP_COLUMNS = (
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
    "geo_precision",
    "fatalities",
    "notes",
    "place_mention",
    "source",
)

__all__ = ["date_label", "event_popup_html", "highlight_mention"]


def _find(text: str, word: str) -> int:
    """Where ``word`` first stands in ``text``, case-insensitively, in ``text``'s own offsets
    (lower-casing can change a string's length, so ``text.lower().find`` can point elsewhere)."""
    if not word:
        return -1
    exact = text.find(word)  # the usual case, and no pattern to compile
    if exact >= 0:
        return exact
    found = re.search(re.escape(word), text, flags=re.IGNORECASE)
    return found.start() if found else -1


def highlight_mention(notes: Any, mention: Any, *, max_chars: int = NOTES_MAX_CHARS) -> str:
    """The source sentence as escaped HTML with the place name wrapped in ``<mark>``."""
    text = _text(notes)
    word = _text(mention)
    at = _find(text, word)
    if len(text) > max_chars:
        # Keep the mention in view when the sentence has to be cut.
        start = max(0, min(at - max_chars // 3, len(text) - max_chars)) if at >= 0 else 0
        text = ("…" if start else "") + text[start : start + max_chars] + "…"
        at = _find(text, word)
    if at < 0:
        return html.escape(text)
    end = at + len(word)
    return (
        html.escape(text[:at])
        + "<mark>"
        + html.escape(text[at:end])
        + "</mark>"
        + html.escape(text[end:])
    )


def event_popup_html(row: Mapping[str, Any]) -> str:
    """One event's details for a popup; every value from the data is escaped."""
    e = html.escape
    when = date_label(row.get("event_date"), row.get("time_precision"), row.get("date_text"))
    kind = e(_text(row.get("event_type")) or "Event")
    sub = _text(row.get("sub_event_type"))
    actors = " vs ".join(e(a) for a in (_text(row.get("actor1")), _text(row.get("actor2"))) if a)
    where = ", ".join(
        e(p) for p in (_text(row.get(c)) for c in ("location", "admin1", "country")) if p
    )
    geo = as_int(row.get("geo_precision"), default=1)
    deaths = max(as_int(row.get("fatalities"), default=0), 0)
    source = _text(row.get("source"))
    parts = [
        f'<div class="cm-ev"><div class="cm-when">{e(when)}</div>',
        f"<b>{kind}</b>" + (f" · {e(sub)}" if sub else ""),
        f"<div>{actors}</div>" if actors else "",
        f"<div>{where} <small>({e(GEO_PRECISION_LABELS.get(geo, str(geo)))})</small></div>",
        f"<div>{deaths} fatalit{'y' if deaths == 1 else 'ies'}</div>",
    ]
    notes = highlight_mention(row.get("notes"), row.get("place_mention"))
    if notes:
        parts.append(f"<blockquote>{notes}</blockquote>")
    if source:
        parts.append(f'<div class="cm-src">Source: {e(source)}</div>')
    parts.append("</div>")
    return "".join(parts)
