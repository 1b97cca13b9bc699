"""Turn extraction records into an RDF dataset: one named graph per report, shared entity IRIs across reports."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from extract.kinds import KindError, RelationKind, load_relation_kinds, ontology_path
from extract.records import EntityInfo, ReportRecord
from kg.build.iris import entity_iri, mint_iri, report_iri
from kg.namespace import GEONAMES, OA, PREFIXES, QB, RK, SCHEMA, SDGO, SDMX_ATTR, SDMX_DIM, SDMX_MEASURE, WIKIDATA
from kg.ontology import class_of


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
    _add_report_meta(g, rep, record)

    section_iris = []
    for i, sec in enumerate(record.sections):
        s = spans.iri("section", sec.start, sec.title_end)[0]
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
        if sent.page is not None:
            g.add((s, RK.page, Literal(sent.page)))

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


    _add_relations(g, record, sentence_iris)
    _add_themes(g, record, sentence_iris)
    _add_results(g, record, sentence_iris, spans)


_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


def _add_report_meta(g: Graph, rep: URIRef, record: ReportRecord) -> None:
    """What the report's .meta.json says: title, publisher, year covered, date issued, address, language."""
    meta = record.meta
    if meta is None:
        return
    if meta.title:
        g.add((rep, DCTERMS.title, Literal(meta.title)))
    if record.publisher and record.publisher in record.entities:
        g.add((rep, DCTERMS.publisher, entity_iri(record.publisher)))
    elif meta.publisher:
        g.add((rep, DCTERMS.publisher, Literal(meta.publisher)))
    if meta.year:
        g.add((rep, DCTERMS.temporal, Literal(str(meta.year), datatype=XSD.gYear)))
    if meta.issued:
        g.add((rep, DCTERMS.issued, Literal(meta.issued, datatype=_DATE_TYPES[len(meta.issued)])))
    if meta.url:
        g.add((rep, SCHEMA.url, URIRef(meta.url)))
    if meta.language:
        g.add((rep, DCTERMS.language, Literal(meta.language)))


def _node(record: ReportRecord, what: str, *parts) -> URIRef:
    return mint_iri("report", record.slug, what, *[str(p) for p in parts])


def _fact_id(sentence: URIRef, *content) -> str:
    """A node's IRI tail from its evidence sentence and its content, not from its place in a list: the
    same fact keeps its IRI when the extraction finds more or fewer facts elsewhere in the report."""
    digest = hashlib.sha1(repr(content).encode("utf-8")).hexdigest()[:8]
    return f"{str(sentence).rsplit('/', 1)[-1]}-{digest}"


def _relation_kind(rel) -> RelationKind:
    try:
        return load_relation_kinds()[rel.kind]
    except KeyError:
        raise KindError(f"{ontology_path()}: the component {rel.component!r} made a relation of kind {rel.kind!r}, which "
                        f"the ontology does not declare; add a subclass of rk:Relation with rk:relationCode "
                        f"{rel.kind!r} and its roles") from None


def _add_relations(g: Graph, record: ReportRecord, sentence_iris: list) -> None:
    """Each relation becomes a node of its kind's class with its participants by role and its evidence, plus the
    plain shortcut triples; what each kind writes is what its class declares in the ontology (extract.kinds)."""
    for rel in record.relations:
        kind = _relation_kind(rel)
        fact = _fact_id(sentence_iris[rel.sentence], rel.subject, rel.objects, rel.description, rel.theme,
                        rel.places, rel.amount, rel.currency)
        node = _node(record, rel.kind, fact)
        g.add((node, RDF.type, URIRef(kind.cls)))
        g.add((node, RK.foundBy, Literal(f"{rel.component}:{rel.cue}" if rel.cue else rel.component)))
        g.add((node, RK.confidence, Literal(Decimal(str(rel.confidence)))))
        g.add((node, RK.evidence, sentence_iris[rel.sentence]))
        g.add((node, RK.inReport, report_iri(record.slug)))
        subj = entity_iri(rel.subject) if rel.subject else None
        objs = [entity_iri(o) for o in rel.objects]
        places = [entity_iri(p) for p in rel.places]
        if rel.description:
            g.add((node, RK.description, Literal(rel.description)))
        if rel.theme:
            g.add((node, RK.theme, entity_iri(rel.theme)))
        for p in places:
            g.add((node, RK.place, p))
        if subj is not None:
            g.add((node, URIRef(kind.subject_role), subj))
        for o in objs:
            g.add((node, URIRef(kind.object_role), o))
        if rel.amount is not None:
            amount = _node(record, rel.kind, fact, "amount")
            g.add((node, SCHEMA.amount, amount))
            g.add((amount, RDF.type, SCHEMA.MonetaryAmount))
            g.add((amount, SCHEMA.value, Literal(rel.amount)))
            if rel.currency:
                g.add((amount, SCHEMA.currency, Literal(rel.currency)))
        for side, prop in ((([subj] if subj is not None else []), kind.subject_place), (objs, kind.object_place)):
            for m in side if prop else ():
                for p in places:
                    g.add((m, URIRef(prop), p))
        if kind.shortcut is None:
            continue
        if subj is not None:
            pairs = [(subj, o) for o in objs]
        else:      # peers without a subject: every pair of them, for a symmetric shortcut
            pairs = [(a, b) for k, a in enumerate(objs) for b in objs[k + 1:]] if kind.symmetric else []
        shortcut, inverse = URIRef(kind.shortcut), URIRef(kind.inverse) if kind.inverse else None
        for a, b in pairs:
            if a == b:
                continue
            g.add((a, shortcut, b))
            if kind.symmetric:
                g.add((b, shortcut, a))
            if inverse is not None:
                g.add((b, inverse, a))


def _add_themes(g: Graph, record: ReportRecord, sentence_iris: list) -> None:
    evidence: dict[str, set[int]] = {k: set(v) for k, v in record.theme_mentions.items()}
    for tie in record.theme_ties:
        if tie.sentence is not None:
            evidence.setdefault(tie.theme, set()).add(tie.sentence)
    for link in [*record.sdg_links, *record.programme_sdgs]:
        for t in link.themes:
            evidence.setdefault(t, set()).update(link.sentences)
    for theme in record.themes:
        if not evidence.get(theme.key):
            continue   # a theme the report never speaks of stays out of its graph
        t = entity_iri(theme.key)
        for s in sorted(evidence[theme.key]):
            g.add((t, RK.mentionedIn, sentence_iris[s]))
        g.add((t, RDF.type, RK.Theme))
        g.add((t, RDF.type, SKOS.Concept))
        g.add((t, RDFS.label, Literal(theme.label)))
        g.add((t, SKOS.inScheme, mint_iri("id", "theme")))
        for target in theme.targets:
            g.add((t, RK.servesTarget, mint_iri("sdg", target)))
    for tie in record.theme_ties:
        if not evidence.get(tie.theme):
            continue
        t, sdg = entity_iri(tie.theme), entity_iri(tie.sdg)
        g.add((t, RK.servesSdg, sdg))
        if tie.target:
            g.add((t, RK.servesTarget, mint_iri("sdg", tie.target)))
        if tie.sentence is None:
            continue
        node = _node(record, "theme-sdg", _fact_id(sentence_iris[tie.sentence], tie.theme, tie.sdg, tie.target))
        g.add((node, RDF.type, RK.SdgContribution))
        g.add((node, RK.theme, t))
        g.add((node, RK.sdg, sdg))
        g.add((node, RK.stated, Literal(tie.stated)))
        g.add((node, RK.evidence, sentence_iris[tie.sentence]))
        g.add((node, RK.inReport, report_iri(record.slug)))
    mentioned = {m.key for m in record.mentions}
    for link in record.sdg_links:
        node = _node(record, "outcome-sdg", f"{link.outcome.rsplit('/', 1)[-1]}-{link.sdg.rsplit('/', 1)[-1]}")
        _add_sdg_link(g, record, link, node, RK.outcome, sentence_iris, mentioned)
        g.add((entity_iri(link.outcome), RK.contributesTo, entity_iri(link.sdg)))
    for link in record.programme_sdgs:        # a programme serves an SDG through the themes of its sentences
        node = _node(record, "programme-sdg", f"{link.outcome.replace('/', '-')}-{link.sdg.rsplit('/', 1)[-1]}")
        _add_sdg_link(g, record, link, node, RK.programme, sentence_iris, mentioned)


def _add_sdg_link(g: Graph, record: ReportRecord, link, node, role, sentence_iris: list, mentioned: set) -> None:
    """One weighed SDG contribution of an outcome or a programme (`role`), with its themes and evidence."""
    sdg = entity_iri(link.sdg)
    if link.sdg not in mentioned and link.sdg in record.entities:
        # an SDG the report never names: described here, its evidence is the sentences that serve it
        _describe_entity(g, sdg, record.entities[link.sdg])
        for s in link.sentences:
            g.add((sdg, RK.mentionedIn, sentence_iris[s]))
    g.add((node, RDF.type, RK.SdgContribution))
    g.add((node, role, entity_iri(link.outcome)))
    g.add((node, RK.sdg, sdg))
    g.add((node, RK.weight, Literal(Decimal(str(round(link.weight, 4))), datatype=XSD.decimal)))
    g.add((node, RK.stated, Literal(link.stated)))
    g.add((node, RK.inReport, report_iri(record.slug)))
    for t in link.themes:
        g.add((node, RK.theme, entity_iri(t)))
    for s in link.sentences:
        g.add((node, RK.evidence, sentence_iris[s]))


def _add_results(g: Graph, record: ReportRecord, sentence_iris: list, spans) -> None:
    """Results are RDF Data Cube observations in one data set per report."""
    if not record.results:
        return
    dataset = _node(record, "results")
    g.add((dataset, RDF.type, QB.DataSet))
    g.add((dataset, RDFS.label, Literal(f"Quantitative results of {record.title}")))
    for res in record.results:
        node, os, oe = spans.iri("result", res.start, res.end)
        g.add((node, RDF.type, RK.Result))
        g.add((node, RDF.type, QB.Observation))
        g.add((node, QB.dataSet, dataset))
        g.add((node, SDMX_MEASURE.obsValue, Literal(Decimal(repr(float(res.value))), datatype=XSD.decimal)))
        g.add((node, SDMX_ATTR.unitMeasure, Literal(res.unit)))
        g.add((node, RK.what, Literal(res.what)))
        if res.who:
            g.add((node, RK.who, Literal(res.who)))
        if res.year:
            g.add((node, SDMX_DIM.refPeriod, Literal(str(res.year), datatype=XSD.gYear)))
        for p in res.places:
            g.add((node, SDMX_DIM.refArea, entity_iri(p)))
        if res.outcome:
            g.add((node, RK.outcome, entity_iri(res.outcome)))
        for sdg in res.sdgs:
            g.add((node, RK.sdg, entity_iri(sdg)))
        g.add((node, RK.comparison, Literal(res.comparison)))
        g.add((node, OA.exact, Literal(record.clean.text[res.start:res.end])))
        g.add((node, OA.start, Literal(os)))
        g.add((node, OA.end, Literal(oe)))
        g.add((node, RK.evidence, sentence_iris[res.sentence]))


def _describe_entity(g: Graph, e: URIRef, info: EntityInfo) -> None:
    g.add((e, RDF.type, class_of(info.kind)))
    for kind in info.extra_kinds:
        g.add((e, RDF.type, class_of(kind)))
    g.add((e, RDFS.label, Literal(info.label)))
    if info.wikidata:
        g.add((e, OWL.sameAs, URIRef(WIKIDATA + info.wikidata)))
    if info.found_by:
        g.add((e, RK.foundBy, Literal(info.found_by)))
    if info.confidence is not None:
        g.add((e, RK.confidence, Literal(Decimal(str(info.confidence)))))
    for code in info.notations:
        g.add((e, SKOS.notation, Literal(code)))
    if info.kind == "region" and info.country:
        g.add((e, SCHEMA.containedInPlace, entity_iri(f"place/{info.country}")))
    if info.kind == "place_local":      # a town: its region (or country), GeoNames IRI and position
        g.add((e, SCHEMA.containedInPlace, entity_iri(f"place/{info.region or info.country}")))
        if info.geonames:
            g.add((e, OWL.sameAs, URIRef(f"{GEONAMES}{info.geonames}/")))
        if info.lat is not None and info.lon is not None:
            g.add((e, SCHEMA.latitude, Literal(Decimal(str(info.lat)))))
            g.add((e, SCHEMA.longitude, Literal(Decimal(str(info.lon)))))
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


def union_graph(data: Dataset | Graph) -> Graph:
    """A new graph holding the triples of all the dataset's graphs (or a copy of a plain graph)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for ctx in data.graphs() if isinstance(data, Dataset) else (data,):
        g.addN((s, p, o, g) for s, p, o in ctx)
    return g
