"""conflictmap: news reporting about armed conflict → geocoded events → an offline map."""

from conflictmap.extract.pipeline import extract_events
from conflictmap.extract.toponyms import Toponym, geoparse
from conflictmap.geo.geocoders import GazetteerGeocoder
from conflictmap.store.eventstore import EventStore

__version__ = "0.1.0"
__all__ = [
    "EventStore",
    "GazetteerGeocoder",
    "Toponym",
    "__version__",
    "extract_events",
    "geoparse",
]
