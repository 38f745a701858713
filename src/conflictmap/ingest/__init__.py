"""Uploaded event files: decoding and dialect, cell parsing, validation and the import report."""
