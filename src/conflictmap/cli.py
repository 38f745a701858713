"""The command line: a thin click layer, one library call per command, our errors as one line."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

import click

from conflictmap import __version__
from conflictmap.config import ENV_PREFIX, Settings
from conflictmap.errors import ConflictMapError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn a ConflictMapError into one readable line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConflictMapError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


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
