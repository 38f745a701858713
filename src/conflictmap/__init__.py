"""conflictmap: news reporting about armed conflict → geocoded ACLED-style events → an offline map."""

__version__ = "0.1.0"
