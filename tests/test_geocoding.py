"""Geocoders: the offline one under geopy's contract, and Nominatim behind a fake adapter."""

from __future__ import annotations

import csv
import functools
import itertools
import json
import warnings
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderTimedOut
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from conflictmap.config import Settings
from conflictmap.errors import ConfigError, GeocoderError
from conflictmap.geo.gazetteer import Gazetteer, default_gazetteer, distance_km
from conflictmap.geo.geocoders import (
    CachedOnlineGeocoder,
    GazetteerGeocoder,
    GeocodeCache,
    GeocoderFallbackWarning,
    make_geocoder,
)

CASES = Path(__file__).parent / "data" / "geocoding"

KANDAHAR_JSON = [
    {
        "place_id": 1,
        "lat": "31.6133",
        "lon": "65.7101",
        "display_name": "Kandahar, Kandahar Province, Afghanistan",
        "class": "place",
        "type": "city",
    }
]


def read_csv(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_lines(name: str) -> list[str]:
    lines = (CASES / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="module")
def offline(gazetteer: Gazetteer) -> GazetteerGeocoder:
    return GazetteerGeocoder(gazetteer)


# --- offline -----------------------------------------------------------------------------


def test_offline_geocoder_is_a_geopy_geocoder(offline: GazetteerGeocoder) -> None:
    assert isinstance(offline, Geocoder)


@pytest.mark.parametrize("case", read_csv("queries.csv"), ids=lambda c: c["query"])
def test_offline_geocode(offline: GazetteerGeocoder, case: dict[str, str]) -> None:
    location = offline.geocode(case["query"])
    assert isinstance(location, Location)
    raw = location.raw
    assert (raw["kind"], raw["name"], raw["admin1"], raw["country"]) == (
        case["kind"],
        case["name"],
        case["admin1"],
        case["country"],
    )
    km = distance_km(
        location.latitude, location.longitude, float(case["latitude"]), float(case["longitude"])
    )
    assert km <= float(case["km"])
    assert {"country_code", "population", "geonameid", "confidence"} <= raw.keys()
    assert 0 < raw["confidence"] <= 1


@pytest.mark.parametrize("query", read_lines("no_match.txt"))
def test_offline_geocode_gives_none_for_no_match(offline: GazetteerGeocoder, query: str) -> None:
    assert offline.geocode(query) is None
    assert offline.geocode(query, exactly_one=False) is None


def test_exactly_one_false_lists_every_reading(offline: GazetteerGeocoder) -> None:
    locations = offline.geocode("Kandahar", exactly_one=False)
    assert isinstance(locations, list)
    kinds = {(loc.raw["kind"], loc.raw["country_code"]) for loc in locations}
    assert {("place", "AF"), ("admin1", "AF"), ("place", "IN")} <= kinds
    assert locations[0].raw["confidence"] > locations[1].raw["confidence"]


def test_country_codes_narrow_the_search(offline: GazetteerGeocoder) -> None:
    location = offline.geocode("Kandahar", country_codes=["in"])
    assert isinstance(location, Location) and location.raw["country"] == "India"
    assert offline.geocode("Kandahar", country_codes="QA") is None


def test_unique_name_is_sure_ambiguous_name_less_so(offline: GazetteerGeocoder) -> None:
    sure = offline.geocode("Lashkar Gah")
    unsure = offline.geocode("Fayzabad")
    assert isinstance(sure, Location) and isinstance(unsure, Location)
    assert sure.raw["confidence"] == 1.0
    assert unsure.raw["confidence"] < 1.0


def test_reverse_fills_province_and_country(offline: GazetteerGeocoder) -> None:
    location = offline.reverse((33.55, 68.42))
    assert isinstance(location, Location)
    assert (location.raw["name"], location.raw["admin1"], location.raw["country"]) == (
        "Ghazni",
        "Ghazni",
        "Afghanistan",
    )
    assert offline.reverse("33.55, 68.42", exactly_one=False) == [location]
    assert offline.reverse((0.0, -150.0)) is None


def test_rate_limiter_wraps_the_offline_geocoder_unchanged(offline: GazetteerGeocoder) -> None:
    geocode = RateLimiter(offline.geocode, min_delay_seconds=0)
    location = geocode("Kunduz", exactly_one=True)
    assert isinstance(location, Location) and location.raw["admin1"] == "Kunduz"
    reverse = RateLimiter(offline.reverse, min_delay_seconds=0)
    assert reverse((36.72, 68.85)) is not None


def test_default_settings_give_the_offline_geocoder(gazetteer: Gazetteer, tmp_path: Path) -> None:
    geocoder = make_geocoder(Settings(data_dir=tmp_path), gazetteer=gazetteer)
    assert isinstance(geocoder, GazetteerGeocoder)
    assert not (tmp_path / "geocode-cache.db").exists()


def test_unknown_geocoder_setting_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'google'"):
        make_geocoder(Settings(data_dir=tmp_path, geocoder="google"))


# --- Nominatim through a fake adapter ----------------------------------------------------


class FakeAdapter(BaseSyncAdapter):
    """Answers geopy's requests from a script: JSON to return or an exception to raise."""

    script: ClassVar[list[Any]] = []
    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def __init__(self, *, proxies: Any, ssl_context: Any) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        type(self).requests.append((url, headers))
        answer = type(self).script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        return json.dumps(self.get_json(url, timeout=timeout, headers=headers))


@pytest.fixture
def fake() -> type[FakeAdapter]:
    FakeAdapter.script = []
    FakeAdapter.requests = []
    return FakeAdapter


@pytest.fixture
def online(tmp_path: Path, gazetteer: Gazetteer, fake: type[FakeAdapter]) -> CachedOnlineGeocoder:
    settings = Settings(
        data_dir=tmp_path, geocoder="nominatim", nominatim_user_agent="conflictmap-tests/1"
    )
    geocoder = make_geocoder(settings, adapter_factory=fake, gazetteer=gazetteer)
    assert isinstance(geocoder, CachedOnlineGeocoder)
    # The limiter's waits are checked in their own test; here each call comes 10 s after the last.
    for limiter in (geocoder.rate_limited_geocode, geocoder.rate_limited_reverse):
        limiter._clock = functools.partial(next, itertools.count(0.0, 10.0))
    return geocoder


def test_nominatim_answer_with_province_and_country_filled(
    online: CachedOnlineGeocoder, fake: type[FakeAdapter]
) -> None:
    fake.script = [KANDAHAR_JSON]
    location = online.geocode("Kandahar")
    assert isinstance(location, Location)
    assert location.address == "Kandahar, Kandahar Province, Afghanistan"
    assert (location.latitude, location.longitude) == (31.6133, 65.7101)
    assert location.raw["source"] == "nominatim"
    assert (location.raw["admin1"], location.raw["country"]) == ("Kandahar", "Afghanistan")
    (url, headers), *_ = fake.requests
    assert headers["User-Agent"] == "conflictmap-tests/1"
    assert parse_qs(urlparse(url).query)["q"] == ["Kandahar"]


def test_second_ask_is_answered_from_the_disk_cache(
    online: CachedOnlineGeocoder, fake: type[FakeAdapter], tmp_path: Path, gazetteer: Gazetteer
) -> None:
    fake.script = [KANDAHAR_JSON, []]
    first = online.geocode("Kandahar")
    second = online.geocode("Kandahar")
    assert len(fake.requests) == 1
    assert isinstance(first, Location) and isinstance(second, Location)
    assert second == first and second.raw == first.raw
    # A new process (a new geocoder on the same cache file) does not ask either.
    settings = Settings(data_dir=tmp_path, geocoder="nominatim", nominatim_user_agent="t/1")
    again = make_geocoder(settings, adapter_factory=fake, gazetteer=gazetteer)
    assert again.geocode("Kandahar") == first
    assert len(fake.requests) == 1


def test_no_match_is_cached_too(online: CachedOnlineGeocoder, fake: type[FakeAdapter]) -> None:
    fake.script = [[]]
    assert online.geocode("Nowhereville") is None
    assert online.geocode("Nowhereville") is None
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        GeocoderTimedOut("Service timed out"),
        TimeoutError("timed out"),
        AdapterHTTPError("unavailable", status_code=503, headers={}, text=""),
        AdapterHTTPError("too many", status_code=429, headers={}, text=""),
        ConnectionRefusedError("no network"),
    ],
    ids=["timeout", "socket-timeout", "http-503", "http-429", "refused"],
)
def test_service_failure_falls_back_to_the_gazetteer_with_a_warning(
    online: CachedOnlineGeocoder, fake: type[FakeAdapter], failure: BaseException
) -> None:
    fake.script = [failure, KANDAHAR_JSON]
    with pytest.warns(GeocoderFallbackWarning, match="offline gazetteer"):
        location = online.geocode("Ghazni")
    assert isinstance(location, Location)
    assert location.raw["source"] == "gazetteer"
    assert location.raw["name"] == "Ghazni"
    # The failure is not cached: the next ask goes to the service again.
    assert online.geocode("Ghazni") is not None
    assert len(fake.requests) == 2


def test_without_fallback_a_failure_is_a_geocoder_error(
    tmp_path: Path, fake: type[FakeAdapter]
) -> None:
    from geopy.geocoders import Nominatim

    service = Nominatim(user_agent="conflictmap-tests/1", adapter_factory=fake)
    geocoder = CachedOnlineGeocoder(
        service, cache=GeocodeCache(tmp_path / "cache.db"), fallback=None, min_delay_seconds=0
    )
    fake.script = [GeocoderTimedOut("Service timed out")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(GeocoderError, match="Nominatim failed"):
            geocoder.geocode("Ghazni")


def test_requests_go_through_a_one_second_rate_limiter(
    online: CachedOnlineGeocoder, fake: type[FakeAdapter]
) -> None:
    limiter = online.rate_limited_geocode
    assert isinstance(limiter, RateLimiter)
    assert limiter.min_delay_seconds == 1
    assert isinstance(online.rate_limited_reverse, RateLimiter)
    sleeps: list[float] = []
    clock = iter([100.0, 100.2, 101.2])
    limiter._clock = lambda: next(clock)
    limiter._sleep = sleeps.append
    fake.script = [KANDAHAR_JSON, []]
    online.geocode("Kandahar")
    online.geocode("Kabul, Afghanistan")
    assert len(fake.requests) == 2
    assert sleeps == [pytest.approx(0.8)]


def test_nominatim_reverse_is_cached(online: CachedOnlineGeocoder, fake: type[FakeAdapter]) -> None:
    fake.script = [KANDAHAR_JSON[0]]
    first = online.reverse((31.6133, 65.7101))
    assert isinstance(first, Location) and first.raw["country"] == "Afghanistan"
    assert online.reverse((31.6133, 65.7101), exactly_one=False) == [first]
    assert len(fake.requests) == 1


def test_nominatim_with_a_sample_user_agent_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, geocoder="nominatim", nominatim_user_agent="my-application"
    )
    with pytest.raises(ConfigError, match="USER_AGENT"):
        make_geocoder(settings)


def test_unwritable_cache_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="geocode cache"):
        GeocodeCache(blocker / "cache.db")


# --- uploads: the row's own country, then the file's dominant one, then population ----------


def upload_rows(cases: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "line": n + 2,
            "location": c["location"],
            "admin1": c["admin1"],
            "country": c["country"],
            "latitude": None,
            "longitude": None,
            "place_mention": "",
        }
        for n, c in enumerate(cases)
    ]


def test_a_bare_name_in_a_file_of_afghan_events_is_placed_in_afghanistan(
    gazetteer: Gazetteer, offline: GazetteerGeocoder
) -> None:
    from conflictmap.geo.placefill import PlaceFiller

    cases = read_csv("dominant_country.csv")
    rows = upload_rows(cases)
    filler = PlaceFiller(gazetteer, geocoder=offline)
    outcome = filler.fill(rows)
    assert outcome.not_geocoded == 0
    assert filler.dominant_country == "AF"
    for case, row in zip(cases, rows, strict=True):
        found = gazetteer.nearest(row["latitude"], row["longitude"], max_km=50)
        assert found is not None and found.country_code == case["expected_country"], case


def test_without_a_dominant_country_population_decides(
    gazetteer: Gazetteer, offline: GazetteerGeocoder
) -> None:
    from conflictmap.geo.placefill import PlaceFiller

    rows = upload_rows([{"location": "Faizabad", "admin1": "", "country": ""}])
    filler = PlaceFiller(gazetteer, geocoder=offline)
    filler.fill(rows)
    assert filler.dominant_country == ""
    assert rows[0]["country"] == "India"


def test_a_country_hint_or_earlier_chunks_give_the_dominant_country(
    gazetteer: Gazetteer, offline: GazetteerGeocoder
) -> None:
    from conflictmap.geo.placefill import PlaceFiller

    hinted = PlaceFiller(gazetteer, geocoder=offline, country_hint="Afghanistan")
    rows = upload_rows([{"location": "Asadabad", "admin1": "", "country": ""}])
    hinted.fill(rows)
    assert hinted.dominant_country == "AF" and rows[0]["country"] == "Afghanistan"

    streaming = PlaceFiller(gazetteer, geocoder=offline)
    first = upload_rows(read_csv("dominant_country.csv")[:4])
    streaming.fill(first)
    later = upload_rows([{"location": "Asadabad", "admin1": "", "country": ""}])
    streaming.fill(later)
    assert later[0]["country"] == "Afghanistan"


def test_an_uploaded_province_is_pinned_at_its_capital(
    gazetteer: Gazetteer, offline: GazetteerGeocoder
) -> None:
    from conflictmap.geo.placefill import PlaceFiller

    rows = upload_rows([{"location": "Helmand province", "admin1": "", "country": "Afghanistan"}])
    PlaceFiller(gazetteer, geocoder=offline).fill(rows)
    assert rows[0]["geo_precision"] == 3
    seat = gazetteer.seat(gazetteer.admin1("AF", "Helmand"))  # type: ignore[arg-type]
    assert seat is not None and (rows[0]["latitude"], rows[0]["longitude"]) == (
        seat.latitude,
        seat.longitude,
    )
