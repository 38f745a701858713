"""Read uploaded tables: bytes or path, gzip, encodings, delimiters, header names → a raw table."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from conflictmap.errors import InputError
from conflictmap.models import ACLED_COLUMNS, SCHEMA_COLUMNS

# Header spellings we accept for our columns, after normalise_header(); ACLED's own names
# and ours map to themselves. "region" is deliberately absent: in ACLED it is a world region.
HEADER_ALIASES: dict[str, str] = {
    "event_id": "event_id_cnty",
    "eventid": "event_id_cnty",
    "id": "event_id_cnty",
    "date": "event_date",
    "eventdate": "event_date",
    "day": "event_date",
    "lat": "latitude",
    "y": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "x": "longitude",
    "place": "location",
    "city": "location",
    "town": "location",
    "village": "location",
    "place_name": "location",
    "locality": "location",
    "province": "admin1",
    "admin_1": "admin1",
    "adm1": "admin1",
    "governorate": "admin1",
    "oblast": "admin1",
    "district": "admin2",
    "admin_2": "admin2",
    "adm2": "admin2",
    "country_name": "country",
    "type": "event_type",
    "eventtype": "event_type",
    "sub_event": "sub_event_type",
    "subeventtype": "sub_event_type",
    "actor": "actor1",
    "actor_1": "actor1",
    "actor_2": "actor2",
    "deaths": "fatalities",
    "killed": "fatalities",
    "description": "notes",
    "summary": "notes",
    "eventdate_text": "date_text",
}

KNOWN_COLUMNS: frozenset[str] = frozenset(SCHEMA_COLUMNS) | frozenset(ACLED_COLUMNS)

DELIMITERS = (",", ";", "\t", "|")
# How much of the text the delimiter is sniffed from.
SNIFF_CHARS = 64 * 1024
# csv's default field limit (128 KiB) would raise mid-file; long cells are a row problem instead.
_FIELD_LIMIT = 2**31 - 1

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class RawTable:
    """An upload read as text cells: the header as written, each row with its line number."""

    file_name: str
    sha256: str  # of the bytes as uploaded (compressed, if gzip)
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    columns: tuple[str, ...]  # header mapped to our names; unknown columns keep their text
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line of the row's first line, cells)
    blank_rows: int  # rows with no text in any cell: skipped, not counted as rows


def normalise_header(name: str) -> str:
    """``"Event Date"``, ``"EVENT_DATE"``, ``" event-date "`` → ``"event_date"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def canonical_column(name: str) -> str | None:
    """Our column name for a header cell, or None when it is not one we know."""
    key = normalise_header(name)
    if key in KNOWN_COLUMNS:
        return key
    return HEADER_ALIASES.get(key)


def canonical_columns(header: tuple[str, ...]) -> tuple[str, ...]:
    """Map a header to our names; unknown or repeated columns keep their own (unique) text."""
    seen: set[str] = set()
    out: list[str] = []
    for position, raw in enumerate(header, start=1):
        name = canonical_column(raw) if raw.strip() else None
        if name is None or name in seen:
            text = raw.strip() or f"column_{position}"
            name = text if text not in seen else f"{text}_{position}"
        seen.add(name)
        out.append(name)
    return tuple(out)


def read_table(data: bytes | Path, *, file_name: str | None = None) -> RawTable:
    """Read an upload (``.csv`` or ``.csv.gz``, as bytes or a path) into text cells.

    Raises InputError when the whole file cannot be read: missing, empty, compressed
    wrongly, binary, a spreadsheet rather than CSV, or a header with no rows under it.
    """
    if isinstance(data, Path):
        name = file_name or data.name
        try:
            raw = data.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {str(data)!r}: {exc.strerror or exc}") from exc
    else:
        name = file_name or "upload.csv"
        raw = bytes(data)
    digest = hashlib.sha256(raw).hexdigest()
    text, encoding = decode_upload(uncompressed(raw, file_name=name), file_name=name)
    if not text.strip():
        raise InputError(f"{name!r} is empty; upload a CSV file with a header row and events")
    delimiter = sniff_delimiter(text)
    header, rows, blank = split_rows(text, delimiter=delimiter)
    if not header:
        raise InputError(f"{name!r} has no header row")
    if not rows:
        raise InputError(
            f"{name!r} has a header ({', '.join(header[:6])}) but no rows under it; "
            "add at least one event"
        )
    return RawTable(
        file_name=name,
        sha256=digest,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        columns=canonical_columns(header),
        rows=rows,
        blank_rows=blank,
    )


def uncompressed(raw: bytes, *, file_name: str) -> bytes:
    """The bytes, gunzipped when they are gzip (by content, whatever the name says)."""
    if raw.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{file_name!r} is a zip archive or an Excel workbook, not CSV; "
            "save it as CSV (UTF-8) and upload that"
        )
    if not raw.startswith(_GZIP_MAGIC):
        if file_name.lower().endswith(".gz"):
            raise InputError(f"{file_name!r} is named .gz but is not gzip-compressed")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{file_name!r} is a damaged gzip file: {exc}") from exc


def decode_upload(raw: bytes, *, file_name: str) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (± BOM), UTF-16 with BOM, cp1256, cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode(raw[3:], "utf-8", file_name=file_name), "utf-8-sig"
    if raw.startswith(_UTF16_BOMS):
        return _decode(raw, "utf-16", file_name=file_name), "utf-16"
    if b"\x00" in raw[:SNIFF_CHARS]:
        raise InputError(
            f"{file_name!r} is not a text file (it contains NUL bytes); upload a CSV file"
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _control_share(raw[:SNIFF_CHARS]) > 0.01:
        raise InputError(
            f"{file_name!r} is not a text file (too many control bytes); upload a CSV file"
        )
    if _looks_arabic_script(raw):
        return raw.decode("cp1256", errors="replace"), "cp1256"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # The five bytes cp1252 leaves undefined are C1 controls in Latin-1.
        return raw.decode("latin-1"), "latin-1"


def _decode(raw: bytes, encoding: str, *, file_name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{file_name!r} starts with a {encoding} byte-order mark but is not valid {encoding} "
            f"(byte {exc.start}); save it again as UTF-8"
        ) from exc


def _control_share(raw: bytes) -> float:
    if not raw:
        return 0.0
    controls = sum(1 for b in raw if b < 32 and b not in (9, 10, 13))
    return controls / len(raw)


def _looks_arabic_script(raw: bytes) -> bool:
    """True when the non-ASCII bytes read as Arabic-script words in Windows-1256 (Dari, Pashto).

    Western text read as cp1256 gives at most isolated Arabic letters (ä, ö), never words,
    so we ask that most non-ASCII characters sit in runs of two or more Arabic letters.
    """
    text = raw[:SNIFF_CHARS].decode("cp1256", errors="replace")
    non_ascii = sum(1 for c in text if ord(c) > 127)
    if non_ascii == 0:
        return False
    in_words = sum(len(m) for m in re.findall(r"[\u0600-\u06ff]{2,}", text))
    return in_words / non_ascii >= 0.8


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon, tab or bar) that splits the first lines most evenly.

    csv.Sniffer guesses letters and quotes as delimiters on short or irregular samples;
    counting columns per candidate is simpler and does not.
    """
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0.0, 0)
    for delimiter in DELIMITERS:
        widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)]
        widths = [w for w in widths[:200] if w > 0]
        if not widths:
            continue
        header_width = widths[0]
        if header_width < 2:
            continue
        agree = sum(1 for w in widths if w == header_width) / len(widths)
        # Prefer the candidate whose rows agree with the header; then more columns.
        score = (1, agree, header_width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def split_rows(
    text: str, *, delimiter: str
) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...], int]:
    """Header, data rows with the line each starts on, and how many blank rows were skipped."""
    limit = csv.field_size_limit()
    if limit < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] = ()
    rows: list[tuple[int, tuple[str, ...]]] = []
    blank = 0
    next_line = 1
    for cells in reader:
        line = next_line
        next_line = reader.line_num + 1
        if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
            if header:
                blank += 1
            continue
        if not header:
            header = tuple(c.strip() for c in cells)
            continue
        rows.append((line, tuple(cells)))
    return header, tuple(rows), blank
