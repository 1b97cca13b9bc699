"""Key each report's extraction record by the pipeline version and the report's bytes, and read it back from the build's cache."""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from extract.records import ReportRecord
from extract.resources import data_path


def installed_model() -> str:
    """Name and version of the installed spaCy model package, read without loading spaCy."""
    from importlib.metadata import PackageNotFoundError, version

    from extract.entities import MODEL

    try:
        return f"{MODEL}-{version(MODEL)}"
    except PackageNotFoundError:
        return "blank"


def pipeline_version(model: str | None = None) -> str:
    """A digest of the extraction code, the gazetteer data, the ontology (its kinds and shapes) and the model: a
    change invalidates the cache."""
    h = hashlib.sha256((model if model is not None else installed_model()).encode())
    here = Path(__file__).resolve().parents[2]
    for folder in (here / "extract", data_path("gazetteer"), data_path("ontology")):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.suffix in (".py", ".json", ".jsonl", ".tsv", ".ttl"):
                h.update(f.name.encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def cache_key(path: Path, version: str) -> str:
    """A digest of the pipeline version, the report's bytes and its .meta.json file's bytes (if any)."""
    from extract.metadata import meta_path

    h = hashlib.sha256(version.encode() + Path(path).read_bytes())
    meta = meta_path(path)
    if meta.is_file():
        h.update(b"\0meta\0" + meta.read_bytes())
    return h.hexdigest()[:32]


def _read_cache(cache_dir: Path | None, key: str) -> ReportRecord | None:
    if cache_dir is None:
        return None
    f = cache_dir / f"{key}.pickle"
    try:
        with f.open("rb") as fh:
            record = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError,
            UnicodeDecodeError):
        return None    # a missing or unreadable entry is rebuilt, never trusted
    return record if isinstance(record, ReportRecord) else None     # nor one that holds something else
