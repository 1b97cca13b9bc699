"""Turn the RDF dataset into a static site that works offline: index, network pages, report text, one page per entity."""
from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS

from extract.resources import data_path
from kg.graph import OA, SCHEMA
from kg.namespace import RK
from kg.networks import (
    Entity, Evidence, Relation, Result, as_graph, build_entity_network, build_neighbourhood, build_partnership_network,
    build_places_network, build_sdg_network, layout_places, load_entities, load_relations, load_results,
    organisation_kinds, write_gexf, write_graphml,
)

ASSETS = Path(__file__).resolve().parent / "assets"
VIS_FILES = ("vis-network/vis-network.min.js", "vis-network/vis-network.css")
OWN_FILES = ("reportkg.js", "reportkg.css")
NAV = (("index.html", "Overview"), ("partnerships.html", "Partnerships"), ("outcomes-sdgs.html", "Outcomes & SDGs"),
       ("places.html", "Places"), ("report.html", "Report text"))
EDGE_STYLE = {  # kind -> (colour, dashes, arrow, legend)
    "partnership": ("#457b9d", False, "", "partnership"),
    "funding": ("#2a9d8f", False, "to", "funding (donor → recipient)"),
    "agreement": ("#6d597a", [8, 4], "", "agreement"),
    "membership": ("#8d99ae", [2, 4], "to", "membership (member → body)"),
    "procurement": ("#e76f51", [6, 3, 2, 3], "to", "procurement"),
    "activity": ("#b0b0b0", False, "to", "works in"),
    "sdg": ("#555555", False, "to", "serves SDG"),
    "theme-sdg": ("#999999", [4, 4], "to", "theme serves SDG"),
}
# how a relation reads from either end, for entity pages
RELATION_WORDS = {
    "partnership": ("partners with", "partners with"),
    "agreement": ("agreement with", "agreement with"),
    "funding": ("funds", "funded by"),
    "membership": ("member of", "has member"),
    "procurement": ("procures through", "supplies"),
    "activity": ("works in", "place of work of"),
    "sdg": ("contributes to", "served by"),
    "theme-sdg": ("serves", "served by theme"),
}
MAX_MENTIONS = 40


class PageError(OSError):
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


@lru_cache(maxsize=1)
def load_kind_colours() -> dict[str, str]:
    with (ASSETS / "kind-colours.tsv").open(encoding="utf-8") as f:
        return {r["kind"]: r["colour"] for r in csv.DictReader(f, delimiter="\t")}


@lru_cache(maxsize=1)
def load_sdg_colours() -> dict[int, str]:
    """SDG goal number -> official colour, from ontology/sdg-colours.tsv."""
    path = data_path("ontology") / "sdg-colours.tsv"
    with path.open(encoding="utf-8") as f:
        return {int(r["goal"]): r["colour"] for r in csv.DictReader((x for x in f if not x.startswith("#")), delimiter="\t")}


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
    reports = []
    for rep in sorted(set(g.subjects(RDF.type, RK.Report)), key=str):
        slug = str(g.value(rep, DCTERMS.identifier) or str(rep).rsplit("/", 1)[-1])
        sentences = set(g.subjects(RK.inReport, rep)) & set(g.subjects(RDF.type, RK.Sentence))
        mentioned = {e.iri for e in entities.values() if slug in e.reports}
        rels = {r.iri for r in relations if slug in r.reports}
        publisher = g.value(rep, DCTERMS.publisher)
        if isinstance(publisher, URIRef):
            publisher = g.value(publisher, RDFS.label) or publisher
        reports.append(ReportInfo(str(rep), slug, str(g.value(rep, RDFS.label) or slug), str(g.value(rep, DCTERMS.source) or ""),
                                  _anchor("r", slug), len(sentences), len(mentioned), len(rels),
                                  publisher=str(publisher or ""), year=str(g.value(rep, DCTERMS.temporal) or ""),
                                  url=str(g.value(rep, SCHEMA.url) or "")))
    return Site(g, entities, relations, results, reports, load_kind_colours(), load_sdg_colours(), evidence_of)


def render_graph_json(nodes: list[dict], edges: list[dict], options: dict | None = None, empty: str | None = None) -> str:
    """Graph data for a <script type="application/json"> block: `<`, `>` and `&` escaped so no text can close it."""
    text = json.dumps({"nodes": nodes, "edges": edges, "options": options or {}, "empty": empty}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _ev(evidence: list[Evidence], root: str = "") -> list[dict]:
    return [{"text": e.text, "report": e.report, "href": f"{root}report.html#{sentence_anchor(e)}"} for e in evidence]


def _node(site: Site, iri: str, d: dict, root: str, lines: list[str] | None = None) -> dict:
    e = site.entities[iri]
    colour = site.kind_colours.get(e.kind, "#999999")
    node = {"id": iri, "label": e.label, "href": entity_href(iri, root), "reports": e.reports, "kind": e.kind,
            "shape": "dot", "size": 10 + 4 * math.sqrt(max(e.mentions, 1)),
            "color": {"background": colour, "border": "#333333", "highlight": {"background": colour, "border": "#000000"}},
            "tip": {"title": e.label, "kind": e.kind_label, "lines": (lines or []) + [f"{e.mentions} mentions"]}}
    if e.kind == "sdg" and e.goal in site.sdg_colours:
        c = site.sdg_colours[e.goal]
        node.update(shape="box", label=f"{e.goal}\n{e.short_title or e.label}", margin=10,
                    color={"background": c, "border": c, "highlight": {"background": c, "border": "#000000"}},
                    font={"color": "#ffffff", "size": 16, "bold": True}, widthConstraint={"maximum": 170})
    elif e.kind == "outcome":
        node.update(shape="box", widthConstraint={"maximum": 220}, margin=8)
    return node


def _edges(site: Site, net: nx.MultiDiGraph, root: str) -> list[dict]:
    out = []
    for i, (a, b, kind, d) in enumerate(sorted(net.edges(keys=True, data=True), key=lambda x: (x[2], x[0], x[1]))):
        colour, dashes, arrow, legend = EDGE_STYLE.get(kind, ("#999999", False, "", kind))
        n_ev = d.get("evidence_count", 0)
        width = min(1 + 1.6 * math.log2(1 + n_ev), 10)
        lines = []
        if d.get("themes"):
            lines.append("theme: " + ", ".join(d["themes"]))
        lines += d.get("amounts", []) + d.get("descriptions", [])
        if "weight" in d:
            width = 1 + 9 * float(d["weight"])
            lines.append(f"weight {float(d['weight']):.2f}")
        if "stated" in d:
            lines.append("stated in the report" if d["stated"] else "inferred from the theme-to-SDG mapping")
            if not d["stated"]:
                dashes = [6, 6]
        lines.append(f"{n_ev} evidence sentence{'s' if n_ev != 1 else ''}")
        la, lb = site.entities[a].label, site.entities[b].label
        out.append({"id": f"e{i}", "from": a, "to": b, "kind": kind, "width": round(width, 2), "dashes": dashes,
                    "arrows": arrow, "color": {"color": colour, "highlight": "#000000", "hover": "#000000"},
                    "themes": d.get("themes", []), "reports": d.get("reports", []),
                    "tip": {"title": f"{la} – {lb}", "kind": legend, "lines": lines, "evidence": _ev(d.get("evidence", []))}})
    return out


@lru_cache(maxsize=1)
def _templates():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ASSETS / "templates")), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


def _render(template: str, **context) -> str:
    context.setdefault("root", "")
    context.setdefault("nav", NAV)
    return _templates().get_template(template).render(**context)


def _kind_legend(site: Site, kinds) -> list[dict]:
    from kg.networks import _ontology_kinds

    labels = _ontology_kinds()[1]
    return [{"label": labels.get(k, k), "colour": site.kind_colours.get(k, "#999999"), "line": None} for k in kinds]


def _edge_legend(kinds) -> list[dict]:
    out = []
    for k in kinds:
        colour, dashes, _, legend = EDGE_STYLE[k]
        out.append({"label": legend, "colour": colour, "line": "dashed" if dashes else "solid"})
    return out


def _report_filter(site: Site) -> list[dict]:
    return [{"slug": r.slug, "title": r.title} for r in site.reports] if len(site.reports) > 1 else []


def render_partnerships(site: Site, net: nx.MultiDiGraph) -> str:
    nodes = [_node(site, n, d, "") for n, d in sorted(net.nodes(data=True))]
    edges = _edges(site, net, "")
    order = [k for k in site.kind_colours if k in organisation_kinds()]
    present = {site.entities[n].kind for n in net}
    return _render(
        "network.html", page="partnerships", title="Partnerships", heading="Partnerships and funding",
        intro="Organisations (coloured by kind) linked by the partnerships, funding, agreements and memberships the "
              "reports state. Link width grows with the number of evidence sentences.",
        themes=sorted({t for e in edges for t in e["themes"]}), report_filter=_report_filter(site),
        legend=_kind_legend(site, [k for k in order if k in present] or order) + _edge_legend(
            [k for k in ("partnership", "funding", "agreement", "membership", "procurement")]),
        count_nodes=len(nodes), count_edges=len(edges), notes=None,
        graph=render_graph_json(nodes, edges, empty="No partnership or funding relations in this graph yet."))


def render_outcomes_sdgs(site: Site, net: nx.MultiDiGraph) -> str:
    nodes = []
    for n, d in sorted(net.nodes(data=True), key=lambda x: (site.entities[x[0]].kind, site.entities[x[0]].goal or 0, x[0])):
        lines = []
        if site.entities[n].kind == "outcome":
            sdgs = [site.entities[b] for _, b in net.out_edges(n)]
            lines.append("serves " + ", ".join(f"SDG {s.goal}" for s in sorted(sdgs, key=lambda s: s.goal or 0)) if sdgs else "no SDG link found")
        nodes.append(_node(site, n, d, "", lines))
    # a bipartite picture reads best as two columns: outcomes (by report) on the left, SDGs by goal on the right
    left = [n for n in nodes if site.entities[n["id"]].kind != "sdg"]
    right = [n for n in nodes if site.entities[n["id"]].kind == "sdg"]
    left.sort(key=lambda n: (site.entities[n["id"]].reports, n["label"]))
    height = max(len(left), len(right), 1) * 80
    for column, x in ((left, 0), (right, 650)):
        step = height / max(len(column), 1)
        for i, n in enumerate(column):
            n.update(x=x, y=round((i + 0.5) * step, 1), fixed={"x": True, "y": True}, physics=False)
    edges = _edges(site, net, "")
    for e in edges:
        e["smooth"] = {"type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.4}
    legend = [{"label": f"SDG {g}", "colour": c, "line": None} for g, c in sorted(site.sdg_colours.items())
              if any(site.entities[n].goal == g for n in net)]
    legend += [{"label": "outcome", "colour": site.kind_colours["outcome"], "line": None},
               {"label": "stated by the report", "colour": "#555555", "line": "solid"},
               {"label": "inferred (theme mapping)", "colour": "#555555", "line": "dashed"}]
    return _render(
        "network.html", page="outcomes-sdgs", title="Outcomes and SDGs", heading="Outcomes and the SDGs they serve",
        intro="Each outcome of each report, linked to the Sustainable Development Goals its text serves. Link width is the "
              "outcome-to-SDG weight (share of the outcome's text); dashed links are inferred from themes, solid ones "
              "are stated by the report.",
        themes=[], report_filter=_report_filter(site), legend=legend, count_nodes=len(nodes), count_edges=len(edges),
        notes=None, graph=render_graph_json(nodes, edges, options={"physics": {"enabled": False}}))


def render_places(site: Site, net: nx.MultiDiGraph) -> str:
    pos = layout_places(net)
    # places with no reference position go in a row under the map, so none sits on a wrong spot
    unplaced = sorted((n for n, d in net.nodes(data=True) if n not in pos and site.entities[n].kind not in organisation_kinds()),
                      key=lambda n: site.entities[n].label)
    if unplaced:
        bottom = max((y for _, y in pos.values()), default=0) + 180
        left = min((x for x, _ in pos.values()), default=0)
        pos.update({n: (left + 160 * i, bottom) for i, n in enumerate(unplaced)})
    nodes = []
    for n, d in sorted(net.nodes(data=True)):
        e = site.entities[n]
        if e.kind in organisation_kinds() and n not in pos:
            nodes.append(_node(site, n, d, ""))
            continue
        lines = [f"activity: {d.get('mentions', 0)} mentions, {d.get('activities', 0)} activities, {len(d.get('results', []))} results"]
        if d.get("organisations"):
            lines.append("organisations: " + ", ".join(d["organisations"]))
        lines += [f"result: {r}" for r in d.get("results", [])[:12]]
        node = _node(site, n, d, "", lines)
        node["size"] = 8 + 5 * math.sqrt(max(d.get("activity", 1), 1))
        node["tip"]["lines"] = lines
        if n in pos:
            x, y = pos[n]
            node.update(x=round(x, 1), y=round(y, 1), fixed={"x": True, "y": True}, physics=False)
            if d.get("level") != "region":
                node.update(shape="box", font={"size": 20, "bold": True}, size=20)
        nodes.append(node)
    edges = _edges(site, net, "")
    kinds = sorted({site.entities[n].kind for n in net}, key=lambda k: list(site.kind_colours).index(k) if k in site.kind_colours else 99)
    unplaced = [site.entities[n].label for n in unplaced]
    return _render(
        "network.html", page="places", title="Places", heading="Where the work happens",
        intro="Regions at their real positions (one panel per country, west to east), sized by activity: mentions, "
              "activities and results there. Organisations link to the places they work in; hover a place for its results.",
        themes=[], report_filter=_report_filter(site), legend=_kind_legend(site, kinds) + _edge_legend(["activity"]),
        count_nodes=len(nodes), count_edges=len(edges),
        notes=("Shown in the bottom row, with no reference position: " + ", ".join(unplaced) + " (add them to gazetteer/centroids.tsv).") if unplaced else None,
        graph=render_graph_json(nodes, edges, options={"physics": {"solver": "barnesHut", "barnesHut": {
            "gravitationalConstant": -3000, "springLength": 80, "avoidOverlap": 0.3},
            "stabilization": {"enabled": True, "iterations": 300, "fit": True}}}))


def _sentence_parts(text: str, mentions: list[tuple[int, str, dict]]) -> list[tuple[str, dict | None]]:
    """Split a sentence into plain text and mention spans; `mentions` are (expected offset, surface text, link)."""
    spans = []
    for expected, surface, link in sorted(mentions, key=lambda m: m[0]):
        hits = [m.start() for m in re.finditer(re.escape(surface), text)] if surface else []
        if not hits:
            continue
        start = min(hits, key=lambda h: abs(h - expected))
        spans.append((start, start + len(surface), link))
    parts, pos = [], 0
    for start, end, link in sorted(spans):
        if start < pos:
            continue
        if start > pos:
            parts.append((text[pos:start], None))
        parts.append((text[start:end], link))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts


def render_report(site: Site) -> str:
    g = site.graph
    mentions_of: dict = {}
    for m in g.subjects(RDF.type, RK.Mention):
        s, e = g.value(m, RK.inSentence), g.value(m, RK.denotes)
        if s is not None and e is not None and str(e) in site.entities:
            mentions_of.setdefault(s, []).append((int(g.value(m, OA.start) or 0), str(g.value(m, OA.exact) or ""), str(e)))
    reports = []
    for rep in site.reports:
        sections: dict = {}
        for s in set(g.subjects(RK.inReport, _iri(rep.iri))) & set(g.subjects(RDF.type, RK.Sentence)):
            sec = g.value(s, RK.inSection)
            start = int(g.value(s, OA.start) or 0)
            text = str(g.value(s, OA.exact) or "")
            ms = []
            for m_start, surface, e in mentions_of.get(s, []):
                ent = site.entities[e]
                colour = site.sdg_colours.get(ent.goal) if ent.kind == "sdg" else None
                ms.append((m_start - start, surface, {"href": entity_href(e), "label": ent.label, "kind": ent.kind_label,
                                                      "colour": colour or site.kind_colours.get(ent.kind, "#999999")}))
            rels = site.evidence_of.get(str(s), [])
            evidence = "; ".join(sorted({f"{r.kind}: " + ", ".join(sorted({site.entities[x].label for p in r.pairs for x in p if x in site.entities}))
                                         for r in rels}))
            key = (int(g.value(sec, RK.sectionIndex) or 0), str(g.value(sec, RDFS.label) or "")) if sec is not None else (-1, "")
            sections.setdefault(key, []).append((start, {"anchor": sentence_anchor(str(s)), "evidence": evidence,
                                                         "parts": _sentence_parts(text, ms)}))
        reports.append({"title": rep.title, "anchor": rep.anchor,
                        "sections": [{"title": title, "sentences": [x for _, x in sorted(ss, key=lambda x: x[0])]}
                                     for (_, title), ss in sorted(sections.items())]})
    kinds = sorted({e.kind for e in site.entities.values()}, key=lambda k: list(site.kind_colours).index(k) if k in site.kind_colours else 99)
    return _render("report.html", page="report", title="Report text", reports=reports, legend=_kind_legend(site, kinds))


def _iri(s: str) -> URIRef:
    return URIRef(s)


def render_index(site: Site, counts: dict, conformance=None) -> str:
    kinds = Counter(e.kind for e in site.entities.values() if e.mentions)
    from kg.networks import _ontology_kinds

    labels = _ontology_kinds()[1]
    rows = []
    for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        top = sorted((e for e in site.entities.values() if e.kind == kind and e.mentions), key=lambda e: (-e.mentions, e.label))[:6]
        rows.append({"label": labels.get(kind, kind), "count": n, "colour": site.kind_colours.get(kind, "#999999"),
                     "examples": [{"label": e.label, "href": entity_href(e.iri)} for e in top]})
    return _render("index.html", page="index", title="Overview", reports=site.reports, shacl=conformance,
                   triples=len(site.graph), counts=counts, kinds=rows)


def _links(e: Entity) -> list[tuple[str, str, str]]:
    links = []
    if e.wikidata:
        links.append(("Wikidata", f"https://www.wikidata.org/wiki/{e.wikidata}", e.wikidata))
    if e.goal is not None:
        links.append(("UN SDG page", f"https://sdgs.un.org/goals/goal{e.goal}", f"sdgs.un.org/goals/goal{e.goal}"))
        links.append(("UN SDG identifier", e.iri, e.iri))
    return links


def render_entity(site: Site, iri: str, network: nx.MultiDiGraph) -> str:
    root = "../"
    e = site.entities[iri]
    relations = []
    for r in site.relations:
        sides = [(a, b) for a, b in r.pairs if iri in (a, b)]
        if not sides and iri not in r.places:
            continue
        outgoing = any(a == iri for a, _ in sides)
        words = RELATION_WORDS.get(r.kind, (r.kind, r.kind))
        others = sorted({x for a, b in sides for x in (a, b) if x != iri and x in site.entities})
        places = [p for p in r.places if p != iri and p in site.entities and p not in others]
        relations.append({
            "kind": words[0] if outgoing or not sides else words[1],
            "others": [{"label": site.entities[o].label, "href": entity_href(o, root)} for o in others],
            "places": [{"label": site.entities[p].label, "href": entity_href(p, root)} for p in places],
            "theme": r.theme, "weight": r.weight, "stated": r.stated, "amount": r.amount, "description": r.description,
            "evidence": _ev(r.evidence, root)})
    results = [{"value": r.value, "unit": r.unit, "what": r.what, "evidence": _ev(r.evidence, root)}
               for r in site.results if iri in r.places or iri == r.outcome or iri in r.sdgs]
    g = site.graph
    mentions = sorted((Evidence(str(s), str(g.value(s, OA.exact) or ""), _slug_of(site, s), int(g.value(s, OA.start) or 0))
                       for s in g.objects(_iri(iri), RK.mentionedIn)), key=lambda x: (x.report, x.start))
    hood = build_neighbourhood(network, iri, site.entities)
    nodes = [_node(site, n, d, root) for n, d in sorted(hood.nodes(data=True))]
    for n in nodes:
        if n["id"] == iri:
            n["borderWidth"] = 4
    container = site.entities.get(e.container) if e.container else None
    contains = sorted((x for x in site.entities.values() if x.container == iri), key=lambda x: x.label)
    return _render(
        "entity.html", page="entity", root=root, title=e.label, e=e, links=_links(e), relations=relations,
        results=results, mentions=_ev(mentions[:MAX_MENTIONS], root), mentions_more=max(0, len(mentions) - MAX_MENTIONS),
        container={"label": container.label, "href": entity_href(container.iri, root)} if container else None,
        contains=[{"label": c.label, "href": entity_href(c.iri, root)} for c in contains],
        graph=render_graph_json(nodes, _edges(site, hood, root), options={"layout": {"randomSeed": 5}}))


def _slug_of(site: Site, sentence) -> str:
    rep = site.graph.value(sentence, RK.inReport)
    return next((r.slug for r in site.reports if r.iri == str(rep)), "")


def render_search_index(site: Site) -> str:
    """assets/search-index.js: every entity's names, kind and page, as JSON assigned to window.REPORTKG_INDEX."""
    items = [{"n": e.label, "a": [a for a in e.alt_labels if a != e.label] + [c for c in e.notations if c != e.label],
              "k": e.kind_label, "h": entity_href(e.iri)} for e in sorted(site.entities.values(), key=lambda e: (-e.mentions, e.label))]
    text = json.dumps(items, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return "window.REPORTKG_INDEX = " + text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + ";\n"


def write_pages(data: Dataset | Graph, out_dir: Path, conformance=None) -> list[Path]:
    """Write the site into out_dir: index, partnerships, outcomes-sdgs, places, report, entity/*.html, assets, exports.

    `conformance` (kg.validate.Conformance) shows the SHACL status on the index; without it the index says it was not run.
    """
    out = Path(out_dir)
    site = build_site(data)
    partnerships = build_partnership_network(site.graph)
    sdgs = build_sdg_network(site.graph)
    places = build_places_network(site.graph)
    everything = build_entity_network(site.graph)
    counts = {name: {"nodes": n.number_of_nodes(), "edges": n.number_of_edges()}
              for name, n in (("partnerships", partnerships), ("sdgs", sdgs), ("places", places))}
    written: list[Path] = []
    try:
        (out / "assets").mkdir(parents=True, exist_ok=True)
        (out / "entity").mkdir(exist_ok=True)
        for name in VIS_FILES + OWN_FILES:
            written.append(Path(shutil.copyfile(ASSETS / name, out / "assets" / Path(name).name)))

        def put(rel: str, text: str) -> None:
            path = (out / rel).resolve()
            if out.resolve() not in path.parents:
                raise PageError(f"{path}: page would be written outside {out}; this is a bug in the page names")
            path.write_text(text, encoding="utf-8")
            written.append(path)

        put("assets/search-index.js", render_search_index(site))
        put("index.html", render_index(site, counts, conformance))
        put("partnerships.html", render_partnerships(site, partnerships))
        put("outcomes-sdgs.html", render_outcomes_sdgs(site, sdgs))
        put("places.html", render_places(site, places))
        put("report.html", render_report(site))
        for iri in sorted(site.entities):
            put(f"entity/{entity_filename(iri)}", render_entity(site, iri, everything))
        written.append(write_graphml(partnerships, out / "partnerships.graphml"))
        written.append(write_gexf(partnerships, out / "partnerships.gexf"))
    except OSError as exc:
        if isinstance(exc, PageError):
            raise
        raise PageError(f"{out}: cannot write the pages ({exc.strerror or exc}); choose another --out") from None
    return written
