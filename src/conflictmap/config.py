"""Settings: every knob conflictmap has, its default and its help, read once at the edge."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from conflictmap.errors import ConfigError

ENV_PREFIX = "CONFLICTMAP_"

# Files the package ships (importlib.resources), so a non-editable install finds them.
GAZETTEER_FILE = Path(str(resources.files("conflictmap.geo") / "data" / "gazetteer.tsv.gz"))
SAMPLE_EVENTS_FILE = Path(str(resources.files("conflictmap.store") / "data" / "sample_events.csv"))


def _default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the user's own data lives: $XDG_DATA_HOME/conflictmap, ~/.local/share/conflictmap."""
    xdg = (environ or {}).get("XDG_DATA_HOME", "")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "conflictmap"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting with its default; ``conflictmap settings`` shows each field's ``help``.

    Read from the environment as ``CONFLICTMAP_<FIELD NAME IN CAPITALS>``.
    """

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={
            "help": "Folder for your data: the event store and the geocoding cache "
            "(default $XDG_DATA_HOME/conflictmap or ~/.local/share/conflictmap)."
        },
    )
    gazetteer_file: Path | None = field(
        default=None,
        metadata={"help": "Another gazetteer file to use instead of the one the package ships."},
    )
    db_path: Path | None = field(
        default=None,
        metadata={"help": "The SQLite event store; default DATA_DIR/events.db (ignored by git)."},
    )
    sample_file: Path | None = field(
        default=None,
        metadata={"help": "Another CSV of sample events to seed a new store with."},
    )
    geocoder: str = field(
        default="offline",
        metadata={"help": "'offline' (embedded gazetteer) or 'nominatim' (online, opt-in)."},
    )
    nominatim_user_agent: str = field(
        default="conflictmap/0.1 (+offline-first conflict mapping)",
        metadata={"help": "User agent sent to Nominatim; set one that identifies you."},
    )
    nominatim_timeout: float = field(
        default=5.0, metadata={"help": "Seconds before an online geocoding request gives up."}
    )
    online_tiles: bool = field(
        default=False,
        metadata={"help": "Offer OpenStreetMap tiles under the map (requests leave this machine)."},
    )
    debug: bool = field(
        default=False,
        metadata={"help": "Show the traceback of an unexpected failure instead of one line."},
    )
    max_upload_mb: int = field(
        # ACLED's whole-world export as .csv.gz is well under 2 GB; imports stream, so size
        # costs time, not memory.
        default=2048,
        metadata={"help": "Largest upload the app accepts, in megabytes."},
    )

    @property
    def store_path(self) -> Path:
        """The event store's path, DATA_DIR/events.db unless DB_PATH is set."""
        return self.db_path if self.db_path is not None else self.data_dir / "events.db"

    @property
    def gazetteer_path(self) -> Path:
        """The gazetteer file: GAZETTEER_FILE unless GAZETTEER_FILE is set."""
        return self.gazetteer_file if self.gazetteer_file is not None else GAZETTEER_FILE

    @property
    def seed_events_path(self) -> Path:
        """The sample events: SAMPLE_FILE, else the package's (from the bundled article)."""
        return self.sample_file if self.sample_file is not None else SAMPLE_EVENTS_FILE

    @property
    def geocode_cache_path(self) -> Path:
        return self.data_dir / "geocode-cache.db"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``CONFLICTMAP_*`` variables, then explicit ``overrides`` (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw, f.type)
        values.setdefault("data_dir", _default_data_dir(env))
        settings = cls(**values)
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = replace(settings, **given) if given else settings
        if settings.geocoder not in {"offline", "nominatim"}:
            raise ConfigError(
                f"geocoder={settings.geocoder!r} is not known; use 'offline' or 'nominatim'"
            )
        return settings


def _coerce(name: str, raw: str, type_: Any) -> Any:
    text = str(type_)
    try:
        if "Path" in text:
            return Path(raw).expanduser()
        if "bool" in text:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if "int" in text:
            return int(raw)
        if "float" in text:
            return float(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {text}; unset it or fix the value"
        ) from exc
    return raw
