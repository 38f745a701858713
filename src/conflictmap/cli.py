"""The command line: a thin click layer, one library call per command, our errors as one line."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from conflictmap import __version__
from conflictmap.config import ENV_PREFIX, Settings
from conflictmap.errors import ConflictMapError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn any failure into one readable line on stderr and exit status 2, never a traceback.

    Set CONFLICTMAP_DEBUG=1 to see the traceback of an unexpected failure.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConflictMapError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:
            if _debug():
                raise
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {exc}; nothing was changed by the "
                "failed step. Run again with CONFLICTMAP_DEBUG=1 to see where it failed.",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _debug() -> bool:
    try:
        return Settings.from_env().debug
    except ConflictMapError:
        return False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conflictmap")
def main() -> None:
    """Turn news articles about armed conflict into geocoded ACLED-style events."""


@main.command("settings")
def settings_command() -> None:
    """Show every setting, its current value and its environment variable."""
    current = Settings.from_env()
    for f in fields(Settings):
        click.echo(f"{ENV_PREFIX}{f.name.upper()}={getattr(current, f.name)}")
        click.echo(f"    {f.metadata.get('help', '')}")


# Where extract and places write: a file, or standard output by default.
_OUTPUT_OPTION = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    help="File to write; - (the default) for standard output.",
)


# -- extraction: articles to events ----------------------------------------------------------


@main.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--published",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Publication date relative dates resolve against (default: FILE.meta.json or dateline).",
)
@click.option("--source", help="Publisher to record (default: FILE.meta.json, dateline or name).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "geojson"]),
    default="csv",
    show_default=True,
)
@_OUTPUT_OPTION
@friendly_errors
def extract_command(
    files: tuple[Path, ...], published: datetime | None, source: str | None, fmt: str, output: Path
) -> None:
    """Extract geocoded ACLED-style events from news articles (.txt or .html)."""
    from conflictmap.extract.corpus import extract_files
    from conflictmap.store.exports import export_csv, export_geojson

    result = extract_files(files, published=published.date() if published else None, source=source)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    events = result.events
    if fmt == "csv":
        text = export_csv(events)
    elif fmt == "geojson":
        text = export_geojson(events)
    else:
        records = events.to_dict("records")
        text = json.dumps(records, ensure_ascii=False, indent=2, default=_scalar) + "\n"
    write_output(text, output, count=len(events))


@main.command("places")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "geojson"]),
    default="json",
    show_default=True,
)
@click.option("--no-ner", is_flag=True, help="Gazetteer matching alone, without spaCy's NER.")
@_OUTPUT_OPTION
@friendly_errors
def places_command(files: tuple[Path, ...], fmt: str, no_ner: bool, output: Path) -> None:
    """Every place an article names, in order: offsets, GeoNames match, role and status."""
    from conflictmap.extract.articles import read_article
    from conflictmap.extract.toponym_io import (
        toponym_rows,
        toponyms_csv,
        toponyms_geojson,
        toponyms_json,
    )
    from conflictmap.extract.toponyms import geoparse

    rows = []
    for path in files:
        rows.extend(toponym_rows(path.name, geoparse(read_article(path).text, use_ner=not no_ner)))
    writer = {"json": toponyms_json, "csv": toponyms_csv, "geojson": toponyms_geojson}[fmt]
    write_output(writer(rows), output, count=len(rows), noun="toponyms")


def write_output(text: str, output: Path, *, count: int, noun: str = "events") -> None:
    """Write an export to OUTPUT, or to stdout for '-' (as bytes, so CRLF line ends survive)."""
    if str(output) == "-":
        click.echo(text.encode("utf-8"), nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise ConflictMapError(f"cannot write {str(output)!r}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {count} {noun} to {output}", err=True)


def _scalar(value: Any) -> Any:
    """numpy scalars as plain Python values, for json.dumps."""
    return value.item() if hasattr(value, "item") else str(value)


# -- the event store: import, uploads, remove, export -------------------------------------

_DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The event store (default: CONFLICTMAP_DB_PATH or data/events.db).",
)
# How many row problems the plain-text report shows per file (--json shows them all).
_SHOWN_PROBLEMS = 50


def _open_store(db_path: Path | None) -> Any:
    from conflictmap.store.eventstore import EventStore

    return EventStore.open(Settings.from_env(db_path=db_path))


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@friendly_errors
def import_command(files: tuple[Path, ...], db_path: Path | None, as_json: bool) -> None:
    """Import event CSVs (ACLED exports, our schema, minimal files; .csv or .csv.gz).

    Each file is imported in a transaction of its own: a file that fails changes nothing,
    and the files before and after it are imported as usual. Progress goes to stderr.
    Exit status: 0 every row taken, 1 some rows rejected, 2 a file could not be imported.
    """
    from conflictmap.errors import ConflictMapError

    store = _open_store(db_path)
    status = 0
    results: list[dict[str, Any]] = []
    for path in files:
        progress = _ProgressLine(path.name)
        try:
            report = store.import_file(path, progress=progress)
        except ConflictMapError as exc:
            failure = str(exc)
        except Exception as exc:
            if _debug():
                raise
            failure = (
                f"unexpected {type(exc).__name__}: {exc}; this file was not imported (its "
                "transaction was rolled back). Run again with CONFLICTMAP_DEBUG=1 to see where"
            )
        else:
            failure = ""
        finally:
            progress.close()
        if failure:
            status = 2
            results.append({"file_name": path.name, "error": failure})
            if not as_json:
                click.echo(f"Error: {path.name}: {failure}", err=True)
            continue
        if report.rejected:
            status = max(status, 1)
        results.append(report.to_dict())
        if not as_json:
            _echo_report(report)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    elif len(files) > 1 and status == 2:
        failed = sum(1 for r in results if "error" in r)
        click.echo(
            f"{failed} of {len(files)} files could not be imported (see above); "
            "the others were imported as reported.",
            err=True,
        )
    sys.exit(status)


def _echo_report(report: Any) -> None:
    click.echo(report.summary())
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        where = f"line {problem.line}" + (f", {problem.column}" if problem.column else "")
        click.echo(f"  rejected {where}: {problem.reason}")
    if len(report.problems) > _SHOWN_PROBLEMS:
        more = len(report.problems) - _SHOWN_PROBLEMS
        click.echo(f"  ... and {more} more problems (--json lists them all)")
    for update in report.updates[:_SHOWN_PROBLEMS]:
        click.echo(f"  updated line {update.line}: corrects {update.describe()}")
    for repeat in report.repeats[:_SHOWN_PROBLEMS]:
        click.echo(f"  duplicate line {repeat.line}: repeats {repeat.describe()}")
    shown = len(report.updates[:_SHOWN_PROBLEMS]) + len(report.repeats[:_SHOWN_PROBLEMS])
    if len(report.updates) + len(report.repeats) > shown:
        more = len(report.updates) + len(report.repeats) - shown
        click.echo(f"  ... and {more} more updates and duplicates (--json lists them all)")
    for warning in report.warnings[:_SHOWN_PROBLEMS]:
        where = f"line {warning.line}: " if warning.line else ""
        click.echo(f"  note: {where}{warning.reason}")


class _ProgressLine:
    """An import's progress on stderr: one line redrawn on a terminal, a few lines otherwise."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._tty = sys.stderr.isatty()
        self._shown = 0
        self._last = 0.0
        self._started = time.monotonic()
        self._drawn = False

    def __call__(self, fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        now = time.monotonic()
        if self._tty:
            if now - self._last < 0.2 and percent < 100:
                return
            click.echo(f"\r{self._name}: {percent:3d}% {message[:60]:<60}", nl=False, err=True)
            self._drawn = True
        elif now - self._started >= 5 and percent // 25 > self._shown // 25:
            # Not a terminal (a log): a line a quarter, and none for a quick import.
            click.echo(f"{self._name}: {percent}% {message}", err=True)
        else:
            return
        self._shown, self._last = percent, now

    def close(self) -> None:
        if self._drawn:
            click.echo("\r" + " " * 80 + "\r", nl=False, err=True)


@main.command("uploads")
@_DB_OPTION
@friendly_errors
def uploads_command(db_path: Path | None) -> None:
    """List the uploads in the event store: origin, kind, rows, events, time."""
    uploads = _open_store(db_path).uploads()
    if uploads.empty:
        click.echo("No uploads yet; `conflictmap import FILE.csv` adds one.")
        return
    shown = uploads[
        ["origin", "kind", "rows_read", "accepted", "rejected", "events", "imported_at"]
    ]
    click.echo(shown.to_string(index=False))


@main.command("remove")
@click.argument("origin")
@_DB_OPTION
@friendly_errors
def remove_command(origin: str, db_path: Path | None) -> None:
    """Remove one upload (see `conflictmap uploads`) and all its events."""
    removed = _open_store(db_path).remove(origin)
    click.echo(f"Removed {origin!r}: {removed} events.")


@main.command("export")
@_DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "geojson"]), default="csv", show_default=True
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First event date, YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last event date, YYYY-MM-DD.")
@click.option("--country", "countries", multiple=True, help="Only this country (repeatable).")
@click.option("--admin1", "admin1", multiple=True, help="Only this province (repeatable).")
@click.option("--event-type", "event_types", multiple=True, help="Only this event type.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    required=True,
    help="File to write; - for standard output.",
)
@friendly_errors
def export_command(
    db_path: Path | None,
    fmt: str,
    since: datetime | None,
    until: datetime | None,
    countries: tuple[str, ...],
    admin1: tuple[str, ...],
    event_types: tuple[str, ...],
    output: Path,
) -> None:
    """Export stored events: CSV with ACLED's headers first (spreadsheet-safe) or GeoJSON."""
    from conflictmap.app.filters import Filters, filter_events
    from conflictmap.store.exports import export_csv, export_geojson

    events = _open_store(db_path).events(acled=True)
    view = Filters(
        start=since.date() if since else None,
        end=until.date() if until else None,
        admin1=admin1,
        event_types=event_types,
    )
    events = filter_events(events, view)
    if countries:
        events = events[events["country"].isin(countries)]
    text = export_csv(events) if fmt == "csv" else export_geojson(events)
    write_output(text, output, count=len(events))
