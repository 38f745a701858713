"""A throwaway event store for the app tests: the fixture events seeded, one injected upload."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from conflictmap.config import Settings
from conflictmap.store.eventstore import EventStore
from conftest import DATA

FIXTURE = DATA / "app" / "events.csv"
# The fixture's rows with markup in them come in as their own upload, named with markup too.
INJECTED_IDS = {"AFG-X01"}
INJECTED_FILE_NAME = "<b>evil</b>.csv"


def make_app_store(root: Path) -> dict[str, str]:
    """Build a store under ``root``; return the environment that points the app at it."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    seed = [r for r in body if r[0] not in INJECTED_IDS]
    injected = [r for r in body if r[0] in INJECTED_IDS]
    (data_dir / "events.csv").write_text(_csv([header, *seed]), encoding="utf-8")
    env = {
        "CONFLICTMAP_DATA_DIR": str(data_dir),
        "CONFLICTMAP_SAMPLE_FILE": str(data_dir / "events.csv"),
        "CONFLICTMAP_DB_PATH": str(root / "events.db"),
        "CONFLICTMAP_ONLINE_TILES": "false",
    }
    settings = Settings.from_env(env)
    with EventStore.open(settings) as store:
        # Stores are never seeded by themselves: the fixture events are an upload of their own.
        store.import_file(data_dir / "events.csv", origin="seed:events.csv", kind="seed")
        store.import_file(_csv([header, *injected]).encode("utf-8"), file_name=INJECTED_FILE_NAME)
    return {**os.environ, **env}


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
