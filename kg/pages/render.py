"""Turn the site's data into HTML: the index, the network pages, the report text and one page per entity."""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache

import networkx as nx
from rdflib import RDF, RDFS, URIRef

from extract.kinds import load_relation_kinds, programme_kinds
from kg.namespace import OA, RK
from kg.ontology import ontology_kinds, organisation_kinds
from kg.pages.networks import Entity, Evidence, build_neighbourhood, org_edge_kinds
from kg.pages.site import ASSETS, Site, entity_href, sentence_anchor

WORLD_ATLAS = "world-atlas/countries-50m.json"     # Natural Earth 1:50m country outlines (TopoJSON)
NEIGHBOURS_DRAWN = 12                               # the entity page's small graph; the list beside it has them all
NAV = (("index.html", "Overview"), ("partnerships.html", "Partnerships"), ("outcomes-sdgs.html", "Outcomes & SDGs"),
       ("places.html", "Places"), ("report.html", "Report text"))
EDGE_STYLE = {  # kind -> (colour, dashes, arrow, legend)
    "partnership": ("#457b9d", False, "", "partnership"),
    "funding": ("#2a9d8f", False, "to", "funding (donor → recipient)"),
    "agreement": ("#6d597a", [8, 4], "", "agreement"),
    "membership": ("#8d99ae", [2, 4], "to", "membership (member → body)"),
    "procurement": ("#e76f51", [6, 3, 2, 3], "to", "procurement"),
    "implementation": ("#5a9e4b", [10, 4], "to", "implements (organisation → programme)"),
    "programme-sdg": ("#7fbf7b", False, "to", "programme serves SDG"),
    "activity": ("#b0b0b0", False, "to", "works in"),
    "sdg": ("#555555", False, "to", "serves SDG"),
    "theme-sdg": ("#999999", [4, 4], "to", "theme serves SDG"),
}
# how an SDG link reads from either end, for entity pages (a relation kind's words are its class's, in the ontology)
SDG_LINK_WORDS = {
    "programme-sdg": ("serves", "served by programme"),
    "sdg": ("contributes to", "served by"),
    "theme-sdg": ("serves", "served by theme"),
}
MAX_MENTIONS = 40


@lru_cache(maxsize=1)
def relation_words() -> dict[str, tuple[str, str]]:
    """Edge kind -> how it reads from its subject's end and from its object's end (rk:forwardLabel, rk:backwardLabel)."""
    return {**{code: (k.forward, k.backward) for code, k in load_relation_kinds().items()}, **SDG_LINK_WORDS}


def _edge_style(kind: str) -> tuple:
    """(colour, dashes, arrow, legend) of an edge kind; a relation kind the pages have no style for is drawn grey,
    with an arrow unless its shortcut is symmetric, and named by its class's label."""
    if kind in EDGE_STYLE:
        return EDGE_STYLE[kind]
    rk = load_relation_kinds().get(kind)
    return ("#999999", False, "" if rk is None or rk.symmetric else "to", rk.label.lower() if rk else kind)


def render_graph_json(nodes: list[dict], edges: list[dict], options: dict | None = None, empty: str | None = None) -> str:
    """Graph data for a <script type="application/json"> block: `<`, `>` and `&` escaped so no text can close it."""
    return _json_block({"nodes": nodes, "edges": edges, "options": options or {}, "empty": empty})


def _json_block(obj) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _ev(evidence: list[Evidence], root: str = "") -> list[dict]:
    return [{"text": e.text, "report": e.report, "href": f"{root}report.html#{sentence_anchor(e)}"} for e in evidence]


def _node(site: Site, iri: str, d: dict, root: str, lines: list[str] | None = None) -> dict:
    e = site.entities[iri]
    colour = site.kind_colours.get(e.kind, "#999999")
    node = {"id": iri, "label": e.label, "href": entity_href(iri, root), "reports": e.reports, "kind": e.kind,
            "programme": e.kind in programme_kinds(),
            "shape": "dot", "size": 10 + 4 * math.sqrt(max(e.mentions, 1)),
            "color": {"background": colour, "border": "#333333", "highlight": {"background": colour, "border": "#000000"}},
            "tip": {"title": e.label, "kind": e.kind_label, "lines": (lines or []) + [f"{e.mentions} mentions"]}}
    if e.kind == "sdg" and e.goal in site.sdg_colours:
        c = site.sdg_colours[e.goal]
        node.update(shape="box", label=f"{e.goal}\n{e.short_title or e.label}", margin=10,
                    color={"background": c, "border": c, "highlight": {"background": c, "border": "#000000"}},
                    font={"color": "#ffffff", "size": 16, "bold": True, "strokeWidth": 0}, widthConstraint={"maximum": 170})
    elif e.kind == "outcome":
        # a label inside its box needs no halo
        node.update(shape="box", widthConstraint={"maximum": 220}, margin=8, font={"strokeWidth": 0})
    return node


def _edges(site: Site, net: nx.MultiDiGraph, root: str) -> list[dict]:
    out = []
    for i, (a, b, kind, d) in enumerate(sorted(net.edges(keys=True, data=True), key=lambda x: (x[2], x[0], x[1]))):
        colour, dashes, arrow, legend = _edge_style(kind)
        n_ev = d.get("evidence_count", 0)
        width = min(1 + 1.6 * math.log2(1 + n_ev), 10)
        lines = []
        if d.get("themes"):
            lines.append("theme: " + ", ".join(d["themes"]))
        # descriptions are the evidence sentences shortened: the tooltip shows each sentence once, in full
        lines += d.get("amounts", [])
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
    labels = ontology_kinds()[1]
    return [{"label": labels.get(k, k), "colour": site.kind_colours.get(k, "#999999"), "line": None} for k in kinds]


def _edge_legend(kinds) -> list[dict]:
    out = []
    for k in kinds:
        colour, dashes, _, legend = _edge_style(k)
        out.append({"label": legend, "colour": colour, "line": "dashed" if dashes else "solid"})
    return out


def _report_filter(site: Site) -> list[dict]:
    return [{"slug": r.slug, "title": r.title} for r in site.reports] if len(site.reports) > 1 else []


def _side_list(site: Site, net: nx.MultiDiGraph) -> list[dict]:
    """Every node of a network by name, with its kind and number of links: the list beside the picture."""
    und = net.to_undirected(as_view=True)
    items = []
    for n in net:
        e = site.entities[n]
        items.append({"id": n, "label": e.label, "name": " ".join([e.label] + e.alt_labels).lower(), "kind": e.kind_label,
                      "colour": site.kind_colours.get(e.kind, "#999999"), "href": entity_href(n),
                      "links": len(set(und.neighbors(n)) - {n})})
    return sorted(items, key=lambda i: (i["label"].lower(), i["id"]))


def render_partnerships(site: Site, net: nx.MultiDiGraph) -> str:
    nodes = [_node(site, n, d, "") for n, d in sorted(net.nodes(data=True))]
    edges = _edges(site, net, "")
    order = [k for k in site.kind_colours if k in organisation_kinds()]
    present = {site.entities[n].kind for n in net}
    kinds = [k for k in site.kind_colours if k in present] + sorted(present - set(site.kind_colours))
    return _render(
        "network.html", page="partnerships", title="Partnerships", heading="Partnerships and funding",
        intro="Every organisation (coloured by kind) the reports link by a partnership, funding, agreement, membership or "
              "procurement, every programme, project or plan they fund or run, and every such link. Link width grows with the number of evidence sentences. The list "
              "beside the network names them all.",
        themes=sorted({t for e in edges for t in e["themes"]}), report_filter=_report_filter(site),
        legend=_kind_legend(site, kinds or order) + _edge_legend(
            [k for k in EDGE_STYLE if k in org_edge_kinds()] + sorted(org_edge_kinds() - set(EDGE_STYLE))),
        programme_toggle=bool(present & programme_kinds()),
        count_nodes=len(nodes), count_edges=len(edges), notes=None, side_list=_side_list(site, net), matrix=None,
        graph=render_graph_json(nodes, edges, empty="No partnership or funding relations in this graph yet."))


def _outcome_order(site: Site, iri: str) -> tuple:
    e = site.entities[iri]
    number = re.search(r"\d+", e.label)
    return (e.reports, int(number.group()) if number else 0, e.label, iri)


def _shade(colour: str, t: float) -> tuple[str, str]:
    """`colour` mixed with white (t = 0: white, 1: the colour), and the text colour that reads on it."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(255 + (c - 255) * t) for c in rgb]
    luminance = (0.2126 * mixed[0] + 0.7152 * mixed[1] + 0.0722 * mixed[2]) / 255
    return "#%02x%02x%02x" % tuple(mixed), ("#222222" if luminance > 0.55 else "#ffffff")


def _matrix(site: Site, net: nx.MultiDiGraph, edges: list[dict]) -> dict:
    """Outcomes (rows, by report) x SDGs (columns, by goal): one cell per outcome-SDG link, shaded by its weight."""
    edge_id = {(e["from"], e["to"]): e["id"] for e in edges}
    links = {(a, b): d for a, b, d in net.edges(data=True)}
    goals = sorted({b for _, b in links}, key=lambda b: (site.entities[b].goal or 0, b))
    top = max((float(d.get("weight", 0)) for d in links.values()), default=0) or 1.0
    titles = {r.slug: r.title for r in site.reports}
    groups: dict[str, list] = {}
    for o in sorted((n for n in net if site.entities[n].kind == "outcome"), key=lambda n: _outcome_order(site, n)):
        cells = []
        for sdg in goals:
            d = links.get((o, sdg))
            if d is None:
                cells.append(None)
                continue
            weight = float(d.get("weight", 0))
            background, ink = _shade(site.sdg_colours.get(site.entities[sdg].goal, "#555555"), 0.12 + 0.88 * weight / top)
            cells.append({"edge": edge_id[(o, sdg)], "sdg": sdg, "weight": weight, "text": f"{weight:.2f}",
                          "stated": bool(d.get("stated")), "background": background, "ink": ink})
        report = ", ".join(titles.get(r, r) for r in site.entities[o].reports) or "no report"
        groups.setdefault(report, []).append({"iri": o, "label": site.entities[o].label, "href": entity_href(o), "cells": cells,
                                              "reports": " ".join(site.entities[o].reports)})
    columns = [{"iri": g, "goal": site.entities[g].goal, "label": site.entities[g].label, "href": entity_href(g),
                "colour": site.sdg_colours.get(site.entities[g].goal, "#555555")} for g in goals]
    return {"columns": columns, "groups": [{"report": k, "rows": v} for k, v in groups.items()]}


def render_outcomes_sdgs(site: Site, net: nx.MultiDiGraph) -> str:
    nodes = []
    for n, d in sorted(net.nodes(data=True), key=lambda x: (site.entities[x[0]].kind, site.entities[x[0]].goal or 0, x[0])):
        lines = []
        if site.entities[n].kind == "outcome":
            sdgs = [site.entities[b] for _, b in net.out_edges(n)]
            lines.append("serves " + ", ".join(f"SDG {s.goal}" for s in sorted(sdgs, key=lambda s: s.goal or 0)) if sdgs else "no SDG link found")
        nodes.append(_node(site, n, d, "", lines))
    # a bipartite picture reads best as two columns: outcomes (by report) on the left, SDGs by goal on the right;
    # the page stacks each column by the boxes' drawn heights, so no box covers another
    left = sorted((n for n in nodes if site.entities[n["id"]].kind != "sdg"), key=lambda n: _outcome_order(site, n["id"]))
    right = [n for n in nodes if site.entities[n["id"]].kind == "sdg"]
    for column, (x, members) in enumerate(((0, left), (600, right))):
        for i, n in enumerate(members):
            n.update(x=x, y=i * 80, column=column, order=i, fixed={"x": True, "y": True}, physics=False)
            if site.entities[n["id"]].kind == "outcome":
                n["widthConstraint"] = {"minimum": 260, "maximum": 260}
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
        intro="Each outcome of each report and the Sustainable Development Goals its text serves, as a matrix and as a "
              "network. The weight is the outcome-to-SDG weight (share of the outcome's text): a darker cell, a wider "
              "link. Links the report states are solid; links inferred from themes are dashed.",
        themes=[], report_filter=_report_filter(site), legend=legend, count_nodes=len(nodes), count_edges=len(edges),
        notes=None, side_list=None, matrix=_matrix(site, net, edges),
        graph=render_graph_json(nodes, edges, options={"physics": {"enabled": False}}))


def _place_tip(site: Site, n: str, d: dict) -> dict:
    e = site.entities[n]
    lines = [f"{d.get('mentions', 0)} mentions, {d.get('activities', 0)} activities, {len(d.get('results', []))} results"]
    if d.get("organisations"):
        lines.append("organisations: " + ", ".join(d["organisations"]))
    results = d.get("results", [])
    lines += [f"result: {r}" for r in results[:8]] + ([f"… and {len(results) - 8} more results on its page"] if len(results) > 8 else [])
    return {"title": e.label, "kind": e.kind_label, "lines": lines}


def _numeric_code(alpha2: str) -> str | None:
    """ISO 3166-1 numeric code (world-atlas feature ids) of an alpha-2 code."""
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2) if alpha2 and len(alpha2) == 2 else None
    return country.numeric if country is not None else None


def render_places(site: Site, net: nx.MultiDiGraph) -> str:
    places = {n: d for n, d in net.nodes(data=True) if "level" in d}     # organisations are listed, not drawn
    panels: dict[str, dict] = {}
    others = []

    def row(n, d):
        org_iris = sorted({o for o, _ in net.in_edges(n)}, key=lambda o: site.entities[o].label)
        return {"iri": n, "label": site.entities[n].label, "href": entity_href(n), "kind": site.entities[n].kind_label,
                "mentions": d.get("mentions", 0), "activities": d.get("activities", 0), "results": len(d.get("results", [])),
                "organisations": [{"label": site.entities[o].label, "href": entity_href(o)} for o in org_iris],
                "located": "lat" in d}

    for n, d in sorted(places.items(), key=lambda x: (-x[1].get("activity", 0), site.entities[x[0]].label)):
        code = d.get("country") or ""
        numeric = _numeric_code(code)
        if not numeric:
            others.append(row(n, d))
            continue
        panel = panels.setdefault(code, {"code": code, "numeric": numeric, "label": code, "iri": None, "href": None,
                                         "tip": None, "rows": [], "markers": []})
        if site.entities[n].code == code:
            panel.update(label=site.entities[n].label, iri=n, href=entity_href(n), tip=_place_tip(site, n, d))
            panel["rows"].insert(0, row(n, d))
            continue
        panel["rows"].append(row(n, d))
        if "lat" in d:
            panel["markers"].append({"id": n, "label": site.entities[n].label, "lat": d["lat"], "lon": d["lon"],
                                     "href": entity_href(n), "r": round(4 + 2.2 * math.sqrt(max(d.get("activity", 1), 1)), 1),
                                     "tip": _place_tip(site, n, d)})
    for code, panel in panels.items():
        if panel["iri"] is None:
            panel["label"] = next((c.label for c in site.entities.values() if c.code == code), code)
    ordered = sorted(panels.values(), key=lambda p: (-sum(r["mentions"] + r["activities"] + r["results"] for r in p["rows"]), p["label"]))
    for p in ordered:
        p["small"] = not p["markers"] and len(p["rows"]) <= 1     # a country with no place inside it: an inset
    data = _json_block({"panels": [{k: p[k] for k in ("code", "numeric", "label", "href", "tip", "markers")} for p in ordered]})
    kinds = sorted({site.entities[n].kind for n in places}, key=lambda k: list(site.kind_colours).index(k) if k in site.kind_colours else 99)
    return _render(
        "places.html", page="places", title="Places", heading="Where the work happens",
        intro="One map per country the reports work in (Natural Earth outlines), with its regions at their positions, "
              "sized by activity (mentions, activities and results there). Beside each map, every place with the "
              "organisations that work there. Hover a place for its results; click it to open its page.",
        panels=[p for p in ordered if not p["small"]], insets=[p for p in ordered if p["small"]], others=others, legend=_kind_legend(site, kinds), count_places=len(places), map=data)


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
    labels = ontology_kinds()[1]
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
    for r in site.relations_of.get(iri, ()):
        sides = [(a, b) for a, b in r.pairs if iri in (a, b)]
        if not sides and iri not in r.places:
            continue
        outgoing = any(a == iri for a, _ in sides)
        words = relation_words().get(r.kind, (r.kind, r.kind))
        others = sorted({x for a, b in sides for x in (a, b) if x != iri and x in site.entities})
        places = [p for p in r.places if p != iri and p in site.entities and p not in others]
        relations.append({
            "kind": words[0] if outgoing or not sides else words[1],
            "others": [{"label": site.entities[o].label, "href": entity_href(o, root)} for o in others],
            "places": [{"label": site.entities[p].label, "href": entity_href(p, root)} for p in places],
            "theme": r.theme, "weight": r.weight, "stated": r.stated, "amount": r.amount, "description": r.description,
            "evidence": _ev(r.evidence, root)})
    results = [{"value": r.value, "unit": r.unit, "what": r.what, "evidence": _ev(r.evidence, root)}
               for r in site.results_of.get(iri, ()) if iri in r.places or iri == r.outcome or iri in r.sdgs]
    g = site.graph
    mentions = sorted((Evidence(str(s), str(g.value(s, OA.exact) or ""), _slug_of(site, s), int(g.value(s, OA.start) or 0))
                       for s in g.objects(_iri(iri), RK.mentionedIn)), key=lambda x: (x.report, x.start))
    hood = build_neighbourhood(network, iri, site.entities)
    near, drawn = _neighbours(site, hood, iri, root)
    small = hood.subgraph(drawn + [iri]).copy()
    nodes = [_node(site, n, d, root) for n, d in sorted(small.nodes(data=True))]
    # the entity in the middle, its nearest neighbours around it (fixed: no physics to tangle them)
    ring = max(160.0, 34.0 * len(drawn))
    angle = {n: 2 * math.pi * i / max(len(drawn), 1) for i, n in enumerate(drawn)}
    for n in nodes:
        x, y = (0.0, 0.0) if n["id"] == iri else (ring * math.cos(angle[n["id"]]), 0.6 * ring * math.sin(angle[n["id"]]))
        n.update(x=round(x, 1), y=round(y, 1), physics=False, fixed={"x": True, "y": True})
        if n["id"] == iri:
            n["borderWidth"] = 4
    edges = _edges(site, small, root)
    for ed in edges:
        ed["smooth"] = False
    container = site.entities.get(e.container) if e.container else None
    contains = sorted((x for x in site.entities.values() if x.container == iri), key=lambda x: x.label)
    return _render(
        "entity.html", page="entity", root=root, title=e.label, e=e, links=_links(e), relations=relations,
        results=results, mentions=_ev(mentions[:MAX_MENTIONS], root), mentions_more=max(0, len(mentions) - MAX_MENTIONS),
        container={"label": container.label, "href": entity_href(container.iri, root)} if container else None,
        contains=[{"label": c.label, "href": entity_href(c.iri, root)} for c in contains],
        neighbours=near, drawn=len(drawn), neighbour_count=hood.number_of_nodes() - 1,
        graph=render_graph_json(nodes, edges, options={"physics": {"enabled": False}}))


def _neighbours(site: Site, hood: nx.MultiDiGraph, iri: str, root: str) -> tuple[list[dict], list[str]]:
    """The entity's neighbours grouped by how they are related (all of them), and the few the small graph draws."""
    groups: dict[str, dict[str, int]] = {}
    weight: Counter = Counter()
    for a, b, kind, d in hood.edges(keys=True, data=True):
        if iri not in (a, b) or a == b:
            continue
        other = b if a == iri else a
        words = relation_words().get(kind, (kind, kind))
        word = words[0] if a == iri else words[1]
        groups.setdefault(word, {})[other] = groups.get(word, {}).get(other, 0) + d.get("evidence_count", 0)
        weight[other] += d.get("evidence_count", 0) + 1
    near = [{"relation": word, "entities": [{"label": site.entities[o].label, "href": entity_href(o, root),
                                             "colour": site.kind_colours.get(site.entities[o].kind, "#999999")}
                                            for o in sorted(members, key=lambda o: site.entities[o].label.lower())]}
            for word, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    # each way of being related gets its turn, the best-evidenced first, so one big group does not fill the picture
    queues = [sorted(members, key=lambda o: (-weight[o], site.entities[o].label)) for _, members in
              sorted(groups.items(), key=lambda kv: (-max(weight[o] for o in kv[1]), kv[0]))]
    drawn: list[str] = []
    while len(drawn) < NEIGHBOURS_DRAWN and any(queues):
        for q in queues:
            while q and q[0] in drawn:
                q.pop(0)
            if q and len(drawn) < NEIGHBOURS_DRAWN:
                drawn.append(q.pop(0))
    # around the ring by kind, then name, so like sits next to like
    drawn.sort(key=lambda o: (site.entities[o].kind, site.entities[o].label.lower()))
    return near, drawn


def _slug_of(site: Site, sentence) -> str:
    rep = site.graph.value(sentence, RK.inReport)
    return next((r.slug for r in site.reports if r.iri == str(rep)), "")


def render_search_index(site: Site) -> str:
    """assets/search-index.js: every entity's names, kind and page, as JSON assigned to window.REPORTKG_INDEX."""
    items = [{"n": e.label, "a": [a for a in e.alt_labels if a != e.label] + [c for c in e.notations if c != e.label],
              "k": e.kind_label, "h": entity_href(e.iri)} for e in sorted(site.entities.values(), key=lambda e: (-e.mentions, e.label))]
    text = json.dumps(items, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return "window.REPORTKG_INDEX = " + text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + ";\n"


@lru_cache(maxsize=1)
def render_world_atlas() -> str:
    """assets/world-atlas.js: the vendored world-atlas TopoJSON as a script (a page opened from a file cannot fetch JSON)."""
    text = (ASSETS / WORLD_ATLAS).read_text(encoding="utf-8")
    json.loads(text)   # the vendored file must be JSON, not markup that would run as script
    return "window.REPORTKG_WORLD = " + text.strip() + ";\n"
