"""Turn a build into the one dataset every reader uses: its report graphs, the candidates, the ontology and the entailments."""
from __future__ import annotations

import csv
import warnings
from contextlib import contextmanager
from pathlib import Path

from rdflib import RDF, SKOS, Dataset, Graph, Literal, URIRef

from kg.build.iris import mint_iri, report_iri
from kg.namespace import PREFIXES, RK
from kg.ontology import load_ontology
from kg.query.library import QueryError

CANDIDATES = mint_iri("id", "candidate")         # the scheme (and named graph) of unlinked candidate names
ONTOLOGY_GRAPH = mint_iri("ontology")             # the ontology, loaded beside the reports


def load_dataset(out_dir: Path, reports: list[str] | None = None, reason: bool = True) -> Dataset:
    """The one dataset every reader uses (query, ask, pages, eval, serve, push): the built graph of `out_dir`
    (graph.trig) with the ontology and candidates graphs and, unless `reason` is False, their entailments.

    `reports` keeps only the named graphs of those report slugs (and the candidates first seen in them).
    """
    out_dir = Path(out_dir)
    path = out_dir / "graph.trig"
    if not path.is_file():
        raise QueryError(f"{path}: no built graph; run `kg build --out {out_dir}` first (or pass --out DIR)")
    ds = Dataset(default_union=True)
    try:
        ds.parse(path, format="trig")
    except Exception as exc:
        raise QueryError(f"{path}: cannot read the graph ({exc}); rebuild it with `kg build`") from None
    if reports is not None:
        keep = {report_iri(s) for s in reports}
        for ctx in list(ds.graphs()):
            if ctx.identifier not in keep and len(ctx):
                ds.remove_graph(ctx)
    return complete_dataset(ds, out_dir / "candidates.tsv", reports, reason)


def complete_dataset(ds: Dataset, candidates: Path, reports: list[str] | None = None, reason: bool = True) -> Dataset:
    """Add to a dataset of report graphs what every reader sees beside them (`dataset_additions`), in place:
    `load_dataset` calls this on graph.trig read back."""
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    for name, triples in dataset_additions(ds, candidates, reports, reason):
        g = ds.graph(name)
        g.addN((s, p, o, g) for s, p, o in triples)
    return ds


def dataset_additions(ds: Dataset, candidates: Path, reports: list[str] | None = None,
                      reason: bool = True) -> list[tuple[URIRef, set]]:
    """What every reader sees beside a dataset's report graphs, as (graph name, triples to add) pairs, leaving
    the dataset as it is: the ontology graph, the candidates graph (from candidates.tsv) and, with `reason`,
    each graph's entailments. `kg build` gives its pages and its store its own graphs and these (no copy of
    its dataset), `complete_dataset` adds them to graph.trig read back: both see the same contents."""
    from kg.dataset.reasoning import entailments, load_rules

    onto = load_ontology()
    cands = Graph()
    _add_candidates(cands, Path(candidates), reports)
    graphs = [(ctx.identifier, ctx, set()) for ctx in ds.graphs() if len(ctx)]
    graphs += [(ONTOLOGY_GRAPH, onto, set(onto)), (CANDIDATES, cands, set(cands))]
    out = []
    with _quiet_rdflib():
        rules = load_rules() if reason else None
        for name, g, triples in graphs:
            if rules is not None:
                triples |= entailments(g, rules)
            if triples:
                out.append((name, triples))
    return out


def _add_candidates(g: Graph, path: Path, reports: list[str] | None) -> None:
    """Unlinked names are a review list, not facts: they go in a graph of their own (named CANDIDATES in the
    dataset) as SKOS concepts of one scheme."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            slug = row.get("example", "").split(":", 1)[0]
            if reports is not None and slug not in reports:
                continue
            try:
                count = int(row["count"])
            except (KeyError, ValueError):
                raise QueryError(f"{path}: row {row.get('name')!r} has no whole-number count; rebuild with `kg build`") from None
            c = mint_iri("id", "candidate", row["name"])
            g.add((c, RDF.type, SKOS.Concept))
            g.add((c, SKOS.inScheme, CANDIDATES))
            g.add((c, SKOS.prefLabel, Literal(row["name"])))
            g.add((c, SKOS.note, Literal(row["ner_label"])))
            g.add((c, RK.mentionCount, Literal(count)))
            g.add((c, SKOS.example, Literal(row["example"])))


@contextmanager
def _quiet_rdflib():
    """rdflib 7 warns on every triple pattern it matches in a union-default Dataset (its own use of
    Dataset.default_context); the warning is about rdflib's internals, not about this code."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        yield
