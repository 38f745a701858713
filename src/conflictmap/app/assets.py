"""The map's scripts, styles and outline data: package files, served by the app itself.

Nothing is copied anywhere: each folder is registered with Streamlit as a component path
(``components.declare_component(name, path=...)``), which Streamlit serves at
``/component/<module>.<name>/<file>`` straight from the installed package. The URLs are
absolute, so they resolve the same from the page and from st_folium's iframe (same origin).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from conflictmap.errors import ConfigError

# The module that registers the folders (conflictmap.app.ui.serve_assets) names them.
_REGISTRAR = "conflictmap.app.ui"
ASSETS_NAME = "assets"
LEAFLET_NAME = "leaflet"
ASSET_URL = f"/component/{_REGISTRAR}.{ASSETS_NAME}"
LEAFLET_URL = f"/component/{_REGISTRAR}.{LEAFLET_NAME}"

STATIC_DIR = Path(str(resources.files("conflictmap.app") / "static"))
OUTLINES_FILE = "outlines.json"
OUTLINES_PATH = STATIC_DIR / OUTLINES_FILE

# What the map needs of Leaflet at run time (checked at start-up: a clear message, not a blank map).
_LEAFLET_FILES = ("leaflet.js", "leaflet.css")


@functools.cache
def static_text(name: str) -> str:
    """One of the map's own files (``map.css``, ``map_base.js``, ...) as text, read once."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def leaflet_package_dir() -> Path:
    """Leaflet's files as the installed ``django-js-lib-leaflet`` package ships them."""
    try:
        root = Path(str(resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"))
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "the map needs Leaflet from the 'django-js-lib-leaflet' package; "
            "install it with `pip install django-js-lib-leaflet`"
        ) from exc
    missing = [name for name in _LEAFLET_FILES if not (root / name).exists()]
    if missing:
        raise ConfigError(f"{root} lacks {', '.join(missing)}; reinstall 'django-js-lib-leaflet'")
    return root
