"""Write a build into its output folder, atomically: graph files, JSON-LD, candidates, summary, cache, texts, pages and store."""
from __future__ import annotations

import csv
import json
import os
import pickle
from collections import Counter
from pathlib import Path

from extract.records import ReportRecord
from kg.build.output import JSONLD_FILE, staged_output, write_jsonld
from kg.build.reports import Build, summary
from kg.dataset.load import complete_dataset, copy_dataset
from kg.dataset.store import dataset_quads, write_store
from kg.pages.write import write_pages


def write_build(b: Build, out_dir: Path) -> Path:
    """Write graph.trig, graph.ttl, candidates.tsv, summary.json, the pages and the Oxigraph store (store/) into
    out_dir, atomically: the new folder lands with its store made, so `kg serve` and `kg query` only open it."""
    with staged_output(Path(out_dir)) as stage:
        quads = dataset_quads(b.dataset)
        write_graph_files(quads, stage)
        write_jsonld(b.dataset, stage / JSONLD_FILE)
        write_candidates(b.records, stage / "candidates.tsv")
        (stage / "shacl-report.txt").write_text(b.conformance.report, encoding="utf-8")
        (stage / "summary.json").write_text(json.dumps(summary(b), indent=2) + "\n", encoding="utf-8")
        write_cache(b, stage / "cache")
        write_texts(b.records, stage / "text")
        # what every reader sees (kg.dataset.load.load_dataset), made from the build's own graphs, not read back
        served = complete_dataset(copy_dataset(b.dataset), stage / "candidates.tsv")
        write_pages(served, stage, b.conformance)
        write_store(stage, served)  # last: its stamp names graph.trig and candidates.tsv as written above
    return Path(out_dir)


def write_graph_files(quads: list, folder: Path) -> None:
    """graph.trig (named graphs) and graph.ttl (their union) of the dataset's quads, written by Oxigraph's
    serialisers: the same RDF as rdflib's, about ten times faster on large builds."""
    import pyoxigraph as ox

    from kg.namespace import PREFIXES

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
