"""Turn extraction records into an RDF dataset: one named graph per report, shared entity IRIs across reports."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

from extract.records import EntityInfo, ReportRecord
from extract.resources import data_path
from kg.namespace import RK

BASE = "https://w3id.org/reportkg/"
SDG_BASE = "http://metadata.un.org/sdg/"
WIKIDATA = "http://www.wikidata.org/entity/"
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
QB = Namespace("http://purl.org/linked-data/cube#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
PREFIXES = {"rk": Namespace(str(RK)), "oa": OA, "schema": SCHEMA, "org": ORG, "sdgo": SDGO, "qb": QB, "frapo": FRAPO,
            "skos": SKOS, "prov": PROV, "dct": DCTERMS, "owl": OWL, "sdg": Namespace(SDG_BASE),
            "wd": Namespace(WIKIDATA), "sdmx-dimension": SDMX_DIM, "sdmx-measure": SDMX_MEASURE,
            "sdmx-attribute": SDMX_ATTR, "id": Namespace(BASE + "id/"), "report": Namespace(BASE + "report/")}


def mint_iri(*parts: str) -> URIRef:
    """The one place IRIs are made. ("sdg", "3") is the UN's goal IRI; everything else lives under BASE."""
    if parts and parts[0] == "sdg":
        return URIRef(SDG_BASE + quote(parts[1], safe=".")) if len(parts) == 2 else URIRef(SDG_BASE.rstrip("/"))
    return URIRef(BASE + "/".join(quote(p, safe="-._~") for p in parts))


def entity_iri(key: str) -> URIRef:
    kind, _, rest = key.partition("/")
    if kind == "sdg":
        return mint_iri("sdg", rest)
    return mint_iri("id", kind, *rest.split("/"))


def report_iri(slug: str) -> URIRef:
    return mint_iri("report", slug)


@lru_cache(maxsize=1)
def load_ontology() -> Graph:
    return Graph().parse(data_path("ontology") / "reportkg.ttl", format="turtle")


@lru_cache(maxsize=1)
def kind_classes() -> dict[str, URIRef]:
    """Kind code (gazetteer 'kind') -> ontology class, read from rk:kindCode annotations."""
    return {str(code): cls for cls, code in load_ontology().subject_objects(RK.kindCode)}


def class_of(kind: str) -> URIRef:
    try:
        return kind_classes()[kind]
    except KeyError:
        raise ValueError(f"unknown entity kind {kind!r}: add a class with rk:kindCode {kind!r} to ontology/reportkg.ttl") from None


@dataclass
class _Spans:
    """Maps clean-text spans of one report to original offsets and mints their IRIs."""

    record: ReportRecord

    def iri(self, what: str, start: int, end: int) -> tuple[URIRef, int, int]:
        os, oe = self.record.original_span(start, end)
        return mint_iri("report", self.record.slug, what, f"{os}-{oe}"), os, oe


def build_report_graph(record: ReportRecord, g: Graph) -> None:
    """Add one report's description, sections, sentences, mentions and entities to graph `g`."""
    rep = report_iri(record.slug)
    spans = _Spans(record)
    g.add((rep, RDF.type, RK.Report))
    g.add((rep, RDFS.label, Literal(record.title)))
    g.add((rep, DCTERMS.identifier, Literal(record.slug)))
    g.add((rep, DCTERMS.source, Literal(record.path.rsplit("/", 1)[-1])))
    g.add((rep, PROV.wasGeneratedBy, Literal(f"reportkg with spaCy {record.model}")))
    for code in record.focus_countries:
        g.add((rep, DCTERMS.spatial, entity_iri(f"place/{code}")))

    section_iris = []
    for i, sec in enumerate(record.sections):
        s = mint_iri("report", record.slug, "section", str(i))
        section_iris.append(s)
        g.add((s, RDF.type, RK.Section))
        g.add((s, RDFS.label, Literal(sec.title)))
        g.add((s, RK.inReport, rep))
        g.add((s, RK.sectionIndex, Literal(i)))

    sentence_iris = []
    for sent in record.sentences:
        s, os, oe = spans.iri("sentence", sent.start, sent.end)
        sentence_iris.append(s)
        g.add((s, RDF.type, RK.Sentence))
        g.add((s, OA.exact, Literal(sent.text)))
        g.add((s, OA.start, Literal(os)))
        g.add((s, OA.end, Literal(oe)))
        g.add((s, RK.inReport, rep))
        if sent.section is not None:
            g.add((s, RK.inSection, section_iris[sent.section]))

    mentioned: dict[str, list] = {}
    for m in record.mentions:
        node, os, oe = spans.iri("mention", m.start, m.end)
        e = entity_iri(m.key)
        g.add((node, RDF.type, RK.Mention))
        g.add((node, OA.exact, Literal(m.text)))
        g.add((node, OA.start, Literal(os)))
        g.add((node, OA.end, Literal(oe)))
        g.add((node, RK.inSentence, sentence_iris[m.sentence]))
        g.add((node, RK.denotes, e))
        g.add((e, RK.mentionedIn, sentence_iris[m.sentence]))
        mentioned.setdefault(m.key, []).append(m)

    for key, ms in mentioned.items():
        info = record.entities[key]
        e = entity_iri(key)
        _describe_entity(g, e, info)
        g.add((e, RK.mentionCount, Literal(len(ms))))
        for alt in sorted({" ".join(m.text.split()) for m in ms} - {info.label}):
            g.add((e, SKOS.altLabel, Literal(alt)))
        if info.kind == "outcome":
            for i, sec in enumerate(record.sections):
                if sec.start <= ms[0].start < sec.end:
                    g.add((e, RK.section, section_iris[i]))
                    break
            g.add((e, RK.inReport, rep))


def _describe_entity(g: Graph, e: URIRef, info: EntityInfo) -> None:
    g.add((e, RDF.type, class_of(info.kind)))
    for kind in info.extra_kinds:
        g.add((e, RDF.type, class_of(kind)))
    g.add((e, RDFS.label, Literal(info.label)))
    if info.wikidata:
        g.add((e, OWL.sameAs, URIRef(WIKIDATA + info.wikidata)))
    for code in info.notations:
        g.add((e, SKOS.notation, Literal(code)))
    if info.kind == "region" and info.country:
        g.add((e, SCHEMA.containedInPlace, entity_iri(f"place/{info.country}")))
    if info.kind == "sdg":
        g.add((e, RDF.type, SDGO.Goal))
        g.add((e, RK.goalNumber, Literal(info.number)))
        g.add((e, SKOS.notation, Literal(str(info.number))))
        if info.description:
            g.add((e, SKOS.prefLabel, Literal(info.description, lang="en")))
        g.add((e, SKOS.inScheme, mint_iri("sdg")))
    if info.kind == "outcome":
        g.add((e, RK.outcomeNumber, Literal(info.number)))
        if info.min_age is not None:
            g.add((e, RK.minAge, Literal(info.min_age)))
        if info.max_age is not None:
            g.add((e, RK.maxAge, Literal(info.max_age)))


def build_dataset(records: list[ReportRecord]) -> Dataset:
    """All reports as one dataset, each in the named graph of its report IRI."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    for record in records:
        build_report_graph(record, ds.graph(report_iri(record.slug)))
    return ds


def union_graph(ds: Dataset) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for ctx in ds.graphs():
        for t in ctx:
            g.add(t)
    return g
