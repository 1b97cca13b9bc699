"""Read what every page draws on from the dataset once: entities, relations, results, reports, colours, page names."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS

from extract.errors import DataError, KGError, read_tsv
from extract.resources import data_path
from kg.namespace import RK, SCHEMA
from kg.pages.networks import Entity, Evidence, Relation, Result, as_graph, load_entities, load_relations, load_results

ASSETS = Path(__file__).resolve().parent / "assets"


class PageError(KGError, OSError):
    """The pages cannot be written."""


@dataclass
class ReportInfo:
    iri: str
    slug: str
    title: str
    file: str
    anchor: str
    sentences: int = 0
    entities: int = 0
    relations: int = 0
    publisher: str = ""      # from the report's metadata file, when it has one
    year: str = ""
    url: str = ""


@dataclass
class Site:
    """What every page draws on, read once from the graph."""

    graph: Graph
    entities: dict[str, Entity]
    relations: list[Relation]
    results: list[Result]
    reports: list[ReportInfo]
    kind_colours: dict[str, str]
    sdg_colours: dict[int, str]
    evidence_of: dict[str, list[Relation]] = field(default_factory=dict)   # sentence IRI -> relations
    relations_of: dict[str, list[Relation]] = field(default_factory=dict)  # entity IRI -> the relations it is a party or place of
    results_of: dict[str, list[Result]] = field(default_factory=dict)      # entity IRI -> the results of its place, outcome or SDG


def entity_filename(iri: str) -> str:
    """A safe file name for an entity page: readable slug of the IRI's tail plus a short hash of the whole IRI."""
    tail = iri.split("/id/", 1)[1] if "/id/" in iri else "-".join(iri.rstrip("/").rsplit("/", 2)[-2:])
    slug = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")[:60] or "entity"
    return f"{slug}-{hashlib.sha1(iri.encode('utf-8')).hexdigest()[:8]}.html"


def entity_href(iri: str, root: str = "") -> str:
    return f"{root}entity/{entity_filename(iri)}"


def _anchor(*parts) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_-]+", "-", str(p)) for p in parts)


def sentence_anchor(ev: Evidence | str) -> str:
    iri = ev.sentence if isinstance(ev, Evidence) else ev
    report, _, span = iri.rpartition("/sentence/")
    return _anchor("s", report.rsplit("/", 1)[-1], span)


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


@lru_cache(maxsize=1)
def load_kind_colours() -> dict[str, str]:
    """Kind code -> the colour pages draw it in, from kg/pages/assets/kind-colours.tsv."""
    path = ASSETS / "kind-colours.tsv"
    return {r["kind"]: _colour(path, n, r["colour"]) for n, r in read_tsv(path, ("kind", "colour"))}


@lru_cache(maxsize=1)
def load_sdg_colours() -> dict[int, str]:
    """SDG goal number -> official colour, from ontology/sdg-colours.tsv."""
    path = data_path("ontology") / "sdg-colours.tsv"
    out = {}
    for n, r in read_tsv(path, ("goal", "colour")):
        if not r["goal"].isdigit() or not 1 <= int(r["goal"]) <= 17:
            raise DataError(f"{path}:{n}: goal {r['goal']!r} is not an SDG number from 1 to 17; fix that line")
        out[int(r["goal"])] = _colour(path, n, r["colour"])
    return out


def _colour(path: Path, line: int, colour: str) -> str:
    if not _COLOUR.fullmatch(colour):
        raise DataError(f"{path}:{line}: colour {colour!r} is not written #RRGGBB; fix that line")
    return colour


def build_site(data: Dataset | Graph) -> Site:
    """Read entities, relations, results and reports from the graph once for all pages."""
    g = as_graph(data)
    entities = load_entities(g)
    relations = load_relations(g)
    results = load_results(g)
    evidence_of: dict[str, list[Relation]] = {}
    for r in relations:
        for e in r.evidence:
            evidence_of.setdefault(e.sentence, []).append(r)
    # entities a report names: what its mentions denote (as summary.json counts them; themes and SDGs a
    # sentence is only tied to are not named by it)
    named: dict = {}
    for m in g.subjects(RDF.type, RK.Mention):
        named.setdefault(g.value(g.value(m, RK.inSentence), RK.inReport), set()).add(g.value(m, RK.denotes))
    all_sentences = set(g.subjects(RDF.type, RK.Sentence))
    relations_in: dict = {}     # report slug -> the relations with evidence in it, read once, not once per report
    for r in relations:
        for slug in {e.report for e in r.evidence}:
            relations_in.setdefault(slug, set()).add(r.iri)
    reports = []
    for rep in sorted(set(g.subjects(RDF.type, RK.Report)), key=str):
        slug = str(g.value(rep, DCTERMS.identifier) or str(rep).rsplit("/", 1)[-1])
        sentences = set(g.subjects(RK.inReport, rep)) & all_sentences
        mentioned = named.get(rep, set())
        rels = relations_in.get(slug, set())
        publisher = g.value(rep, DCTERMS.publisher)
        if isinstance(publisher, URIRef):
            publisher = g.value(publisher, RDFS.label) or publisher
        reports.append(ReportInfo(str(rep), slug, str(g.value(rep, RDFS.label) or slug), str(g.value(rep, DCTERMS.source) or ""),
                                  _anchor("r", slug), len(sentences), len(mentioned), len(rels),
                                  publisher=str(publisher or ""), year=str(g.value(rep, DCTERMS.temporal) or ""),
                                  url=str(g.value(rep, SCHEMA.url) or "")))
    # what each entity page lists, found once (in the relations' and results' order), not by a scan per page
    relations_of = _index(relations, lambda r: [x for pair in r.pairs for x in pair] + list(r.places))
    results_of = _index(results, lambda r: [*r.places, r.outcome, *r.sdgs])
    return Site(g, entities, relations, results, reports, load_kind_colours(), load_sdg_colours(), evidence_of,
                relations_of, results_of)


def _index(items: list, keys_of) -> dict[str, list]:
    """Key -> the items whose keys hold it, each once, in the items' order."""
    out: dict[str, list] = {}
    for item in items:
        for key in dict.fromkeys(keys_of(item)):
            out.setdefault(key, []).append(item)
    return out
