"""Turn the RDF dataset into networkx graphs (partnerships, outcomes and SDGs, places, neighbourhoods) and write GraphML/GEXF."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx
from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS

from extract.errors import KGError, read_tsv
from extract.kinds import RelationKind, load_relation_kinds
from extract.resources import data_path
from kg.build.graph import union_graph
from kg.namespace import OA, RK, SCHEMA, SDMX_ATTR, SDMX_DIM, SDMX_MEASURE
from kg.ontology import entity_kind, ontology_kinds, place_kinds


def org_edge_kinds() -> frozenset[str]:
    """The relation kinds that link two parties (those with a shortcut): the partnership network's edges."""
    return frozenset(code for code, k in load_relation_kinds().items() if k.shortcut is not None)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NetworkError(KGError, ValueError):
    """A reference data file for the networks is missing or malformed."""


@dataclass(frozen=True)
class Evidence:
    """A sentence a relation was read from."""

    sentence: str     # sentence IRI
    text: str
    report: str       # report slug
    start: int = 0


@dataclass
class Entity:
    """What the pages and networks need to know about one entity node."""

    iri: str
    label: str
    kind: str
    kind_label: str
    alt_labels: list[str] = field(default_factory=list)
    wikidata: str | None = None
    notations: list[str] = field(default_factory=list)
    mentions: int = 0
    reports: list[str] = field(default_factory=list)
    goal: int | None = None
    short_title: str | None = None
    container: str | None = None        # IRI of the country a region lies in

    @property
    def code(self) -> str | None:
        """The ISO 3166 code of a place: the last part of its IRI."""
        return self.iri.rsplit("/", 1)[-1] if "/id/place/" in self.iri else None


@dataclass
class Relation:
    """One relation node of the graph, with its participants by role."""

    iri: str
    kind: str                            # partnership, funding, ..., activity, sdg, theme-sdg
    pairs: list[tuple[str, str]]         # entity IRIs (from, to)
    theme: str | None = None             # theme label
    places: list[str] = field(default_factory=list)
    description: str | None = None
    amount: str | None = None
    weight: float | None = None
    stated: bool | None = None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def reports(self) -> list[str]:
        return sorted({e.report for e in self.evidence})


def as_graph(data: Dataset | Graph) -> Graph:
    """The union of a dataset's report graphs (a plain Graph is returned as it is)."""
    return union_graph(data) if isinstance(data, Dataset) else data


def _report_of(g: Graph, sentence) -> str:
    rep = g.value(sentence, RK.inReport)
    slug = g.value(rep, DCTERMS.identifier) if rep is not None else None
    return str(slug) if slug is not None else (str(rep).rsplit("/", 1)[-1] if rep is not None else "")


def load_entities(data: Dataset | Graph) -> dict[str, Entity]:
    """Every entity in the graph (anything typed with a kind class), keyed by IRI."""
    g = as_graph(data)
    code_of, label_of, _, _ = ontology_kinds()
    codes: dict = {}
    for cls, code in code_of.items():
        for s in g.subjects(RDF.type, cls):
            if isinstance(s, URIRef):
                codes.setdefault(s, set()).add(code)
    slugs: dict = {}      # sentence -> its report's slug, looked up once, not once per entity it names

    def report_of(sentence) -> str:
        if sentence not in slugs:
            slugs[sentence] = _report_of(g, sentence)
        return slugs[sentence]

    out = {}
    for s, cs in codes.items():
        kind = entity_kind(cs)
        wd = next((str(o) for o in g.objects(s, OWL.sameAs) if "wikidata.org" in str(o)), None)
        goal = g.value(s, RK.goalNumber)
        sentences = set(g.objects(s, RK.mentionedIn))
        out[str(s)] = Entity(
            iri=str(s),
            label=str(g.value(s, RDFS.label) or g.value(s, SKOS.prefLabel) or str(s).rsplit("/", 1)[-1]),
            kind=kind,
            kind_label=label_of.get(kind, kind),
            alt_labels=sorted(str(o) for o in g.objects(s, SKOS.altLabel)),
            wikidata=wd.rsplit("/", 1)[-1] if wd else None,
            notations=sorted(str(o) for o in g.objects(s, SKOS.notation)),
            # its mentions in every report: a union of reports holds one rk:mentionCount per report, and
            # g.value picked one of them by the store's order
            mentions=sum(1 for _ in g.subjects(RK.denotes, s)) or len(sentences),
            reports=sorted({report_of(x) for x in sentences} - {""}),
            goal=int(goal) if goal is not None else None,
            short_title=str(g.value(s, SKOS.prefLabel)) if g.value(s, SKOS.prefLabel) is not None else None,
            container=str(g.value(s, SCHEMA.containedInPlace)) if g.value(s, SCHEMA.containedInPlace) else None,
        )
    return out


def _evidence(g: Graph, node) -> list[Evidence]:
    ev = []
    for s in g.objects(node, RK.evidence):
        ev.append(Evidence(str(s), str(g.value(s, OA.exact) or ""), _report_of(g, s), int(g.value(s, OA.start) or 0)))
    return sorted(ev, key=lambda e: (e.report, e.start, e.sentence))


def _label(g: Graph, node) -> str | None:
    if node is None:
        return None
    return str(g.value(node, RDFS.label) or g.value(node, SKOS.prefLabel) or str(node).rsplit("/", 1)[-1])


def _amount(g: Graph, node) -> str | None:
    amount = g.value(node, SCHEMA.amount)
    if amount is None:
        return None
    value, currency = g.value(amount, SCHEMA.value), g.value(amount, SCHEMA.currency)
    return " ".join(str(x) for x in (currency, value) if x is not None) or None


def relation_pairs(g: Graph, node, kind: RelationKind, places: list[str]) -> list[tuple[str, str]]:
    """The (from, to) entity pairs a relation node of `kind` links: every two of its peers, each subject with each
    object, or, for a kind without a shortcut (an activity), each party with each of its places."""
    subjects = sorted(str(x) for x in g.objects(node, URIRef(kind.subject_role)))
    if kind.shortcut is None:
        return [(a, p) for a in subjects for p in places]
    if kind.peers:
        return list(itertools.combinations(subjects, 2))
    return [(a, str(b)) for a in subjects for b in g.objects(node, URIRef(kind.object_role)) if a != str(b)]


def load_relations(data: Dataset | Graph) -> list[Relation]:
    """Every relation node (partnerships, funding, memberships, agreements, procurement, activities, SDG links)."""
    g = as_graph(data)
    rels: list[Relation] = []
    for kind in load_relation_kinds().values():
        for node in set(g.subjects(RDF.type, URIRef(kind.cls))):
            places = sorted(str(p) for p in g.objects(node, RK.place))
            rels.append(Relation(str(node), kind.code, relation_pairs(g, node, kind, places),
                                 theme=_label(g, g.value(node, RK.theme)), places=places,
                                 description=str(g.value(node, RK.description) or "") or None,
                                 amount=_amount(g, node), evidence=_evidence(g, node)))
    for node in set(g.subjects(RDF.type, RK.SdgContribution)):
        sdg = g.value(node, RK.sdg)
        outcome = g.value(node, RK.outcome) or g.value(node, RK.programme)
        themes = list(g.objects(node, RK.theme))
        weight = g.value(node, RK.weight)
        stated = g.value(node, RK.stated)
        if outcome is not None and sdg is not None:
            kind = "programme-sdg" if g.value(node, RK.programme) is not None else "sdg"
            pairs = [(str(outcome), str(sdg))]
        elif sdg is not None and themes:
            kind, pairs = "theme-sdg", [(str(t), str(sdg)) for t in themes]
        else:
            continue
        rels.append(Relation(str(node), kind, pairs,
                             theme=", ".join(sorted(_label(g, t) for t in themes)) or None,
                             weight=float(weight) if weight is not None else None,
                             stated=bool(stated.toPython()) if stated is not None else None,
                             evidence=_evidence(g, node)))
    return sorted(rels, key=lambda r: (r.kind, r.iri))


@dataclass
class Result:
    """A reported number (a qb:Observation) with the places, outcome and SDGs it belongs to."""

    iri: str
    value: str
    unit: str
    what: str
    places: list[str]
    outcome: str | None
    sdgs: list[str]
    evidence: list[Evidence]


def load_results(data: Dataset | Graph) -> list[Result]:
    g = as_graph(data)
    out = []
    for node in set(g.subjects(RDF.type, RK.Result)):
        v = g.value(node, SDMX_MEASURE.obsValue)
        value = v.toPython() if v is not None else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append(Result(str(node), f"{value:,}" if isinstance(value, (int, float)) else str(value),
                          str(g.value(node, SDMX_ATTR.unitMeasure) or ""), str(g.value(node, RK.what) or ""),
                          sorted(str(p) for p in g.objects(node, SDMX_DIM.refArea)),
                          str(g.value(node, RK.outcome)) if g.value(node, RK.outcome) else None,
                          sorted(str(s) for s in g.objects(node, RK.sdg)), _evidence(g, node)))
    # results of one sentence share its offsets: their IRI breaks the tie, so every process draws the same order
    return sorted(out, key=lambda r: ((r.evidence[0].report, r.evidence[0].start) if r.evidence else ("", 0)) + (r.iri,))


def _node_attrs(e: Entity) -> dict:
    return {"label": e.label, "kind": e.kind, "kind_label": e.kind_label, "mentions": e.mentions,
            "reports": list(e.reports), "wikidata": e.wikidata or ""}


def _edge_attrs(rels: list[Relation]) -> dict:
    ev = sorted({e for r in rels for e in r.evidence}, key=lambda e: (e.report, e.start, e.sentence))
    weights = [r.weight for r in rels if r.weight is not None]
    stated = [r.stated for r in rels if r.stated is not None]
    return {
        "relations": [r.iri for r in rels],
        "themes": sorted({r.theme for r in rels if r.theme}),
        "reports": sorted({e.report for e in ev}),
        "evidence": ev,
        "evidence_count": len(ev),
        "descriptions": sorted({r.description for r in rels if r.description}),
        "amounts": sorted({r.amount for r in rels if r.amount}),
        **({"weight": max(weights)} if weights else {}),
        **({"stated": any(stated)} if stated else {}),
    }


def _add_edges(net: nx.MultiDiGraph, rels: list[Relation], entities: dict[str, Entity], keep) -> None:
    """One edge per (from, to, kind), merging the relation nodes that say the same thing."""
    grouped: dict[tuple[str, str, str], list[Relation]] = {}
    for r in rels:
        for a, b in r.pairs:
            if a in entities and b in entities and keep(r, entities[a], entities[b]):
                grouped.setdefault((a, b, r.kind), []).append(r)
    for (a, b, kind), rs in sorted(grouped.items()):
        for n in (a, b):
            if n not in net:
                net.add_node(n, **_node_attrs(entities[n]))
        net.add_edge(a, b, key=kind, kind=kind, **_edge_attrs(rs))


# What the networks are drawn from, as read from the graph: entities, relations, results. A caller that has read
# them already (the site) passes them, so that four networks do not read the graph four more times.
Read = tuple[dict[str, Entity], list[Relation], list[Result]]


def _read(g: Graph, results: bool = True) -> Read:
    return load_entities(g), load_relations(g), load_results(g) if results else []


def build_partnership_network(data: Dataset | Graph, read: Read | None = None) -> nx.MultiDiGraph:
    """Organisations linked by partnership, funding, agreement, membership and procurement relations.

    Nodes are entity IRIs; one edge per (from, to, kind) with the evidence sentences of every relation merged.
    Partnerships and agreements are symmetric: their edges run from the IRI that sorts first. Every participant
    is kept whatever its kind (a country typed only as a place still funds), as `kg query donors` lists it.
    """
    entities, relations, _ = read or _read(as_graph(data), results=False)
    net = nx.MultiDiGraph(name="partnerships")
    _add_edges(net, [r for r in relations if r.kind in org_edge_kinds()], entities, lambda r, a, b: True)
    return net


def build_sdg_network(data: Dataset | Graph, read: Read | None = None) -> nx.MultiDiGraph:
    """Every outcome and the SDGs it serves (edge weight rk:weight, stated or inferred), plus the SDGs the reports name."""
    entities, relations, _ = read or _read(as_graph(data), results=False)
    net = nx.MultiDiGraph(name="outcomes-sdgs")
    for e in entities.values():
        if e.kind == "outcome" or (e.kind == "sdg" and e.mentions):
            net.add_node(e.iri, **_node_attrs(e))
    _add_edges(net, [r for r in relations if r.kind == "sdg"], entities, lambda r, a, b: True)
    for n, d in net.nodes(data=True):
        e = entities[n]
        if e.goal is not None:
            d.update(goal=e.goal, short_title=e.short_title or "")
    return net


@lru_cache(maxsize=4)
def load_centroids(path: Path | None = None) -> dict[str, tuple[float, float]]:
    """ISO 3166 code -> (lat, lon) reference position, from gazetteer/centroids.tsv."""
    path = Path(path) if path else data_path("gazetteer") / "centroids.tsv"
    out = {}
    for n, r in read_tsv(path, ("code", "lat", "lon"), NetworkError):
        try:
            out[r["code"]] = (float(r["lat"]), float(r["lon"]))
        except ValueError:
            raise NetworkError(f"{path}:{n}: lat {r['lat']!r} and lon {r['lon']!r} must be numbers; fix that line") from None
    return out


def build_places_network(data: Dataset | Graph, centroids: dict[str, tuple[float, float]] | None = None,
                         read: Read | None = None) -> nx.MultiDiGraph:
    """Places where the reports act (regions, focus countries, places of activities and results) and who acts there.

    Place nodes carry lat/lon from the reference positions when known, and `activity`: mentions, activities and
    results in that place; organisation nodes link to the places of their activities.
    """
    g = as_graph(data)
    entities, rels, results = read or _read(g)
    centroids = load_centroids() if centroids is None else centroids
    # regions, and every place below a country the reports name (towns, localities); countries only as focus
    # countries or as the country a place lies in, not each donor country
    wanted = {e.iri for e in entities.values() if e.kind == "region" or (e.kind in place_kinds() and e.kind != "country" and e.mentions)}
    wanted |= {str(p) for p in g.objects(None, DCTERMS.spatial)}
    wanted |= {p for r in rels if r.kind == "activity" for p in r.places}
    wanted |= {p for r in results for p in r.places}
    # and every place they lie in, up to the country (a town's region and country)
    todo = [p for p in wanted if p in entities]
    while todo:
        up = entities[todo.pop()].container
        if up in entities and up not in wanted:
            wanted.add(up)
            todo.append(up)
    wanted &= set(entities)
    net = nx.MultiDiGraph(name="places")
    for p in sorted(wanted):
        e = entities[p]
        attrs = _node_attrs(e)
        lat, lon = g.value(URIRef(p), SCHEMA.latitude), g.value(URIRef(p), SCHEMA.longitude)
        if lat is not None and lon is not None:
            attrs["lat"], attrs["lon"] = float(lat), float(lon)
        elif e.code in centroids:
            attrs["lat"], attrs["lon"] = centroids[e.code]
        attrs["country"] = _country_code(e, entities)
        attrs["level"] = "country" if e.code == attrs["country"] else e.kind
        attrs["results"] = [" ".join(x for x in (r.value, r.unit, r.what) if x) for r in results if p in r.places]
        attrs["activities"] = 0
        net.add_node(p, **attrs)
    _add_edges(net, [r for r in rels if r.kind == "activity"], entities, lambda r, a, b: b.iri in wanted)
    for p in wanted:
        d = net.nodes[p]
        d["activities"] = sum(1 for _, _, k in net.in_edges(p, keys=True) if k == "activity")
        d["organisations"] = sorted(entities[o].label for o, _ in net.in_edges(p))
        d["activity"] = d["mentions"] + d["activities"] + len(d["results"])
    return net


def _country_code(e: Entity, entities: dict[str, Entity]) -> str:
    """The ISO 3166-1 code of the country a place lies in (its own for a country), following
    schema:containedInPlace upwards; a container the graph does not describe still names its country by its
    ISO 3166-2 code (a department HT-NE lies in HT). Empty when there is none (a supranational region)."""
    seen = set()
    while e.iri not in seen:
        seen.add(e.iri)
        if e.kind == "country" or (e.code and re.fullmatch(r"[A-Z]{2}", e.code)):
            return e.code or ""
        if not e.container:
            return ""
        if e.container not in entities:
            code = re.match(r"([A-Z]{2})-", e.container.rsplit("/", 1)[-1])
            return code.group(1) if code else ""
        e = entities[e.container]
    return ""


def build_entity_network(data: Dataset | Graph, read: Read | None = None) -> nx.MultiDiGraph:
    """Every entity that takes part in a relation, with every relation as an edge (for neighbourhoods)."""
    entities, relations, _ = read or _read(as_graph(data), results=False)
    net = nx.MultiDiGraph(name="entities")
    _add_edges(net, relations, entities, lambda r, a, b: True)
    return net


def build_neighbourhood(network: nx.MultiDiGraph, iri: str, entities: dict[str, Entity], radius: int = 1) -> nx.MultiDiGraph:
    """The entity and everything within `radius` relation steps of it (in either direction)."""
    if iri not in network:
        sub = nx.MultiDiGraph()
        if iri in entities:
            sub.add_node(iri, **_node_attrs(entities[iri]))
        return sub
    near = nx.ego_graph(network.to_undirected(as_view=True), iri, radius=radius)
    return network.subgraph(near.nodes).copy()


def clean_for_export(net: nx.Graph) -> nx.Graph:
    """A copy whose attribute values GraphML and GEXF accept: scalars only, lists joined, XML-illegal characters removed."""

    def clean(v):
        if isinstance(v, bool) or isinstance(v, (int, float)):
            return v
        if isinstance(v, Evidence):
            return clean(f"[{v.report}] {v.text}")
        if isinstance(v, (list, tuple, set, frozenset)):
            return " | ".join(str(clean(x)) for x in v)
        return _XML_BAD.sub(" ", str(v))

    out = net.__class__()
    out.graph.update({k: clean(v) for k, v in net.graph.items()})
    for n, d in net.nodes(data=True):
        out.add_node(clean(n), **{k: clean(v) for k, v in d.items() if v is not None})
    if net.is_multigraph():
        for a, b, key, d in net.edges(keys=True, data=True):
            out.add_edge(clean(a), clean(b), key=clean(key), **{k: clean(v) for k, v in d.items() if v is not None})
    else:
        for a, b, d in net.edges(data=True):
            out.add_edge(clean(a), clean(b), **{k: clean(v) for k, v in d.items() if v is not None})
    return out


def write_graphml(net: nx.Graph, path: Path) -> Path:
    nx.write_graphml(clean_for_export(net), path)
    return Path(path)


def write_gexf(net: nx.Graph, path: Path) -> Path:
    nx.write_gexf(clean_for_export(net), path)
    return Path(path)
