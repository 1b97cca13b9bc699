"""Locate the project's data folders (ontology, gazetteer, queries, reports) in a checkout or an installed wheel."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the folder `name` from the source checkout, or from the wheel's bundled copy."""
    for candidate in (_HERE.parent / name, _HERE / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found next to {_HERE}; reinstall reportkg")
