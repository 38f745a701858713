"""Import reports: what an upload did to every row, and the progress callback's shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from conflictmap.models import RowProblem


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one upload did: every row is counted exactly once.

    ``rows_read == accepted + rejected + duplicates``: ``accepted`` rows became new events,
    ``rejected`` rows were refused (each has one or more ``problems``), ``duplicates`` are
    rows whose event was already in the store or earlier in the same file (ACLED's
    actor-based files repeat each event once per actor). Blank rows are not rows.
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
    duplicates_in_file: int = 0
    geocoded: int = 0
    not_geocoded: int = 0
    blank_rows: int = 0
    problems: tuple[RowProblem, ...] = ()
    warnings: tuple[RowProblem, ...] = ()
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
        if self.geocoded or self.not_geocoded:
            text += f"; {self.geocoded} geocoded, {self.not_geocoded} not found"
        if self.already_imported:
            text += f" (this file was imported before as {self.already_imported!r})"
        return text
