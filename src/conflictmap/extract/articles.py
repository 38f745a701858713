"""Read an article from a .txt or .html file, with its publication date, source and title."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from conflictmap.errors import InputError
from conflictmap.extract.dates import find_date_phrases, resolve_date
from conflictmap.ingest.textcodec import decode_text, without_bidi_controls

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# "KABUL, Aug 12 (Reuters) -", "Kabul, Afghanistan –", "KYIV, Ukraine, March 2, 2022 (AP) —":
# a place (one or two capitalised parts), maybe a date, maybe a source in brackets, then a dash.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z.'’ -]{1,30}?(?:,\s*[A-Z][A-Za-z.'’ -]{1,30}?)?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+\d{4})?"
    r"|\d{1,2}\s+[A-Z][a-z]{2,8}\.?(?:\s+\d{4})?))?"
    r"\s*(?:\((?P<source>[^()\n]{2,40})\))?\s*[-–—]{1,2}\s",
    re.MULTILINE,
)
_LOOKS_HTML = re.compile(r"^\s*(?:<!doctype html|<html\b|<body\b|<article\b|<p\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Article:
    """An article's text and what we know about it."""

    text: str
    published: date | None
    source: str
    title: str = ""
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class Dateline:
    """The dateline opening a wire story: where it was filed, maybe when and by whom."""

    place: str  # "KABUL", "Kabul, Afghanistan"
    start: int
    end: int  # the end of the dateline (after the dash) in the text
    published: date | None = None
    date_text: str = ""
    source: str = ""


def read_article(path: Path | str) -> Article:
    """The article in ``path`` (.txt or .html), its metadata from PATH.meta.json or its dateline.

    Raises InputError when the file is missing, not text, or has no text.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{str(path)!r} is not a file; give the path of a .txt or .html article")
    return parse_article(path.read_bytes(), name=str(path), meta=_meta(path), path=path)


def parse_article(
    raw: bytes,
    *,
    name: str,
    meta: Mapping[str, object] | None = None,
    path: Path | None = None,
) -> Article:
    """The article in the bytes of a .txt or .html file called ``name`` (an upload, pasted text).

    ``meta`` is what its .meta.json holds (``meta_from_json``); without a publication date there,
    the HTML's, the dateline's or a dated first line's is used. Raises InputError when the bytes
    are not text or hold no text.
    """
    text = _decoded(raw, name)
    title = ""
    html_published: date | None = None
    if Path(name).suffix.lower() in _HTML_SUFFIXES or _LOOKS_HTML.match(text):
        text, title, html_published = _from_html(text)
    text = text.strip()
    if not text:
        raise InputError(f"{name!r} has no text; an article needs at least one sentence")
    meta = meta or {}
    dateline = find_dateline(text)
    published = (
        _meta_date(meta, Path(name).name)
        or html_published
        or (dateline.published if dateline else None)
        or _header_date(text)
    )
    source = str(meta.get("publisher") or meta.get("source") or "")
    if not source:
        source = dateline.source if dateline and dateline.source else Path(name).name
    title = str(meta.get("title") or title or _first_line_title(text))
    return Article(text=text, published=published, source=source, title=title, path=path)


def meta_from_json(raw: bytes | str, *, name: str) -> dict[str, object]:
    """The object in an article's .meta.json (title, publisher, published); InputError if none."""
    try:
        loaded = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{name!r} is not valid JSON: {exc}") from exc
    if not isinstance(loaded, dict):
        raise InputError(f"{name!r} must hold a JSON object")
    return loaded


def find_dateline(text: str) -> Dateline | None:
    """The dateline in the first lines of ``text`` ("KABUL, Aug 12 (Reuters) -"), if it has one."""
    head_end = _nth_line_end(text, 3)
    match = next(
        (m for m in _DATELINE.finditer(text, 0, head_end) if _is_dateline(m)),
        None,
    )
    if match is None:
        return None
    published: date | None = None
    date_text = ""
    if match.group("date"):
        phrases = find_date_phrases(match.group("date"))
        resolved = resolve_date(phrases[0], published=None) if phrases else None
        if resolved is not None:
            date_text, published = resolved.text, resolved.value
    return Dateline(
        place=match.group("place").strip(),
        start=match.start(),
        end=match.end(),
        published=published,
        date_text=date_text,
        source=(match.group("source") or "").strip(),
    )


def _is_dateline(match: re.Match[str]) -> bool:
    # "The Taliban – which ..." opens a sentence, not a dateline: a dateline's place is in
    # capitals, or names its country, or a date or a source follows it.
    place = match.group("place")
    return (
        place.split(",")[0].isupper()
        or "," in place
        or bool(match.group("date"))
        or bool(match.group("source"))
    )


def _decoded(raw: bytes, name: str) -> str:
    """The article's text, decoded as uploads are (one function: ingest.textcodec)."""
    if b"\x00" in raw[:8192]:
        raise InputError(f"{name!r} is not a text file; give a .txt or .html article")
    text, _ = decode_text(raw, name=name)
    return without_bidi_controls(text)


def _from_html(markup: str) -> tuple[str, str, date | None]:
    from bs4 import BeautifulSoup  # only HTML articles need it

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    heading = soup.find("h1")
    if heading is not None:
        title = heading.get_text(" ", strip=True) or title
    published = None
    for meta in soup.find_all("meta"):
        if meta.get("property") in {"article:published_time", "og:published_time"} or meta.get(
            "name"
        ) in {"date", "pubdate", "publish-date"}:
            published = _iso_date(str(meta.get("content", "")))
            break
    if published is None and (time_tag := soup.find("time")) is not None:
        published = _iso_date(str(time_tag.get("datetime", "")))
    body = soup.find("article") or soup.body or soup
    blocks = [
        block.get_text(" ", strip=True)
        for block in body.find_all(["h1", "h2", "h3", "p", "li", "blockquote"])
    ]
    text = "\n\n".join(b for b in blocks if b) or body.get_text("\n", strip=True)
    return text, title, published


def _meta(path: Path) -> dict[str, object]:
    for candidate in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            return meta_from_json(candidate.read_bytes(), name=str(candidate))
    return {}


def _meta_date(meta: Mapping[str, object], name: str) -> date | None:
    raw = meta.get("published")
    if raw in (None, ""):
        return None
    value = _iso_date(str(raw))
    if value is None:
        raise InputError(f"published={raw!r} in the metadata of {name!r} is not YYYY-MM-DD")
    return value


def _iso_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def _header_date(text: str) -> date | None:
    """A full date (with its year) in the first lines, e.g. a "Published 12 August 2021" line."""
    for phrase in find_date_phrases(text[: _nth_line_end(text, 3)]):
        resolved = resolve_date(phrase, published=None)
        if resolved is not None and resolved.value is not None and resolved.precision == 1:
            return resolved.value
    return None


def _first_line_title(text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= 200 and not first.endswith(".") else ""


def _nth_line_end(text: str, lines: int) -> int:
    end = -1
    for _ in range(lines):
        end = text.find("\n", end + 1)
        if end == -1:
            return min(len(text), 600)
    return min(end, 600)
