"""Build report files into a validated RDF dataset: each report extracted (in parallel, or read from the cache), graphed, checked."""
from __future__ import annotations

import gc
import json
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import RDF, Dataset

from extract.records import ReportRecord
from extract.report import Extractor, ReportError, extract_report, load_extractor
from extract.resources import data_path
from kg.build.cache import _read_cache, cache_key, pipeline_version
from kg.build.graph import build_dataset
from kg.build.validation import Conformance, validate_aside
from kg.namespace import RK
from kg.ontology import entity_kind

REPORT_SUFFIXES = (".txt", ".pdf")


@dataclass
class Build:
    records: list[ReportRecord]
    dataset: Dataset
    checked: Conformance | Callable    # the SHACL result, or what waits for the check (kg.build.validation.validate_aside)
    seconds: float                     # of the build, and of any wait for its check
    kinds: dict[str, int] = field(default_factory=dict)
    cache_keys: dict[str, str] = field(default_factory=dict)   # report slug -> cache key
    reused: int = 0                                            # reports taken from the cache
    fresh: set[str] = field(default_factory=set)               # slugs analysed in this build
    pipeline: str = ""                                         # the pipeline version that made the records
    phases: dict[str, float] = field(default_factory=dict)     # seconds of each step: extraction, graph, validation

    @property
    def conformance(self) -> Conformance:
        """The SHACL result, once the check made aside is done."""
        if not isinstance(self.checked, Conformance):
            t0 = time.perf_counter()
            self.checked, self.phases["validation"] = self.checked()
            self.phases["validation_wait"] = waited = time.perf_counter() - t0
            self.seconds += waited
        return self.checked


_WORKER: Extractor | None = None


def _work(path: Path) -> ReportRecord:
    global _WORKER
    if _WORKER is None:
        _WORKER = load_extractor()
    return extract_report(path, _WORKER)


@contextmanager
def frozen_heap():
    """Keep the objects that exist already (the model, the gazetteer, the dataset being written) out of the garbage
    collector's full passes while a build makes many short-lived ones: those passes walk every object there is,
    the model's too, and cost about a second of a Mali build (CPython's `gc.freeze`, meant for long-lived
    objects). Unfrozen afterwards, so nothing outlives its use."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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


def check_inputs(paths: list[Path] | None = None) -> list[Path]:
    """The report files to build, after what can be wrong before any analysis is checked (each report's
    .meta.json, the ontology's kinds, the SHACL shapes): a broken file fails before the model loads."""
    from extract.kinds import load_kinds
    from extract.metadata import read_meta
    from kg.build.validation import load_shapes

    files = expand_inputs(paths) if paths else bundled_reports()
    for f in files:
        read_meta(f)
    load_kinds()
    load_shapes()
    return files


def build(paths: list[Path] | None = None, extractor: Extractor | None = None, progress=None,
          jobs: int = 1, cache_dir: Path | None = None) -> Build:
    """Extract every report (reusing cached records, in `jobs` processes), build the dataset, check its shapes.

    `progress(path, done, total)` is called as each report not taken from the cache has been analysed.
    """
    with frozen_heap():
        return _build(paths, extractor, progress, jobs, cache_dir)


def _build(paths, extractor, progress, jobs, cache_dir) -> Build:
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
    t1 = time.perf_counter()
    ds = build_dataset(records)
    t2 = time.perf_counter()
    checked = validate_aside(ds)    # the shapes are checked in a process of their own while the build is written
    kinds = count_kinds(ds)
    t3 = time.perf_counter()
    return Build(records, ds, checked, t3 - t0, kinds,
                 cache_keys={r.slug: keys[f] for f, r in zip(files, records)}, reused=len(files) - len(todo),
                 fresh={found[f].slug for f in todo}, pipeline=version,
                 phases={"extraction": t1 - t0, "graph": t2 - t1})


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
    from kg.ontology import kind_classes

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
        "pipeline": b.pipeline,
        "model": b.records[0].model if b.records else "",
    }
