"""geopy-shaped geocoders: the offline gazetteer (default), Nominatim opt-in, cached, rate-limited.

Both honour geopy's contract: ``geocode(query, *, exactly_one=True)`` returns a
``geopy.location.Location`` (a list of them when ``exactly_one=False``), ``None`` for no match,
and raises only when a service failed. ``raw`` always carries ``kind``, ``admin1``, ``country``,
``country_code``, ``population``, ``geonameid`` and ``confidence``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from geopy.exc import ConfigurationError, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from conflictmap.config import Settings
from conflictmap.errors import ConfigError, GeocoderError
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer
from conflictmap.models import Place

logger = logging.getLogger(__name__)

# "Ghazni province", "Donetsk Oblast", "Kandahar city": the level the writer meant.
_ADMIN_SUFFIX = re.compile(
    r"\s+(province|oblast|governorate|region|state|prefecture|wilayat|velayat)$", re.IGNORECASE
)
_PLACE_SUFFIX = re.compile(r"\s+(city|town|village)$", re.IGNORECASE)
_DISTRICT_SUFFIX = re.compile(r"\s+(district|raion|rayon|county|township)$", re.IGNORECASE)
# A town this big outranks a province of the same name elsewhere (Gaza the city, not Mozambique's).
_BIG_TOWN = 100_000
_MAX_ANSWERS = 100_000


class GeocoderFallbackWarning(UserWarning):
    """Issued when the online geocoder failed and the offline gazetteer answered instead."""


class GazetteerGeocoder(Geocoder):
    """An offline geopy geocoder over the gazetteer; geopy's RateLimiter wraps it unchanged."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self._gazetteer = gazetteer
        # Uploads repeat the same few names thousands of times: answers are kept, and shared
        # (a Location is a value; do not change its ``raw``).
        self._answers: dict[tuple[str, tuple[str, ...]], tuple[tuple[Place, ...], float]] = {}
        self._locations: dict[tuple[int, float], Location] = {}

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer answering queries, loaded on first use."""
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        country_codes: str | Iterable[str] | None = None,
    ) -> Location | list[Location] | None:
        """Places named by ``query``: 'Kandahar', 'Kandahar, Afghanistan', 'Ghazni province'.

        ``timeout`` is accepted for geopy compatibility and ignored (nothing leaves the machine).
        """
        codes = tuple(sorted(_codes(country_codes)))
        answer = self._answers.get((query, codes))
        if answer is None:
            ranked = tuple(self.rank(query, country_codes=codes))
            answer = (ranked, _confidence(ranked) if ranked else 0.0)
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
            self._answers[(query, codes)] = answer
        ranked, confidence = answer
        if not ranked:
            return None
        if exactly_one:
            return self._location(ranked[0], confidence)
        others = round(confidence / 2, 2)
        return [self._location(p, confidence if i == 0 else others) for i, p in enumerate(ranked)]

    def _location(self, place: Place, confidence: float) -> Location:
        location = self._locations.get((place.geonameid, confidence))
        if location is None:
            if len(self._locations) >= _MAX_ANSWERS:
                self._locations.clear()
            location = place_location(place, confidence=confidence)
            self._locations[(place.geonameid, confidence)] = location
        return location

    def reverse(
        self,
        query: Point | Sequence[float] | str,
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        max_km: float = 100.0,
    ) -> Location | list[Location] | None:
        """The populated place nearest to a (latitude, longitude) point, within ``max_km``."""
        point = query if isinstance(query, Point) else Point(query)
        place = self.gazetteer.nearest(point.latitude, point.longitude, max_km=max_km)
        if place is None:
            return None
        location = self._location(place, 1.0)
        return location if exactly_one else [location]

    def rank(self, query: str, *, country_codes: str | Iterable[str] | None = None) -> list[Place]:
        """Every place the query may mean, the likeliest first."""
        parts = [p.strip() for p in str(query).split(",") if p.strip()]
        if not parts:
            return []
        gazetteer = self.gazetteer
        allowed = _codes(country_codes)
        admin1_hint = ""
        # A trailing country ('..., Afghanistan') narrows the search; a middle part names admin1.
        if len(parts) > 1 and (country := gazetteer.country(parts[-1])) is not None:
            allowed = allowed & {country.country_code} if allowed else {country.country_code}
            parts = parts[:-1]
        if len(parts) > 1:
            admin1_hint = parts[1]
        name = parts[0]
        wants: str | None = None
        found = gazetteer.candidates(name)
        if not found and (m := _ADMIN_SUFFIX.search(name)):
            found, wants = gazetteer.candidates(name[: m.start()]), "admin1"
        elif not found and (m := _PLACE_SUFFIX.search(name)):
            found, wants = gazetteer.candidates(name[: m.start()]), "place"
        elif not found and (m := _DISTRICT_SUFFIX.search(name)):
            found, wants = gazetteer.candidates(name[: m.start()]), "admin2"
        elif _ADMIN_SUFFIX.search(name):
            wants = "admin1"
        elif _DISTRICT_SUFFIX.search(name):
            wants = "admin2"
        if allowed:
            found = tuple(p for p in found if p.country_code in allowed)
        if admin1_hint:
            hinted = tuple(p for p in found if _same_admin1(gazetteer, p, admin1_hint))
            found = hinted or found
        return _ranked(gazetteer, found, wants=wants)


def _ranked(gazetteer: Gazetteer, found: Sequence[Place], *, wants: str | None) -> list[Place]:
    """Order candidates for a bare query: country, a province's own capital, province, town."""
    if len(found) < 2:
        return list(found)
    if wants is not None:
        preferred = [p for p in found if p.kind == wants]
        return preferred + [p for p in found if p.kind != wants]
    seats = {s.geonameid for p in found if p.kind == "admin1" and (s := gazetteer.seat(p))}

    def order(place: Place) -> tuple[int, int]:
        if place.kind == "country":
            return (0, 0)
        # Kandahar the city pins where Kandahar the province does, and more precisely.
        if place.geonameid in seats or (place.kind == "place" and place.population >= _BIG_TOWN):
            return (1, -place.population)
        if place.kind in {"admin1", "feature"}:
            return (2, 0)
        if place.kind == "place":
            return (3, -place.population)
        # A district after the towns: "Sangin" alone is the town, "Sangin district" the district.
        return (4, -place.population)

    return sorted(found, key=order)


def _confidence(ranked: Sequence[Place]) -> float:
    top = ranked[0]
    # The district a town lies in and is named after is no rival reading (Sangin in Sangin).
    ranked = [top] + [
        p
        for p in ranked[1:]
        if not (p.kind == "admin2" and p.name == top.admin2 and p.admin1 == top.admin1)
    ]
    if len(ranked) == 1:
        return 1.0
    runner_up = ranked[1]
    if top.kind == "country" or top.population >= 10 * max(runner_up.population, 1):
        return 0.8
    return round(max(0.3, 1.0 / len(ranked)), 2)


def _same_admin1(gazetteer: Gazetteer, place: Place, hint: str) -> bool:
    admin1 = gazetteer.admin1(place.country_code, hint)
    return admin1 is not None and admin1.admin1 == place.admin1


def _codes(country_codes: str | Iterable[str] | None) -> set[str]:
    if country_codes is None:
        return set()
    if isinstance(country_codes, str):
        country_codes = country_codes.split(",")
    return {c.strip().upper() for c in country_codes if c.strip()}


def place_location(place: Place, *, confidence: float) -> Location:
    """A geopy Location for a gazetteer place; ``raw`` keeps what the event table needs."""
    parts = [place.name]
    if place.kind == "place" and place.admin1 and place.admin1 != place.name:
        parts.append(place.admin1)
    if place.kind != "country" and place.country:
        parts.append(place.country)
    raw = {
        "source": "gazetteer",
        "name": place.name,
        "kind": place.kind,
        "feature": place.feature,
        "admin1": place.admin1,
        "admin2": place.admin2,
        "country": place.country,
        "country_code": place.country_code,
        "population": place.population,
        "geonameid": place.geonameid,
        "confidence": confidence,
    }
    return Location(", ".join(parts), (place.latitude, place.longitude), raw)


class GeocodeCache:
    """An online geocoder's answers in SQLite: each query is asked once (no-match included)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT)")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the geocode cache {str(path)!r} ({exc}); "
                "set CONFLICTMAP_DATA_DIR to a writable folder"
            ) from exc

    def _connect(self) -> contextlib.closing[sqlite3.Connection]:
        return contextlib.closing(sqlite3.connect(self.path, timeout=10))

    def get(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` when the key was asked before, else ``(False, None)``."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return (True, json.loads(row[0])) if row else (False, None)

    def put(self, key: str, value: Any) -> None:
        with self._connect() as db, db:
            db.execute(
                "INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)",
                (key, json.dumps(value)),
            )


class CachedOnlineGeocoder:
    """An online geopy geocoder behind a rate limiter and a cache, falling back to the gazetteer.

    Any failure of the service (network, timeout, quota, bad answer) gives a
    ``GeocoderFallbackWarning`` and the offline answer instead, never a crash; with
    ``fallback=None`` it raises ``GeocoderError``.
    """

    def __init__(
        self,
        online: Geocoder,
        *,
        cache: GeocodeCache,
        fallback: GazetteerGeocoder | None,
        min_delay_seconds: float = 1.0,
    ) -> None:
        self.online = online
        self.cache = cache
        self.fallback = fallback
        # Errors must reach us (no retries, nothing swallowed) so that we can fall back at once.
        self.rate_limited_geocode = RateLimiter(
            online.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )
        self.rate_limited_reverse = RateLimiter(
            online.reverse,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: str | Iterable[str] | None = None,
    ) -> Location | list[Location] | None:
        """Like geopy's geocode; answers from the cache when the query was asked before."""
        codes = sorted(_codes(country_codes))
        key = json.dumps(["geocode", query.strip(), exactly_one, codes])
        kwargs: dict[str, Any] = {"exactly_one": exactly_one}
        if codes:
            kwargs["country_codes"] = codes
        return self._ask(
            key,
            lambda: self.rate_limited_geocode(query, **kwargs),
            lambda fb: fb.geocode(query, exactly_one=exactly_one, country_codes=codes or None),
        )

    def reverse(
        self, query: Point | Sequence[float] | str, *, exactly_one: bool = True
    ) -> Location | list[Location] | None:
        """Like geopy's reverse; answers from the cache when the point was asked before."""
        point = query if isinstance(query, Point) else Point(query)
        key = json.dumps(["reverse", round(point.latitude, 6), round(point.longitude, 6)])
        return self._ask(
            key,
            lambda: self.rate_limited_reverse((point.latitude, point.longitude), exactly_one=True),
            lambda fb: fb.reverse(point, exactly_one=True),
            exactly_one=exactly_one,
        )

    def _ask(
        self,
        key: str,
        call: Callable[[], Any],
        offline: Callable[[GazetteerGeocoder], Any],
        *,
        exactly_one: bool | None = None,
    ) -> Location | list[Location] | None:
        hit, stored = self.cache.get(key)
        if hit:
            answer = _from_json(stored)
        else:
            try:
                answer = call()
            except (GeopyError, OSError, ValueError) as exc:
                return self._fall_back(exc, offline)
            if isinstance(answer, Location):
                answer = self._enriched(answer)
            elif isinstance(answer, list):
                answer = [self._enriched(a) for a in answer]
            self.cache.put(key, _to_json(answer))
        if exactly_one is False and isinstance(answer, Location):
            return [answer]
        return answer

    def _fall_back(
        self, exc: Exception, offline: Callable[[GazetteerGeocoder], Any]
    ) -> Location | list[Location] | None:
        service = type(self.online).__name__
        if self.fallback is None:
            raise GeocoderError(f"{service} failed: {exc}; try again later") from exc
        message = f"{service} failed ({type(exc).__name__}: {exc}); using the offline gazetteer"
        logger.warning(message)
        warnings.warn(message, GeocoderFallbackWarning, stacklevel=4)
        answer: Location | list[Location] | None = offline(self.fallback)
        return answer

    def _enriched(self, location: Location) -> Location:
        """Add the gazetteer's admin1 and country for the point, as offline answers have them."""
        raw = {"source": type(self.online).__name__.lower(), **dict(location.raw or {})}
        if self.fallback is not None:
            near = self.fallback.gazetteer.nearest(location.latitude, location.longitude)
            raw.setdefault("kind", "place")
            raw.setdefault("admin1", near.admin1 if near else "")
            raw.setdefault("country", near.country if near else "")
            raw.setdefault("country_code", near.country_code if near else "")
        raw.setdefault("population", None)
        raw.setdefault("geonameid", None)
        raw.setdefault("confidence", 0.8)
        return Location(location.address, (location.latitude, location.longitude), raw)


def _to_json(answer: Location | list[Location] | None) -> Any:
    if answer is None:
        return None
    if isinstance(answer, list):
        return [_to_json(a) for a in answer]
    return {
        "address": answer.address,
        "latitude": answer.latitude,
        "longitude": answer.longitude,
        "raw": answer.raw,
    }


def _from_json(stored: Any) -> Location | list[Location] | None:
    if stored is None:
        return None
    if isinstance(stored, list):
        return [loc for s in stored if isinstance(loc := _from_json(s), Location)]
    return Location(stored["address"], (stored["latitude"], stored["longitude"]), stored["raw"])


def make_geocoder(
    settings: Settings | None = None,
    *,
    adapter_factory: Callable[..., Any] | None = None,
    gazetteer: Gazetteer | None = None,
) -> GazetteerGeocoder | CachedOnlineGeocoder:
    """The geocoder the settings ask for: offline by default, Nominatim if ``geocoder='nominatim'``.

    ``adapter_factory`` is geopy's seam for the HTTP layer (tests pass a fake one).
    """
    settings = settings or Settings.from_env()
    offline = GazetteerGeocoder(gazetteer)
    if settings.geocoder == "offline":
        return offline
    if settings.geocoder != "nominatim":
        raise ConfigError(
            f"geocoder={settings.geocoder!r} is not known; use 'offline' or 'nominatim'"
        )
    try:
        online = Nominatim(
            user_agent=settings.nominatim_user_agent,
            timeout=settings.nominatim_timeout,
            **({"adapter_factory": adapter_factory} if adapter_factory else {}),
        )
    except ConfigurationError as exc:
        raise ConfigError(
            f"cannot set up Nominatim ({exc}); check CONFLICTMAP_NOMINATIM_USER_AGENT"
        ) from exc
    return CachedOnlineGeocoder(
        online, cache=GeocodeCache(settings.geocode_cache_path), fallback=offline
    )
