"""Build report files into a validated RDF dataset and write it, with the candidates and a summary, to a folder."""
from __future__ import annotations

import csv
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Dataset

from extract.records import ReportRecord
from extract.report import Extractor, ReportError, extract_report, load_extractor
from extract.resources import data_path
from kg.graph import build_dataset, union_graph
from kg.namespace import RK
from kg.output import staged_output
from kg.validate import Conformance, validate

REPORT_SUFFIXES = (".txt",)


@dataclass
class Build:
    records: list[ReportRecord]
    dataset: Dataset
    conformance: Conformance
    seconds: float
    kinds: dict[str, int] = field(default_factory=dict)


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


def build(paths: list[Path] | None = None, extractor: Extractor | None = None, progress=None) -> Build:
    """Extract every report, build the dataset and check it against the SHACL shapes."""
    t0 = time.perf_counter()
    files = expand_inputs(paths) if paths else bundled_reports()
    extractor = extractor or load_extractor()
    records = []
    for f in files:
        if progress:
            progress(f)
        records.append(extract_report(f, extractor))
    ds = build_dataset(records)
    conformance = validate(union_graph(ds))
    return Build(records, ds, conformance, time.perf_counter() - t0, count_kinds(ds))


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
    """Write graph.trig, graph.ttl, candidates.tsv and summary.json into out_dir, atomically."""
    with staged_output(Path(out_dir)) as stage:
        b.dataset.serialize(stage / "graph.trig", format="trig")
        union_graph(b.dataset).serialize(stage / "graph.ttl", format="turtle")
        write_candidates(b.records, stage / "candidates.tsv")
        (stage / "shacl-report.txt").write_text(b.conformance.report, encoding="utf-8")
        (stage / "summary.json").write_text(json.dumps(summary(b), indent=2) + "\n", encoding="utf-8")
    return Path(out_dir)


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
        "model": b.records[0].model if b.records else "",
    }
