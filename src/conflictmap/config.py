"""Settings: every knob conflictmap has, its default and its help, read once at the edge."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from conflictmap.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "CONFLICTMAP_"


def _default_data_dir() -> Path:
    return PROJECT_ROOT / "data"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting with its default; ``conflictmap settings`` shows each field's ``help``.

    Read from the environment as ``CONFLICTMAP_<FIELD NAME IN CAPITALS>``.
    """

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={"help": "Folder with the bundled data (gazetteer, seed article, events.csv)."},
    )
    db_path: Path | None = field(
        default=None,
        metadata={"help": "The SQLite event store; default DATA_DIR/events.db (ignored by git)."},
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
    max_upload_mb: int = field(
        default=200, metadata={"help": "Largest upload the app accepts, in megabytes."}
    )

    @property
    def store_path(self) -> Path:
        """The event store's path, DATA_DIR/events.db unless DB_PATH is set."""
        return self.db_path if self.db_path is not None else self.data_dir / "events.db"

    @property
    def gazetteer_path(self) -> Path:
        return self.data_dir / "gazetteer.tsv.gz"

    @property
    def seed_events_path(self) -> Path:
        return self.data_dir / "events.csv"

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
