"""Read the view's columns from SQLite into an Arrow file, in a process of its own.

The ADBC driver brings its own copy of SQLite. Two copies of SQLite in one process do not
see each other's POSIX locks (closing a file in one drops the other's locks), which can
corrupt a database another connection writes: so the driver only ever runs here, in a
child process (`python arrowread.py DB OUT SQL`, run as a file: it imports nothing of ours),
never beside the store's own sqlite3 connection.
"""

from __future__ import annotations

import sys

_LABEL_SQL = "SELECT key, value FROM meta WHERE key IN ('id', 'version')"
LABEL_KEY = b"conflictmap_store_version"


def main(argv: list[str]) -> int:
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa

    db_path, out_path, sql = argv
    with adbc.connect(db_path) as db, db.cursor() as cursor:
        # Not autocommit: the label and the rows come from one read transaction.
        cursor.execute(_LABEL_SQL)
        found = dict(cursor.fetchall())
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
        db.rollback()
    label = f"{found.get('id', '')}:{found.get('version', '0')}"
    table = table.replace_schema_metadata({LABEL_KEY: label})
    with pa.OSFile(out_path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
