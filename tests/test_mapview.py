"""build_map and its parts, tested on the generated HTML without a browser."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conflictmap.app.assets import LEAFLET_URL
from conflictmap.app.mapview import (
    DEFAULT_PROVINCE_RADIUS_M,
    VIEWS,
    build_base_map,
    build_event_layer,
    build_map,
    date_label,
    events_bounds,
    highlight_mention,
    province_radius_m,
)
from conflictmap.models import EVENT_TYPE_COLOURS, EVENT_TYPES, SCHEMA_COLUMNS
from conftest import DATA

MAP_DATA = DATA / "map"
INJECTIONS = sorted((MAP_DATA / "injection").glob("*.txt"))
CDN_HOSTS = ("jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn", "googleapis")
RAW_TAG = re.compile(r"<\s*(?:img|svg|script)\b[^>]*(?:alert|onerror|onload)", re.I)
TEXT_COLUMNS = ("notes", "actor1", "actor2", "location", "admin1", "country", "source")


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.read_csv(MAP_DATA / "events.csv", dtype=str, keep_default_na=False)


def rendered(events: pd.DataFrame, **kwargs: Any) -> str:
    return build_map(events, **kwargs).get_root().render()


def layer_data(page: str) -> dict[str, Any]:
    """The event layer's JSON as the browser receives it."""
    found = re.search(r"var data = (\{.*?\});\n", page)
    assert found, "no event layer in the page"
    return json.loads(found.group(1))


def drawn_count(data: dict[str, Any]) -> int:
    return sum(s[2] for s in data.get("symbols", [])) + sum(c[2] for c in data.get("cells", []))


@pytest.mark.parametrize("view", VIEWS)
def test_every_event_is_counted_once(events: pd.DataFrame, view: str) -> None:
    data = layer_data(rendered(events, view=view))
    assert drawn_count(data) == len(events)
    assert data["total"] == len(events)


@pytest.mark.parametrize("view", VIEWS)
def test_a_filtered_frame_draws_only_its_events(events: pd.DataFrame, view: str) -> None:
    subset = events[events["admin1"] == "Ghazni"]
    data = layer_data(rendered(subset, view=view))
    assert drawn_count(data) == len(subset) == 2


def test_events_at_one_place_make_one_symbol_with_their_count(events: pd.DataFrame) -> None:
    data = layer_data(rendered(events))
    places = events.groupby(["latitude", "longitude"]).size()
    assert len(data["symbols"]) == len(places)
    ghazni = [s for s in data["symbols"] if s[0] == 33.5492]
    assert len(ghazni) == 1
    assert ghazni[0][2] == 2
    # The pie's slices: one Battles event, one Violence against civilians.
    types = list(EVENT_TYPES)
    assert sorted(ghazni[0][3]) == [
        [types.index("Battles"), 1],
        [types.index("Violence against civilians"), 1],
    ]


def test_a_big_frame_stays_small(events: pd.DataFrame) -> None:
    many = pd.concat([events] * 500, ignore_index=True)
    page = rendered(many)
    data = layer_data(page)
    assert drawn_count(data) == len(many)
    assert len(data["symbols"]) == events[["latitude", "longitude"]].drop_duplicates().shape[0]
    assert len(page) < 200_000


@pytest.mark.parametrize("case", INJECTIONS, ids=lambda p: p.stem)
@pytest.mark.parametrize("view", VIEWS)
def test_markup_in_the_data_is_escaped(events: pd.DataFrame, case: Path, view: str) -> None:
    payload = case.read_text(encoding="utf-8")
    hostile = events.copy()
    for column in TEXT_COLUMNS:
        hostile[column] = hostile[column] + " " + payload
    hostile["place_mention"] = payload
    page = rendered(hostile, view=view)
    assert payload not in page
    # No tag from the data survives: every "alert(1)" sits in escaped text.
    assert not RAW_TAG.search(page)
    if view == "points":
        assert html.escape(payload) in page


def test_the_notes_name_the_place_highlighted_and_escaped() -> None:
    out = highlight_mention("<b>Ghazni</b> fell; ghazni's governor fled", "Ghazni")
    assert out == "&lt;b&gt;<mark>Ghazni</mark>&lt;/b&gt; fell; ghazni&#x27;s governor fled"
    assert highlight_mention("Kabul", "") == "Kabul"
    assert highlight_mention("no mention here", "Ghazni") == "no mention here"
    # Lower-casing "İ" gives two characters: the mark must still fall on the name.
    assert highlight_mention("İİİ Ghazni fell", "Ghazni") == "İİİ <mark>Ghazni</mark> fell"
    long = "x" * 600 + " Kunduz fell " + "y" * 600
    cut = highlight_mention(long, "Kunduz", max_chars=100)
    assert "<mark>Kunduz</mark>" in cut
    assert len(cut) < 140


def test_popups_carry_the_source_sentence_and_the_date_precision(events: pd.DataFrame) -> None:
    symbols = layer_data(rendered(events))["symbols"]
    popups = " ".join(f"{s[4]} {s[5]} {s[8]}" for s in symbols)
    assert "stormed <mark>Ghazni</mark>" in popups
    assert "week of 9 Aug 2021" in popups
    assert "July 2021" in popups
    assert ">2015</div>" in popups
    assert "Source: Al Jazeera" in popups
    assert "Taliban vs Military Forces of Afghanistan (2004-2021)" in popups
    assert "Ghazni, Ghazni, Afghanistan" in popups


def test_no_third_party_request_offline(events: pd.DataFrame) -> None:
    page = rendered(events, online_tiles=False)
    for host in CDN_HOSTS:
        assert host not in page
    assert "openstreetmap.org/{z}" not in page
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert loaded
    assert all(url.startswith(LEAFLET_URL + "/") for url in loaded), loaded


def test_online_tiles_are_an_option_over_the_outlines(events: pd.DataFrame) -> None:
    page = rendered(events, online_tiles=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page
    assert "openstreetmap.org/copyright" in page
    assert "outlines.json" in page
    for host in CDN_HOSTS:
        assert host not in page


def test_the_base_map_is_the_same_whatever_the_events(events: pd.DataFrame) -> None:
    # A stable base lets st_folium keep the map mounted while the filters change.
    def script(m: Any) -> str:
        return re.sub(r"_[0-9a-f]{32}", "_", m.get_root().render())

    assert script(build_base_map()) == script(build_base_map())


def test_province_level_events_are_drawn_as_a_ring(events: pd.DataFrame) -> None:
    # What makes a ring is in the data the script gets: a radius in metres for the
    # province-level place, 0 for every other (the browser test checks how it is drawn).
    data = layer_data(rendered(events))
    by_place = {s[0]: s for s in data["symbols"]}
    badakhshan = by_place[37.1166]
    assert badakhshan[7] == province_radius_m("Afghanistan") > 20_000
    assert all(s[7] == 0 for s in data["symbols"] if s[0] != 37.1166)
    # The same place known to the place itself is a disc, not a ring.
    precise = events.assign(geo_precision="1")
    assert all(s[7] == 0 for s in layer_data(rendered(precise))["symbols"])


def test_province_radius_falls_back_for_unknown_countries() -> None:
    assert province_radius_m("Atlantis") == DEFAULT_PROVINCE_RADIUS_M


def base_config(page: str) -> dict[str, Any]:
    """The base layer's settings (legend, outlines) as the browser receives them."""
    found = re.search(r"var cfg = (\{.*?\});\n", page)
    assert found, "no base layer in the page"
    return json.loads(found.group(1))


def test_legend_names_every_event_type() -> None:
    # The base map alone: no event layer whose data could name the types instead.
    page = build_base_map().get_root().render()
    legend = base_config(page)["legend"]
    for name in EVENT_TYPES:
        colour = EVENT_TYPE_COLOURS[name]
        assert f'style="background:{colour}"></span>{html.escape(name)}</div>' in legend
    # The key is put on the map, and says what a ring and a number mean.
    assert "legend.addTo(map)" in page
    assert "cfg.legend" in page
    assert "province-level location" in page


@pytest.mark.parametrize("view", VIEWS)
def test_an_empty_frame_renders_an_empty_layer(view: str) -> None:
    empty = pd.DataFrame(columns=list(SCHEMA_COLUMNS))
    data = layer_data(rendered(empty, view=view))
    assert drawn_count(data) == 0
    assert data["fit"] is None
    assert events_bounds(empty) is None
    assert layer_data(rendered(pd.DataFrame(), view=view))["total"] == 0


def test_rows_without_coordinates_are_left_out_and_counted(events: pd.DataFrame) -> None:
    broken = events.copy()
    broken.loc[0, "latitude"] = ""
    broken.loc[1, "longitude"] = "east"
    broken.loc[2, "latitude"] = "123"
    data = layer_data(rendered(broken))
    assert drawn_count(data) == len(events) - 3
    assert data["unmapped"] == 3


def test_bounds_fit_the_events(events: pd.DataFrame) -> None:
    assert events_bounds(events) == [[25.2854, 51.531], [37.1166, 70.58]]
    data = layer_data(rendered(events))
    assert data["fit"] == events_bounds(events)
    still = build_base_map()
    build_event_layer(events, fit_bounds=False).add_to(still)
    assert layer_data(still.get_root().render())["fit"] is None


def test_an_unknown_view_is_refused(events: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'heatmap'"):
        build_event_layer(events, view="heatmap")


def _date_cases() -> list[dict[str, str]]:
    with (MAP_DATA / "date_labels.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    "case", _date_cases(), ids=lambda c: f"{c['event_date']}-p{c['time_precision']}"
)
def test_dates_are_shown_as_precisely_as_known(case: dict[str, str]) -> None:
    label = date_label(case["event_date"], case["time_precision"], case["date_text"])
    assert label == case["expected"]


def test_the_layer_survives_st_folium_string_handling(events: pd.DataFrame) -> None:
    # st_folium sends the layer as JS text built by generate_leaflet_string and eval()s it.
    from streamlit_folium import _get_feature_group_string

    base = build_base_map()
    base.get_root().render()
    layer = build_event_layer(events)
    js = _get_feature_group_string(layer, map=base)
    assert "map_div.addLayer(feature_group_feature_group_0)" in js
    assert "<script>alert(1)</script>" not in js
    assert "&lt;script&gt;alert(1)&lt;\\u003c/script" not in js
    data = json.loads(re.search(r"var data = (\{.*?\});\n", js).group(1))  # type: ignore[union-attr]
    assert drawn_count(data) == len(events)
