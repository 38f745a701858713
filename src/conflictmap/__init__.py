"""conflictmap: news reporting about armed conflict → geocoded events → an offline map."""

__version__ = "0.1.0"
