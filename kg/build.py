"""Build report files into a validated RDF dataset and write it, with the candidates and a summary, to a folder."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Dataset

from extract.records import ReportRecord
from extract.report import Extractor, ReportError, extract_report, load_extractor
from extract.resources import data_path
from kg.graph import build_dataset
from kg.namespace import RK
from kg.output import JSONLD_FILE, staged_output, write_jsonld
from kg.validate import Conformance, validate

REPORT_SUFFIXES = (".txt", ".pdf")


@dataclass
class Build:
    records: list[ReportRecord]
    dataset: Dataset
    conformance: Conformance
    seconds: float
    kinds: dict[str, int] = field(default_factory=dict)
    cache_keys: dict[str, str] = field(default_factory=dict)   # report slug -> cache key
    reused: int = 0                                            # reports taken from the cache
    fresh: set[str] = field(default_factory=set)               # slugs analysed in this build


def installed_model() -> str:
    """Name and version of the installed spaCy model package, read without loading spaCy."""
    from importlib.metadata import PackageNotFoundError, version

    from extract.entities import MODEL

    try:
        return f"{MODEL}-{version(MODEL)}"
    except PackageNotFoundError:
        return "blank"


def pipeline_version(model: str | None = None) -> str:
    """A digest of the extraction code, the gazetteer data and the model: a change invalidates the cache."""
    h = hashlib.sha256((model if model is not None else installed_model()).encode())
    here = Path(__file__).resolve().parents[1]
    for folder in (here / "extract", data_path("gazetteer")):
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
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None    # a missing or unreadable entry is rebuilt, never trusted


_WORKER: Extractor | None = None


def _work(path: Path) -> ReportRecord:
    global _WORKER
    if _WORKER is None:
        _WORKER = load_extractor()
    return extract_report(path, _WORKER)


def bundled_reports() -> list[Path]:
    return sorted(p for p in data_path("reports").iterdir() if p.suffix in REPORT_SUFFIXES)


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their report files. Errors name the path at fault."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(x for x in p.iterdir() if x.suffix in REPORT_SUFFIXES)
            if not found:
                raise ReportError(f"{p}: no report files ({', '.join(REPORT_SUFFIXES)}) in this folder")
            files += found
        elif not p.exists():
            raise ReportError(f"{p}: no such file")
        else:
            files.append(p)
    slugs = Counter(f.stem.lower() for f in files)
    dup = [s for s, n in slugs.items() if n > 1]
    if dup:
        raise ReportError(f"two reports share the name {dup[0]!r}; rename one (each report is its own named graph)")
    return files


def build(paths: list[Path] | None = None, extractor: Extractor | None = None, progress=None,
          jobs: int = 1, cache_dir: Path | None = None) -> Build:
    """Extract every report (reusing cached records, in `jobs` processes), build the dataset, check its shapes.

    `progress(path, done, total)` is called as each report not taken from the cache has been analysed.
    """
    t0 = time.perf_counter()
    files = expand_inputs(paths) if paths else bundled_reports()
    extractor = extractor or load_extractor()
    version = pipeline_version()
    keys = {f: cache_key(f, version) for f in files}
    found = {f: _read_cache(cache_dir, keys[f]) for f in files}
    todo = [f for f in files if found[f] is None]
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            for done, (f, record) in enumerate(zip(todo, pool.map(_work, todo)), 1):
                found[f] = record
                if progress:
                    progress(f, done, len(todo))
    else:
        for done, f in enumerate(todo, 1):
            found[f] = extract_report(f, extractor)
            if progress:
                progress(f, done, len(todo))
    records = [found[f] for f in files]
    ds = build_dataset(records)
    conformance = validate(ds)
    return Build(records, ds, conformance, time.perf_counter() - t0, count_kinds(ds),
                 cache_keys={r.slug: keys[f] for f, r in zip(files, records)}, reused=len(files) - len(todo),
                 fresh={found[f].slug for f in todo})


def up_to_date(paths: list[Path] | None, out_dir: Path) -> bool:
    """True when out_dir was built from exactly these reports, unchanged, by this same pipeline."""
    summary_file = Path(out_dir) / "summary.json"
    if not (summary_file.is_file() and (Path(out_dir) / "graph.trig").is_file()):
        return False
    try:
        built = json.loads(summary_file.read_text(encoding="utf-8")).get("cache_keys")
    except (OSError, ValueError):
        return False
    files = expand_inputs(paths) if paths else bundled_reports()
    version = pipeline_version()
    return built == sorted(cache_key(f, version) for f in files)


def count_kinds(ds: Dataset) -> dict[str, int]:
    """Entities per kind (by their most specific reportkg class) across all reports."""
    from kg.graph import kind_classes

    code_of = {cls: code for code, cls in kind_classes().items()}
    seen: dict = {}
    for ctx in ds.graphs():
        for e in set(ctx.subjects(RK.mentionedIn, None)):
            for t in ctx.objects(e, RDF.type):
                if t in code_of:
                    seen.setdefault(e, set()).add(code_of[t])
    counts: Counter = Counter()
    for codes in seen.values():
        counts[entity_kind(codes)] += 1
    return dict(sorted(counts.items()))


def entity_kind(codes: set[str]) -> str:
    """One kind for an entity with several classes: a donor country counts as a donor government."""
    if "donor_government" in codes:
        return "donor_government"
    return sorted(codes)[0]


def write_build(b: Build, out_dir: Path) -> Path:
    """Write graph.trig, graph.ttl, candidates.tsv, summary.json, the pages and the Oxigraph store (store/) into
    out_dir, atomically: the new folder lands with its store made, so `kg serve` and `kg query` only open it."""
    from kg.store import dataset_quads, write_store

    with staged_output(Path(out_dir)) as stage:
        quads = dataset_quads(b.dataset)
        write_graph_files(quads, stage)
        write_jsonld(b.dataset, stage / JSONLD_FILE)
        write_candidates(b.records, stage / "candidates.tsv")
        (stage / "shacl-report.txt").write_text(b.conformance.report, encoding="utf-8")
        (stage / "summary.json").write_text(json.dumps(summary(b), indent=2) + "\n", encoding="utf-8")
        write_cache(b, stage / "cache")
        write_texts(b.records, stage / "text")
        from kg.pages import write_pages

        write_pages(b.dataset, stage, b.conformance)
        write_store(stage, b.dataset, quads)  # last: its stamp names graph.trig and candidates.tsv as written above
    return Path(out_dir)


def write_graph_files(quads: list, folder: Path) -> None:
    """graph.trig (named graphs) and graph.ttl (their union) of the dataset's quads, written by Oxigraph's
    serialisers: the same RDF as rdflib's, about ten times faster on large builds."""
    import pyoxigraph as ox

    from kg.graph import PREFIXES

    prefixes = {name: str(ns) for name, ns in PREFIXES.items()}
    ox.serialize(quads, str(folder / "graph.trig"), format=ox.RdfFormat.TRIG, prefixes=prefixes)
    triples = list(dict.fromkeys(q.triple for q in quads))
    ox.serialize(triples, str(folder / "graph.ttl"), format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def write_texts(records: list[ReportRecord], folder: Path) -> None:
    """For PDF reports, the extracted text that the graph's offsets point into."""
    for r in records:
        if r.path.lower().endswith(".pdf"):
            folder.mkdir(exist_ok=True)
            (folder / f"{r.slug}.txt").write_text(r.clean.original, encoding="utf-8")


def write_cache(b: Build, cache_dir: Path) -> None:
    """Store each report's record under its content key; entries are written whole or not at all."""
    cache_dir.mkdir(exist_ok=True)
    current = {f"{k}.pickle" for k in b.cache_keys.values()}
    for old in cache_dir.glob("*.pickle"):
        if old.name not in current:
            old.unlink()
    for r in b.records:
        target = cache_dir / f"{b.cache_keys[r.slug]}.pickle"
        if target.exists() and r.slug not in b.fresh:
            continue     # served from this very entry, so it is whole
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(r, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)


def write_candidates(records: list[ReportRecord], path: Path) -> None:
    counts: Counter = Counter()
    example: dict = {}
    label: dict = {}
    for r in records:
        for c in r.candidates:
            counts[c.text] += c.count
            example.setdefault(c.text, f"{r.slug}: {c.example}")
            label.setdefault(c.text, c.ner_label)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["name", "ner_label", "count", "example"])
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            w.writerow([name, label[name], n, " ".join(example[name].split())])


def summary(b: Build) -> dict:
    return {
        "reports": [{"slug": r.slug, "file": Path(r.path).name, "sentences": len(r.sentences),
                     "entities": len({m.key for m in r.mentions}), "focus_countries": list(r.focus_countries)}
                    for r in b.records],
        "entities_per_kind": b.kinds,
        "triples": len(b.dataset),
        "shacl_conforms": b.conformance.conforms,
        "shacl_violations": b.conformance.violations,
        "seconds": round(b.seconds, 2),
        "reports_from_cache": b.reused,
        "cache_keys": sorted(b.cache_keys.values()),
        "model": b.records[0].model if b.records else "",
    }
