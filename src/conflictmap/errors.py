"""The one exception tree every conflictmap error hangs from.

    ConflictMapError            anything conflictmap raises on purpose
     ├── ConfigError            a setting has a value we cannot use
     ├── InputError             a file or text we were given cannot be read at all
     ├── GeocoderError          a geocoding service failed (not: "no match", that is None)
     └── StoreError             the event store cannot be opened or written

Messages say what was wrong (the bad value with ``!r``) and how to fix it.
Foreign exceptions are translated once, at the boundary, with ``raise ... from``.
"""


class ConflictMapError(Exception):
    """Root of every error conflictmap raises on purpose; the CLI and the app print its message."""


class ConfigError(ConflictMapError):
    """Raised when a setting (environment variable or argument) has a value we cannot use."""


class InputError(ConflictMapError):
    """Raised when an input as a whole cannot be read: missing, not text, empty, not a table.

    A single bad row is *not* an InputError: it is reported in the import report.
    """


class GeocoderError(ConflictMapError):
    """Raised when a geocoding service failed (network, timeout, quota); no match is ``None``."""


class StoreError(ConflictMapError):
    """Raised when the event store cannot be opened, migrated or written."""
