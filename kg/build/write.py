"""Write a build into its output folder, atomically: graph files, JSON-LD, candidates, summary, cache, texts, pages and store."""
from __future__ import annotations

import csv
import json
import os
import pickle
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rdflib import Dataset, Graph

from extract.records import ReportRecord
from kg.build.output import JSONLD_FILE, staged_output, write_jsonld
from kg.build.reports import Build, frozen_heap, summary
from kg.dataset.load import dataset_additions
from kg.dataset.store import dataset_quads, oxigraph_quads, write_store
from kg.namespace import PREFIXES
from kg.pages.write import write_pages


def write_build(b: Build, out_dir: Path) -> Path:
    """Write graph.trig, graph.ttl, candidates.tsv, summary.json, the pages and the Oxigraph store (store/) into
    out_dir, atomically: the new folder lands with its store made, so `kg serve` and `kg query` only open it.
    The seconds of each step go into `b.phases`: files, pages (with the SHACL report and summary.json, once the
    check made aside is done), store (made meanwhile), store_wait (for it after the pages), swap."""
    t0 = time.perf_counter()
    with frozen_heap(), staged_output(Path(out_dir)) as stage:
        quads = dataset_quads(b.dataset)
        write_graph_files(quads, stage)
        write_jsonld(b.dataset, stage / JSONLD_FILE)
        write_candidates(b.records, stage / "candidates.tsv")
        write_cache(b, stage / "cache")
        write_texts(b.records, stage / "text")
        t1 = time.perf_counter()
        # what every reader sees (kg.dataset.load.load_dataset): the build's own graphs and what is added to
        # them, neither read back nor copied
        additions = dataset_additions(b.dataset, stage / "candidates.tsv")
        quads += oxigraph_quads(additions)
        # the store is made while the pages are written: most of its time is RocksDB writing and syncing files,
        # which pyoxigraph does without holding the GIL. Its stamp names graph.trig and candidates.tsv, written
        # above, and the pipeline version summary.json will name.
        with ThreadPoolExecutor(max_workers=1) as pool:
            store = pool.submit(_timed, write_store, stage, quads, b.pipeline)
            # the index, drawn last, shows the SHACL result: by then the check made aside is done
            write_pages(pages_graph(b.dataset, additions), stage, lambda: b.conformance)
            (stage / "shacl-report.txt").write_text(b.conformance.report, encoding="utf-8")
            (stage / "summary.json").write_text(json.dumps(summary(b), indent=2) + "\n", encoding="utf-8")
            t2 = time.perf_counter()
            store_seconds = store.result()
        t3 = time.perf_counter()
    b.phases.update(files=t1 - t0, pages=t2 - t1, store=store_seconds, store_wait=t3 - t2, swap=time.perf_counter() - t3)
    return Path(out_dir)


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def pages_graph(dataset: Dataset, additions: list) -> Graph:
    """The one graph the pages read: the union of the dataset's graphs and their additions, held in rdflib's
    context-free store (SimpleMemory), whose lookups skip the per-graph bookkeeping that was most of the pages'
    reading time in the default store."""
    g = Graph(store="SimpleMemory")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for triples in list(dataset.graphs()) + [triples for _, triples in additions]:
        g.addN((s, p, o, g) for s, p, o in triples)
    return g


def write_graph_files(quads: list, folder: Path) -> None:
    """graph.trig (named graphs) and graph.ttl (their union) of the dataset's quads, written by Oxigraph's
    serialisers: the same RDF as rdflib's, about ten times faster on large builds."""
    import pyoxigraph as ox

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
