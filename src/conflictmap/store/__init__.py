"""The SQLite store of record: its schema, snapshots for the app, frames and exports."""
