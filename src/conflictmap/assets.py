"""The map's scripts, styles and outline data, served by the app itself from installed packages."""

from __future__ import annotations

import filecmp
import shutil
from importlib import resources
from pathlib import Path

from conflictmap.config import PROJECT_ROOT
from conflictmap.errors import ConfigError

# Where Streamlit answers for ./static when server.enableStaticServing is on. Absolute, so it
# resolves the same from the page and from the st_folium component's iframe (same origin).
ASSET_URL = "/app/static"

# Sub-folders of the static dir, as the map's URLs name them.
LEAFLET_DIR = "leaflet"
DATA_DIR = "conflictmap"
OUTLINES_FILE = "outlines.json"
OUTLINES_PATH = PROJECT_ROOT / "data" / OUTLINES_FILE
DEFAULT_STATIC_DIR = PROJECT_ROOT / "static"

# The files Leaflet needs at run time; the source maps and the ES module build are left out.
_LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


def leaflet_package_dir() -> Path:
    """Leaflet's files as the installed ``django-js-lib-leaflet`` package ships them."""
    try:
        root = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "the map needs Leaflet from the 'django-js-lib-leaflet' package; "
            "install it with `pip install django-js-lib-leaflet`"
        ) from exc
    return Path(str(root))


def ensure_static_assets(static_dir: Path = DEFAULT_STATIC_DIR) -> Path:
    """Copy Leaflet and the outline data into ``static_dir`` (served at ASSET_URL); return it.

    Files are copied, not linked: Streamlit refuses to serve a symlink that leads out of
    ./static. A file already there with the same content is left alone, so calling this on
    every start-up is cheap.
    """
    leaflet = leaflet_package_dir()
    copies = [(leaflet / name, static_dir / LEAFLET_DIR / name) for name in _LEAFLET_FILES]
    if OUTLINES_PATH.exists():
        copies.append((OUTLINES_PATH, static_dir / DATA_DIR / OUTLINES_FILE))
    for source, target in copies:
        if not source.exists():
            raise ConfigError(f"{source} is missing; reinstall the package that ships it")
        _copy_if_changed(source, target)
    return static_dir


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.exists() and filecmp.cmp(source, target, shallow=False):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    shutil.copyfile(source, temporary)
    # A rename is atomic, so a browser never gets half a file while the app starts.
    temporary.replace(target)
