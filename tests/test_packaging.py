"""Every file the library reads at run time ships in the wheel (package-data covers it)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "conflictmap"


def test_every_data_file_is_declared_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in PACKAGE.rglob("*"):
        if path.is_dir() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(PACKAGE.parent)
        package = ".".join(relative.parent.parts)
        covered = False
        for owner, globs in declared.items():
            prefix = owner.replace(".", "/") + "/"
            inside = str(relative).removeprefix(prefix)
            if str(relative).startswith(prefix) and any(fnmatch.fnmatch(inside, g) for g in globs):
                covered = True
        if not covered:
            missing.append(f"{relative} (package {package})")
    assert missing == [], "add these to [tool.setuptools.package-data]: " + ", ".join(missing)
