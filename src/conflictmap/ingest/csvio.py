"""Read uploaded tables in pieces: bytes or path, gzip, encodings, delimiters, header names."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from conflictmap.errors import InputError
from conflictmap.ingest.textcodec import SAMPLE_BYTES, code_page, guess_encoding
from conflictmap.models import ACLED_COLUMNS, SCHEMA_COLUMNS, RowProblem

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
    "lat_dd": "latitude",
    "lon_dd": "longitude",
    "long_dd": "longitude",
    "fatality": "fatalities",
    "number_of_fatalities": "fatalities",
    "death_toll": "fatalities",
    "date_of_event": "event_date",
    "event_notes": "notes",
    "source_name": "source",
}
# Words a header may wrap a known name in: "Location Name", "Event Location", "Admin1 Name".
_HEADER_AFFIXES = (re.compile(r"^(?:event|incident)_"), re.compile(r"_(?:name|names|text|value)$"))

KNOWN_COLUMNS: frozenset[str] = frozenset(SCHEMA_COLUMNS) | frozenset(ACLED_COLUMNS)

DELIMITERS = (",", ";", "\t", "|")
# Rows handed on per piece: large enough that per-piece work (queries) is amortised, small
# enough that a piece's records stay a few tens of megabytes.
CHUNK_ROWS = 20_000
# Python's csv refuses fields over this (its process-wide default); such a row is reported.
FIELD_LIMIT = 131_072
_BLOCK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
# Excel's first line naming the delimiter: sep=; (sometimes quoted).
_EXCEL_SEP = re.compile(r'^\ufeff?"?sep=(.)"?\s*$', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RawTable:
    """An upload read whole as text cells: the header as written, each row with its line."""

    file_name: str
    sha256: str  # of the bytes as uploaded (compressed, if gzip)
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    columns: tuple[str, ...]  # header mapped to our names; unknown columns keep their text
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line of the row's first line, cells)
    blank_rows: int  # rows with no text in any cell: skipped, not counted as rows
    problems: tuple[RowProblem, ...] = ()  # rows the reader itself could not split
    header_notes: tuple[RowProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class RowChunk:
    """A piece of an upload: rows with their first line, blank rows skipped, rows refused."""

    rows: list[tuple[int, list[str]]]
    blank_rows: int
    problems: list[RowProblem]
    fraction: float  # of the upload's bytes read so far


@dataclass(frozen=True, slots=True)
class Upload:
    """An upload opened for reading in pieces: its name, checksum, encoding and header.

    The bytes are not held as text: ``chunks()`` reads them again from the source each time.
    """

    file_name: str
    sha256: str
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    columns: tuple[str, ...]
    header_notes: tuple[RowProblem, ...]
    size: int
    source: bytes | Path = field(repr=False)
    gzipped: bool = False
    header_line: int = 1

    def chunks(
        self, *, rows: int = CHUNK_ROWS, only: Container[int] | None = None
    ) -> Iterator[RowChunk]:
        """The rows under the header, ``rows`` at a time; ``only``: just the rows on these lines."""
        with _binary(self.source) as raw:
            stream = _gunzipped(raw) if self.gzipped else raw
            text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
            feed = _LineFeed(text)
            reader = csv.reader(feed, delimiter=self.delimiter)
            batch: list[tuple[int, list[str]]] = []
            problems: list[RowProblem] = []
            blank = 0
            next_line = 1
            try:
                while True:
                    line = next_line
                    try:
                        cells = next(reader)
                    except csv.Error as exc:
                        next_line = feed.resync() + 1
                        if line > self.header_line and (only is None or line in only):
                            problems.append(RowProblem(line, "", _reader_problem(exc)))
                        continue
                    except StopIteration:
                        break
                    next_line = reader.line_num + 1
                    if line <= self.header_line or (only is not None and line not in only):
                        continue
                    if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                        blank += 1
                        continue
                    if feed.nul:
                        feed.nul = False
                        problems.append(_nul_problem(line, cells, self.columns))
                        continue
                    batch.append((line, cells))
                    if len(batch) >= rows:
                        yield RowChunk(batch, blank, problems, raw.tell() / max(self.size, 1))
                        batch, problems, blank = [], [], 0
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"{self.file_name!r} is a damaged gzip file: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{self.file_name!r} is not valid {self.encoding} (byte {exc.start:,} of "
                    "a piece); save it again as UTF-8"
                ) from exc
            if batch or problems or blank:
                yield RowChunk(batch, blank, problems, 1.0)


class _LineFeed:
    """Physical lines to csv.reader, watching for NUL and for where a quoted field ends.

    After csv refuses a row (a field over its limit) it goes on at the next physical line,
    which may sit inside the refused quoted field; ``resync()`` skips to that field's end.
    """

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self.quotes = 0  # parity of '"' seen: 1 inside a quoted field
        self.nul = False
        self.line = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = self._text.readline()
        if not line:
            raise StopIteration
        self.line += 1
        if '"' in line:
            self.quotes ^= line.count('"') & 1
        if "\x00" in line:
            self.nul = True
        return line

    def resync(self) -> int:
        """Skip to the end of the quoted field csv gave up in; the last line consumed."""
        while self.quotes:
            try:
                next(self)
            except StopIteration:
                break
        self.nul = False
        return self.line


def _reader_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field limit" in text:
        return (
            f"a cell is longer than {FIELD_LIMIT:,} characters (an unclosed quote, or not "
            "event text); the row was skipped"
        )
    return f"the row cannot be split into cells ({text}); check its quotes"


def _nul_problem(line: int, cells: list[str], columns: tuple[str, ...]) -> RowProblem:
    where = [columns[i] if i < len(columns) else "" for i, c in enumerate(cells) if "\x00" in c]
    return RowProblem(
        line,
        where[0] if where else "",
        "the row holds NUL bytes (in "
        + (", ".join(repr(w) for w in where if w) or "a cell")
        + "): a damaged file or binary data; fix the cells and upload the row again",
    )


def _gunzipped(raw: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], gzip.GzipFile(fileobj=raw))


class _binary:
    """A binary file object over bytes or a path, closed on exit."""

    def __init__(self, source: bytes | Path) -> None:
        self._source = source
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        if isinstance(self._source, Path):
            self._handle = self._source.open("rb")
        else:
            self._handle = io.BytesIO(self._source)
        return self._handle

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def normalise_header(name: str) -> str:
    """``"Event Date"``, ``"EVENT_DATE"``, ``" event-date "`` → ``"event_date"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def canonical_column(name: str) -> str | None:
    """Our column name for a header cell, or None when it is not one we know."""
    key = normalise_header(name)
    found = _known(key)
    if found is not None:
        return found
    for affix in _HEADER_AFFIXES:
        bare = affix.sub("", key)
        if bare != key and (found := _known(bare)) is not None:
            return found
    return None


def _known(key: str) -> str | None:
    if key in KNOWN_COLUMNS:
        return key
    return HEADER_ALIASES.get(key)


def canonical_columns(header: tuple[str, ...]) -> tuple[str, ...]:
    """Map a header to our names; unknown or repeated columns keep their own (unique) text."""
    return _mapped_header(header)[0]


def _mapped_header(header: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[RowProblem, ...]]:
    seen: dict[str, int] = {}
    out: list[str] = []
    notes: list[RowProblem] = []
    for position, raw in enumerate(header, start=1):
        name = canonical_column(raw) if raw.strip() else None
        repeated = name if name is not None and name in seen else ""
        if name is None or repeated:
            text = raw.strip() or f"column_{position}"
            name = text if text not in seen else f"{text}_{position}"
        if repeated:
            first = seen[repeated]
            notes.append(
                RowProblem(
                    1,
                    repeated,
                    f"columns {first} ({header[first - 1]!r}) and {position} ({raw!r}) both "
                    f"mean {repeated!r}; column {first} is used and column {position} is kept "
                    f"as {name!r}; rename one if that is wrong",
                )
            )
        seen.setdefault(name, position)
        out.append(name)
    return tuple(out), tuple(notes)


@dataclass(frozen=True, slots=True)
class Checksum:
    """An upload's size, SHA-256 and first bytes, as given (compressed, if gzip)."""

    size: int
    sha256: str
    start: bytes


def checksum(data: bytes | Path) -> Checksum:
    """The upload's checksum (read once, in blocks). Raises InputError when it cannot be read."""
    try:
        return Checksum(*_checksum(data))
    except OSError as exc:
        raise InputError(f"cannot read {str(data)!r}: {exc.strerror or exc}") from exc


def open_upload(
    data: bytes | Path, *, file_name: str | None = None, checked: Checksum | None = None
) -> Upload:
    """Open an upload (``.csv`` or ``.csv.gz``, bytes or a path): checksum, encoding, header.

    Raises InputError when the file cannot be read at all: missing, empty, compressed
    wrongly, binary, a spreadsheet rather than CSV, or a header with no rows under it.
    """
    name = file_name or (data.name if isinstance(data, Path) else "upload.csv")
    checked = checked or checksum(data)
    size, digest, start = checked.size, checked.sha256, checked.start
    if start.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{name!r} is a zip archive or an Excel workbook, not CSV; "
            "save it as CSV (UTF-8) and upload that"
        )
    gzipped = start.startswith(_GZIP_MAGIC)
    if not gzipped and name.lower().endswith(".gz"):
        raise InputError(f"{name!r} is named .gz but is not gzip-compressed")
    encoding, sample = _encoding_of(data, gzipped=gzipped, name=name)
    text = sample.decode(encoding, errors="ignore").removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"{name!r} is empty; upload a CSV file with a header row and events")
    header_line, delimiter, first = _header_start(text)
    header = tuple(c.strip() for c in first)
    if not any(header):
        raise InputError(f"{name!r} has no header row")
    columns, notes = _mapped_header(header)
    return Upload(
        file_name=name,
        sha256=digest,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        columns=columns,
        header_notes=notes,
        size=size,
        source=data,
        gzipped=gzipped,
        header_line=header_line,
    )


def _checksum(data: bytes | Path) -> tuple[int, str, bytes]:
    """Size, SHA-256 and first bytes of the upload as given."""
    if not isinstance(data, Path):
        return len(data), hashlib.sha256(data).hexdigest(), bytes(data[:4])
    digest = hashlib.sha256()
    size = 0
    start = b""
    with data.open("rb") as handle:
        while block := handle.read(_BLOCK):
            if not size:
                start = block[:4]
            size += len(block)
            digest.update(block)
    return size, digest.hexdigest(), start


def _encoding_of(data: bytes | Path, *, gzipped: bool, name: str) -> tuple[str, bytes]:
    """The encoding of the whole (uncompressed) text, and its first bytes.

    The start decides, except that a file which starts as UTF-8 is read to its end to be
    sure: a Windows code page often shows its first non-ASCII byte deep in the file.
    """
    try:
        with _binary(data) as raw:
            stream = _gunzipped(raw) if gzipped else raw
            sample = stream.read(SAMPLE_BYTES)
            whole = len(sample) < SAMPLE_BYTES
            encoding = guess_encoding(sample, name=name, whole=whole)
            if encoding != "utf-8" or whole:
                return encoding, sample
            decoder = codecs_utf8()
            block = sample
            while block:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    return code_page(sample + block[:SAMPLE_BYTES], name=name), sample
                block = stream.read(_BLOCK)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return code_page(sample, name=name), sample
            return encoding, sample
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{name!r} is a damaged gzip file: {exc}") from exc


def codecs_utf8() -> codecs.IncrementalDecoder:
    """A strict incremental UTF-8 decoder (a character may be cut between two blocks)."""
    return codecs.getincrementaldecoder("utf-8")()


def _header_start(text: str) -> tuple[int, str, list[str]]:
    """The header's line, the delimiter and the header cells, from the start of the text.

    Excel writes ``sep=;`` as a first line to name the delimiter; it is no header.
    """
    lines = text.splitlines()
    first_text = next((i for i, line in enumerate(lines) if line.strip()), 0)
    excel = _EXCEL_SEP.match(lines[first_text]) if lines else None
    skip = first_text + 1 if excel else first_text
    body = "\n".join(lines[skip:]) if skip else text
    delimiter = excel[1] if excel else sniff_delimiter(body)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    header: list[str] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            header = cells
            break
    return skip + reader.line_num, delimiter, header


def read_table(data: bytes | Path, *, file_name: str | None = None) -> RawTable:
    """An upload read whole into text cells (small files and tests; the store reads in pieces)."""
    upload = open_upload(data, file_name=file_name)
    rows: list[tuple[int, tuple[str, ...]]] = []
    problems: list[RowProblem] = []
    blank = 0
    for chunk in upload.chunks():
        rows.extend((line, tuple(cells)) for line, cells in chunk.rows)
        problems.extend(chunk.problems)
        blank += chunk.blank_rows
    if not rows and not problems:
        raise InputError(
            f"{upload.file_name!r} has a header ({', '.join(upload.header[:6])}) but no rows "
            "under it; add at least one event"
        )
    return RawTable(
        file_name=upload.file_name,
        sha256=upload.sha256,
        encoding=upload.encoding,
        delimiter=upload.delimiter,
        header=upload.header,
        columns=upload.columns,
        rows=tuple(rows),
        blank_rows=blank,
        problems=tuple(problems),
        header_notes=upload.header_notes,
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon, tab or bar) that splits the first lines most evenly.

    csv.Sniffer guesses letters and quotes as delimiters on short or irregular samples;
    counting columns per candidate is simpler and does not.
    """
    sample = text[:SAMPLE_BYTES]
    if len(text) > SAMPLE_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [
                len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            ]
        except csv.Error:
            continue
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
