"""Import reports: what an upload did to every row, and the progress callback's shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from conflictmap.models import RowProblem


@dataclass(frozen=True, slots=True)
class Repeat:
    """A row that repeats or corrects another: the line of the file, and what it repeats.

    ``of_line`` is the earlier line of the same file, or 0 when it is an event stored before
    (``event_id`` names it either way).
    """

    line: int
    event_id: str
    of_line: int = 0

    def describe(self) -> str:
        """'line 7 repeats line 3' or 'line 7 repeats stored event AFG1' (for updates: corrects)."""
        return f"line {self.of_line}" if self.of_line else f"stored event {self.event_id}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one upload did: every row is counted exactly once.

    ``rows_read == accepted + updated + rejected + duplicates``: ``accepted`` rows became new
    events, ``updated`` rows corrected an event stored under their ``event_id_cnty`` (or
    given earlier in the file) with other values, ``rejected`` rows were refused (each has
    one or more ``problems``), ``duplicates`` are rows equal to an event already stored or to
    an earlier row (ACLED's actor-based files repeat each event once per actor). ``repeats``
    and ``updates`` name each such line and what it repeats. Blank rows are not rows.
    ``geocoded`` counts rows placed by the offline geocoder, ``not_geocoded`` rows it could
    not place (those are rejected too). ``warnings`` are kept rows with something changed.
    """

    origin: str
    file_name: str
    sha256: str
    rows_read: int
    accepted: int
    rejected: int
    duplicates: int
    updated: int = 0
    duplicates_in_file: int = 0
    geocoded: int = 0
    not_geocoded: int = 0
    blank_rows: int = 0
    problems: tuple[RowProblem, ...] = ()
    warnings: tuple[RowProblem, ...] = ()
    repeats: tuple[Repeat, ...] = ()
    updates: tuple[Repeat, ...] = ()
    already_imported: str = ""  # origin of an earlier upload of the very same bytes
    encoding: str = ""
    delimiter: str = ""

    @property
    def complete(self) -> bool:
        """True when no row was rejected (the CLI's exit status 0)."""
        return self.rejected == 0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)

    def summary(self) -> str:
        """One line for people: counts, and where the same file went before."""
        text = (
            f"{self.file_name}: {self.rows_read} rows read, {self.accepted} accepted, "
            f"{self.rejected} rejected, {self.duplicates} duplicates"
        )
        if self.updated:
            text += f", {self.updated} updated (corrections of events stored before)"
        if self.geocoded or self.not_geocoded:
            text += f"; {self.geocoded} geocoded, {self.not_geocoded} not found"
        if self.already_imported:
            text += f" (this file was imported before as {self.already_imported!r})"
        return text
