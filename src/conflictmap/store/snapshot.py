"""Arrow snapshots of the event table beside the store, labelled with the store version they show.

Reading 100,000 rows through sqlite3 builds millions of Python objects; an Arrow file of
the same table loads in a fraction of that. A snapshot is used only when its label equals
the store's current (id, version), which every write transaction bumps, so it is never stale.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

try:
    import pyarrow as pa
    from pyarrow import feather
except ImportError:  # pragma: no cover - pyarrow comes with streamlit; without it, no snapshots
    pa = None

_LABEL = b"conflictmap_store_version"


def snapshot_path(store_path: Path, *, acled: bool) -> Path:
    """``events.db`` → ``events.db-events.arrow`` (``-acled`` for the export table)."""
    return store_path.with_name(f"{store_path.name}-events{'-acled' if acled else ''}.arrow")


def read_snapshot(path: Path, *, label: str) -> pd.DataFrame | None:
    """The snapshot at ``path`` if it shows store version ``label``; None otherwise."""
    if pa is None or not path.exists():
        return None
    try:
        table = feather.read_table(path)
        if (table.schema.metadata or {}).get(_LABEL) != label.encode():
            return None
        return table.to_pandas()
    except (OSError, pa.ArrowException):
        return None


def write_snapshot(path: Path, frame: pd.DataFrame, *, label: str) -> None:
    """Save ``frame`` as the snapshot of store version ``label`` (atomically; failures ignored)."""
    if pa is None:
        return
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _LABEL: label})
        feather.write_feather(table, partial, compression="uncompressed")
        os.replace(partial, path)
    except (OSError, pa.ArrowException):
        # A snapshot only saves time; the store stays the truth.
        partial.unlink(missing_ok=True)
