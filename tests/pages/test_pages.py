"""The offline pages: networks from the graph, safe file names, and every page opened in real headless Chromium."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest
from rdflib import RDFS, Dataset, Literal, URIRef

from kg.build.iris import entity_iri
from kg.pages.networks import (build_entity_network, build_partnership_network, build_places_network,
                               build_sdg_network, load_centroids, write_gexf, write_graphml)
from kg.pages.site import entity_filename, entity_href
from kg.pages.write import write_pages

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
MALI = "unicef-mali-2021-country-office-annual-report"
NETWORK_PAGES = {"partnerships.html": build_partnership_network, "outcomes-sdgs.html": build_sdg_network}
FULL_PAGE_SHOTS = {"outcomes-sdgs", "places"}     # the matrix and the maps are below the fold
PAGES = ["index.html", "partnerships.html", "outcomes-sdgs.html", "places.html", "report.html"]
UNICEF = str(entity_iri("org/unicef"))

# A small graph in the shape kg/graph.py writes relations (see the RDF shape in the project notes).
RELATIONS_TTL = """
@prefix rk: <https://w3id.org/reportkg/ontology#> . @prefix oa: <http://www.w3.org/ns/oa#> .
@prefix schema: <http://schema.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/reportkg/id/> . @prefix sdg: <http://metadata.un.org/sdg/> .
@prefix qb: <http://purl.org/linked-data/cube#> . @prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> . @prefix r: <https://w3id.org/reportkg/report/t/> .
<https://w3id.org/reportkg/report/t> a rk:Report ; rdfs:label "T" ; dct:identifier "t" .
r:s1 a rk:Sentence ; oa:exact "UNICEF worked with WFP and FAO in Gao \\u0007." ; oa:start 0 ; oa:end 40 ; rk:inReport <https://w3id.org/reportkg/report/t> .
r:s2 a rk:Sentence ; oa:exact "Germany funded UNICEF." ; oa:start 41 ; oa:end 63 ; rk:inReport <https://w3id.org/reportkg/report/t> .
id:org\\/unicef a rk:UnAgency ; rdfs:label "UNICEF" ; rk:mentionedIn r:s1, r:s2 .
id:org\\/wfp a rk:UnAgency ; rdfs:label "WFP" ; rk:mentionedIn r:s1 .
id:org\\/fao a rk:UnAgency ; rdfs:label "FAO" ; rk:mentionedIn r:s1 .
id:place\\/DE a rk:Country, rk:DonorGovernment ; rdfs:label "Germany" ; rk:mentionedIn r:s2 .
id:place\\/ML a rk:Country ; rdfs:label "Mali" .
id:place\\/ML-7 a rk:Region ; rdfs:label "Gao" ; schema:containedInPlace id:place\\/ML ; rk:mentionedIn r:s1 .
id:theme\\/logistics a rk:Theme ; rdfs:label "logistics" .
id:outcome\\/t\\/1 a rk:Outcome ; rdfs:label "Outcome 1" ; rk:mentionedIn r:s1 .
sdg:2 a rk:SDG ; rdfs:label "SDG 2: Zero hunger" ; rk:goalNumber 2 ; rk:mentionedIn r:s1 .
sdg:17 a rk:SDG ; rdfs:label "SDG 17" ; rk:goalNumber 17 .
r:p1 a rk:Partnership ; rk:participant id:org\\/unicef, id:org\\/wfp, id:org\\/fao ; rk:theme id:theme\\/logistics ; rk:evidence r:s1 .
r:f1 a rk:Funding ; schema:funder id:place\\/DE ; rk:recipient id:org\\/unicef ; rk:evidence r:s2 .
r:a1 a rk:Activity ; rk:participant id:org\\/unicef ; rk:place id:place\\/ML-7 ; rk:evidence r:s1 .
r:c1 a rk:SdgContribution ; rk:outcome id:outcome\\/t\\/1 ; rk:sdg sdg:2 ; rk:weight 0.5 ; rk:stated false ; rk:evidence r:s1 .
r:c2 a rk:SdgContribution ; rk:outcome id:outcome\\/t\\/1 ; rk:sdg sdg:17 ; rk:weight 0.25 ; rk:stated true ; rk:evidence r:s2 .
r:x1 a rk:Result, qb:Observation ; sdmx-measure:obsValue 40000 ; rk:what "households" ; sdmx-dimension:refArea id:place\\/ML-7 ; rk:evidence r:s2 .
"""


@pytest.fixture(scope="module")
def relations_graph():
    ds = Dataset()
    ds.graph(URIRef("https://w3id.org/reportkg/report/t")).parse(data=RELATIONS_TTL, format="turtle")
    return ds


def test_networks_follow_the_relation_shape(relations_graph):
    p = build_partnership_network(relations_graph)
    kinds = sorted((p.nodes[a]["label"], p.nodes[b]["label"], k) for a, b, k in p.edges(keys=True))
    assert kinds == [("FAO", "UNICEF", "partnership"), ("FAO", "WFP", "partnership"), ("Germany", "UNICEF", "funding"),
                     ("UNICEF", "WFP", "partnership")]
    edge = p.get_edge_data(str(entity_iri("place/DE")), UNICEF, "funding")
    assert edge["evidence_count"] == 1 and edge["evidence"][0].text == "Germany funded UNICEF."
    s = build_sdg_network(relations_graph)
    out = str(entity_iri("outcome/t/1"))
    assert {(b, d["weight"], d["stated"]) for _, b, d in s.out_edges(out, data=True)} == {
        ("http://metadata.un.org/sdg/2", 0.5, False), ("http://metadata.un.org/sdg/17", 0.25, True)}
    places = build_places_network(relations_graph)
    gao = places.nodes[str(entity_iri("place/ML-7"))]
    assert (gao["lat"], gao["lon"]) == load_centroids()["ML-7"]
    assert gao["organisations"] == ["UNICEF"] and gao["results"] == ["40,000 households"]
    assert build_entity_network(relations_graph).number_of_edges() == 7


def test_exports_are_readable_by_networkx(relations_graph, tmp_path):
    p = build_partnership_network(relations_graph)
    back = nx.read_graphml(write_graphml(p, tmp_path / "p.graphml"))
    assert back.number_of_nodes() == 4 and back.number_of_edges() == 4
    # the control character in the evidence text is not legal XML: it must have been cleaned away
    assert all("\x07" not in str(d.get("evidence", "")) for _, _, d in back.edges(data=True))
    gexf = nx.read_gexf(write_gexf(p, tmp_path / "p.gexf"))
    assert gexf.number_of_nodes() == 4


def test_relation_shape_renders_pages(relations_graph, tmp_path):
    write_pages(relations_graph, tmp_path)
    assert (tmp_path / entity_href(UNICEF)).is_file()
    assert 'id="graph-data"' in (tmp_path / "partnerships.html").read_text(encoding="utf-8")


DISCOVERED_TTL = """
@prefix rk: <https://w3id.org/reportkg/ontology#> . @prefix schema: <http://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix id: <https://w3id.org/reportkg/id/> .
@prefix r: <https://w3id.org/reportkg/report/t/> .
id:org\\/local-water-committee a rk:Organization ; rdfs:label "Local Water Committee" ; rk:mentionedIn r:s1 .
id:place\\/ML-7-town a rk:Place ; rdfs:label "Ansongo" ; schema:containedInPlace id:place\\/ML-7 ;
    schema:latitude 15.66 ; schema:longitude 0.50 ; rk:mentionedIn r:s1 .
r:p2 a rk:Partnership ; rk:participant id:org\\/unicef, id:org\\/local-water-committee ; rk:evidence r:s1 .
r:a2 a rk:Activity ; rk:participant id:org\\/local-water-committee ; rk:place id:place\\/ML-7-town ; rk:evidence r:s1 .
id:place\\/NE a rk:Country ; rdfs:label "Niger" ; rk:mentionedIn r:s1 .
r:a3 a rk:Activity ; rk:participant id:org\\/wfp ; rk:place id:place\\/NE ; rk:evidence r:s1 .
"""


def test_pages_cope_with_discovered_organisations_and_towns(tmp_path):
    """An organisation with no external id (found in the text, not the gazetteer) and a town with its own
    coordinates, inside a region, inside a country."""
    ds = Dataset()
    g = ds.graph(URIRef("https://w3id.org/reportkg/report/t"))
    g.parse(data=RELATIONS_TTL, format="turtle")
    g.parse(data=DISCOVERED_TTL, format="turtle")
    local = str(entity_iri("org/local-water-committee"))
    assert local in build_partnership_network(ds)
    town = build_places_network(ds).nodes[str(entity_iri("place/ML-7-town"))]
    assert (town["lat"], town["lon"], town["country"], town["organisations"]) == (15.66, 0.5, "ML", ["Local Water Committee"])
    write_pages(ds, tmp_path)
    page = (tmp_path / entity_href(local)).read_text(encoding="utf-8")
    assert "Local Water Committee" in page and "Wikidata" not in page
    places = (tmp_path / "places.html").read_text(encoding="utf-8")
    assert "Ansongo" in places
    # a country with no place of its own named: a small inset with its row, not a full panel
    assert 'class="rk-inset" id="panel-NE"' in places and 'class="rk-panel" id="panel-ML"' in places


@pytest.mark.parametrize("iri", [
    "https://w3id.org/reportkg/id/org/unicef", "https://w3id.org/reportkg/id/org/../../../etc/passwd",
    "https://w3id.org/reportkg/id/person/%2e%2e%2f%2e%2e", "http://metadata.un.org/sdg/3", "..", "/", "a\\b\x00c",
    "https://w3id.org/reportkg/id/org/" + "x" * 500])
def test_entity_file_names_are_safe(iri):
    name = entity_filename(iri)
    assert re.fullmatch(r"[a-z0-9-]{1,60}-[0-9a-f]{8}\.html", name), name
    assert entity_filename(iri) == name
    assert entity_filename(iri + "x") != name


def test_mali_outcomes_have_their_sdgs(dataset):
    net = build_sdg_network(dataset)
    outcomes = [n for n, d in net.nodes(data=True) if d["kind"] == "outcome" and MALI in n]
    assert len(outcomes) == 4
    missing = [net.nodes[o]["label"] for o in outcomes if not any(True for _ in net.out_edges(o))]
    assert not missing, f"outcomes with no SDG link on outcomes-sdgs.html: {missing}"


def test_unicef_partners_on_partnership_network(dataset):
    net = build_partnership_network(dataset).to_undirected(as_view=True)
    assert UNICEF in net, "UNICEF is not on partnerships.html: no partnership or funding relation names it"
    partners = {net.nodes[n]["label"] for n in net.neighbors(UNICEF)}
    missing = {"WFP", "FAO", "UNDP", "UNFPA", "ECHO", "UNHAS"} - partners
    assert not missing, f"UNICEF not linked to {sorted(missing)}; linked to {sorted(partners)}"
    donors = {n for n in net.neighbors(UNICEF) if net.nodes[n]["kind"] == "donor_government"}
    assert len(donors) >= 5, f"UNICEF linked to only {len(donors)} donor governments"


# ---------------------------------------------------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    """The pages of the session build, with its SHACL result, as `kg build` writes them."""
    b, _ = built
    out = tmp_path_factory.mktemp("pages")
    write_pages(b.dataset, out, b.conformance)
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, page errors, dialogs and every request a page makes."""

    def __init__(self, page, root: Path):
        self.page, self.root = page, root.resolve().as_uri() + "/"
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.root)]


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.watch = Watch(pg, site)
    yield pg
    context.close()


def _open(page, path: Path, budget: float = 20.0) -> None:
    """Open a page and wait until it is drawn; `budget` only guards against a hang (speed is measured in benchmarks/)."""
    page.goto(path.resolve().as_uri())
    page.wait_for_function("() => window.graphReady === true", timeout=int(budget * 1000))


def _screenshot(page, site: Path, name: str) -> None:
    page.mouse.move(0, 0)   # no tooltip in the picture
    page.screenshot(path=str(site / "screenshots" / f"{name}.png"), full_page=name in FULL_PAGE_SHOTS)
    if os.environ.get("REPORTKG_SCREENSHOTS"):
        dest = Path(os.environ["REPORTKG_SCREENSHOTS"])
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site / "screenshots" / f"{name}.png", dest / f"{name}.png")


@pytest.mark.parametrize("name", PAGES + ["entity/unicef"])
def test_page_loads_offline_and_settles(page, site, dataset, name):
    path = site / (entity_href(UNICEF) if name == "entity/unicef" else name)
    _open(page, path)
    assert page.evaluate("() => window.graphReady") is True
    if name == "places.html":
        net = build_places_network(dataset)
        placed = [n for n, d in net.nodes(data=True) if "lat" in d and d.get("level") not in (None, "country") and d["country"]]
        assert page.evaluate("() => window.graphData") == {"nodes": len(placed), "edges": 0}
    if name in NETWORK_PAGES:
        net = NETWORK_PAGES[name](dataset)
        assert page.evaluate("() => window.graphData") == {"nodes": net.number_of_nodes(), "edges": net.number_of_edges()}
        if net.number_of_nodes():
            # physics is off once settled: positions no longer move
            first = page.evaluate("() => JSON.stringify(window.graphNetwork.getPositions())")
            page.wait_for_timeout(300)
            assert page.evaluate("() => JSON.stringify(window.graphNetwork.getPositions())") == first
    (site / "screenshots").mkdir(exist_ok=True)
    _screenshot(page, site, Path(name).name.replace(".html", ""))
    assert not page.watch.errors, page.watch.errors
    assert not page.watch.foreign(), f"{name} requested files outside its folder: {page.watch.foreign()}"


@pytest.mark.parametrize("name", PAGES + ["entity/unicef"])
def test_search_finds_unicef(page, site, name):
    _open(page, site / (entity_href(UNICEF) if name == "entity/unicef" else name))
    page.fill("#search", "unicef")
    first = page.locator("#search-results li a").first
    assert first.inner_text() == "UNICEF"
    page.press("#search", "Enter")
    page.wait_for_url(re.compile(re.escape(entity_filename(UNICEF)) + "$"))
    assert page.locator("h1").inner_text() == "UNICEF"
    assert not page.watch.errors, page.watch.errors


def _click_node(page, iri: str) -> None:
    """Click the node where a user would: on a visible part of it (a neighbour drawn over its centre
    in a crowded layout would take a click there)."""
    xy = page.evaluate("""(id) => {
        const net = window.graphNetwork;
        net.focus(id, {scale: 1.2, animation: false});
        net.redraw();
        const b = net.getBoundingBox(id);
        const box = document.getElementById('graph').getBoundingClientRect();
        for (const fy of [0.5, 0.3, 0.7, 0.15, 0.85]) {
            for (const fx of [0.5, 0.3, 0.7, 0.15, 0.85]) {
                const dom = net.canvasToDOM({x: b.left + fx * (b.right - b.left), y: b.top + fy * (b.bottom - b.top)});
                if (net.getNodeAt(dom) === id) {
                    // a tall canvas (readable labels) may reach below the window: bring the point into view
                    window.scrollBy(0, box.top + dom.y - window.innerHeight / 2);
                    const now = document.getElementById('graph').getBoundingClientRect();
                    return [now.left + dom.x, now.top + dom.y];
                }
            }
        }
        return null;
    }""", iri)
    assert xy is not None, f"{iri}: every point of the node is covered by another node"
    page.mouse.click(*xy)


def test_clicking_a_place_on_the_map_opens_its_page(page, site):
    _open(page, site / "places.html")
    tombouctou = str(entity_iri("place/ML-6"))
    page.locator(f'a.rk-marker[data-id="{tombouctou}"] circle').click()
    page.wait_for_url(re.compile(re.escape(entity_filename(tombouctou)) + "$"))
    assert not page.watch.errors, page.watch.errors


@pytest.mark.parametrize("name,iri", [("outcomes-sdgs.html", "http://metadata.un.org/sdg/3"),
                                      ("entity/unicef", UNICEF),
                                      ("partnerships.html", UNICEF)])
def test_clicking_a_node_opens_its_page(page, site, name, iri):
    _open(page, site / (entity_href(UNICEF) if name == "entity/unicef" else name))
    assert page.evaluate("(id) => window.graphNodes.get(id) !== null", iri), f"{iri} is not drawn on {name}"
    _click_node(page, iri)
    page.wait_for_url(re.compile(re.escape(entity_filename(iri)) + "$"))
    assert not page.watch.errors, page.watch.errors


def test_partnership_page_links_unicef_to_its_partners(page, site):
    _open(page, site / "partnerships.html")
    partners = page.evaluate("""(id) => {
        const label = (n) => window.graphNodes.get(n).label;
        return window.graphEdges.get().filter(e => e.from === id || e.to === id)
            .map(e => [e.kind, label(e.from === id ? e.to : e.from), window.graphNodes.get(e.from === id ? e.to : e.from).kind]);
    }""", UNICEF)
    names = {name for _, name, _ in partners}
    assert {"WFP", "FAO", "UNDP", "UNFPA", "ECHO", "UNHAS"} <= names, sorted(names)
    assert len({name for kind, name, k in partners if k == "donor_government"}) >= 5, partners


def test_index_lists_each_report_with_its_metadata(page, site):
    _open(page, site / "index.html")
    rows = page.evaluate("""() => [...document.querySelectorAll('table tr')].slice(1)
        .map(tr => [...tr.querySelectorAll('td')].slice(0, 3).map(td => td.textContent.trim()))""")
    assert ["UNICEF Mali Country Office Annual Report 2021", "UNICEF", "2021"] in rows, rows
    assert ["WFP Haiti Country Brief, October 2025", "WFP", "2025"] in rows, rows


def test_index_counts_are_the_build_summary(page, site, built):
    from kg.build.reports import summary

    _open(page, site / "index.html")
    shown = page.evaluate("""() => [...document.querySelectorAll('table tr')].slice(1, 3)
        .map(tr => [...tr.querySelectorAll('td')].slice(3, 6).map(td => td.textContent.trim()))""")
    expected = [[r["file"], str(r["sentences"]), str(r["entities"])] for r in summary(built[0])["reports"]]
    assert sorted(shown) == sorted(expected)


def test_site_exports_open_in_networkx(site, dataset):
    net = build_partnership_network(dataset)
    for back in (nx.read_graphml(site / "partnerships.graphml"), nx.read_gexf(site / "partnerships.gexf")):
        assert (back.number_of_nodes(), back.number_of_edges()) == (net.number_of_nodes(), net.number_of_edges())


def test_partnership_filters_narrow_the_network(page, site):
    _open(page, site / "partnerships.html")
    total = page.evaluate("() => window.graphData")
    options = page.locator("#filter-report option").all_inner_texts()
    assert len(options) == 3   # all reports + the two bundled ones
    page.select_option("#filter-report", index=2)
    visible = page.evaluate("() => window.graphVisible")
    assert 0 < visible["edges"] < total["edges"] and 0 < visible["nodes"] < total["nodes"]
    page.select_option("#filter-report", index=0)
    themes = page.locator("#filter-theme option").all_inner_texts()
    assert len(themes) > 1, "no theme on any partnership edge"
    page.select_option("#filter-theme", index=1)
    by_theme = page.evaluate("() => window.graphVisible")
    assert 0 < by_theme["edges"] < total["edges"]
    assert not page.watch.errors, page.watch.errors


HOSTILE = ("UNICEF \"<img src=x onerror=alert(1)>\" worked with WFP in cooperation with the O'Brien Foundation "
           "<script>alert(1)</script>.\n\nFAO and WFP supported 'families' in Gao with UNICEF <b>bold</b> & more.\n")


def test_hostile_report_text_stays_text(browser, extractor, tmp_path):
    from kg.build.reports import build

    src = tmp_path / "hostile-report.txt"
    src.write_text("Hostile <script>alert(1)</script> report\n\n" + HOSTILE, encoding="utf-8")
    b = build([src], extractor)
    ds = b.dataset
    # names with markup and quotes, as a gazetteer entry or an odd report could give them
    for ctx in ds.graphs():
        wfp = entity_iri("org/wfp")
        if (wfp, RDFS.label, None) in ctx:
            ctx.remove((wfp, RDFS.label, None))
            ctx.add((wfp, RDFS.label, Literal("WFP \"O'Brien\" <script>alert(2)</script><img src=x onerror=alert(3)>")))
    out = tmp_path / "site"
    write_pages(ds, out)
    context = browser.new_context()
    pg = context.new_page()
    watch = Watch(pg, out)
    pages = [out / p for p in PAGES] + sorted((out / "entity").glob("*.html"))
    for path in pages:
        _open(pg, path)
    pg.goto((out / "report.html").as_uri())
    text = pg.locator("main").inner_text()
    assert "<script>alert(1)</script>" in text and '"<img src=x onerror=alert(1)>"' in text and "O'Brien" in text
    assert pg.locator("main script, main img, main b").count() == 0
    pg.goto((out / entity_href(str(entity_iri("org/wfp")))).as_uri())
    pg.wait_for_function("() => window.graphReady === true", timeout=20000)
    assert pg.locator("h1").inner_text() == "WFP \"O'Brien\" <script>alert(2)</script><img src=x onerror=alert(3)>"
    pg.fill("#search", "O'Brien")
    assert "<script>alert(2)</script>" in pg.locator("#search-results").inner_text()
    # the node's tooltip shows the name as text
    _hover_node(pg, str(entity_iri("org/wfp")))
    pg.wait_for_selector("#rk-tip", state="visible", timeout=10000)
    assert "<img src=x onerror=alert(3)>" in pg.locator("#rk-tip").inner_text()
    assert pg.locator("#rk-tip img, #rk-tip script").count() == 0
    # and so do the places page's tables and map
    pg.goto((out / "places.html").as_uri())
    pg.wait_for_function("() => window.graphReady === true", timeout=20000)
    assert pg.locator("main script, main img").count() == 0
    context.close()
    assert not watch.dialogs, f"script ran: {watch.dialogs}"
    assert not watch.errors, watch.errors
    assert not watch.foreign(), watch.foreign()


def _hover_node(page, iri: str) -> None:
    xy = page.evaluate("""(id) => {
        const net = window.graphNetwork;
        const dom = net.canvasToDOM(net.getPositions([id])[id]);
        window.scrollBy(0, document.getElementById('graph').getBoundingClientRect().top + dom.y - window.innerHeight / 2);
        const box = document.getElementById('graph').getBoundingClientRect();
        return [box.left + dom.x, box.top + dom.y];
    }""", iri)
    page.mouse.move(xy[0] - 3, xy[1] - 3)
    page.mouse.move(*xy)


# ------------------------------------------------------------------------------ every fact reachable, legibly

def _iris(result, *columns) -> set[str]:
    at = [result.variables.index(c) for c in columns]
    return {str(row[i]) for row in result.rows for i in at if row[i] is not None}


def test_partnership_page_shows_every_donor_and_partner(page, site, out_dir):
    from kg.query.run import run_query

    wanted = _iris(run_query("donors", out_dir), "donor", "recipient") | _iris(run_query("partners", out_dir), "org", "partner")
    assert len(wanted) > 30, f"the queries found only {len(wanted)} organisations: is the build empty?"
    _open(page, site / "partnerships.html")
    drawn = set(page.evaluate("() => window.graphNodes.getIds()"))
    listed = set(page.evaluate("() => [...document.querySelectorAll('#entity-list li[data-id]')].map(li => li.dataset.id)"))
    assert not wanted - drawn, f"not drawn on partnerships.html: {sorted(wanted - drawn)}"
    assert not wanted - listed, f"not in the list beside the network: {sorted(wanted - listed)}"
    hidden = page.evaluate("() => window.graphNodes.get().filter(n => n.hidden).length")
    assert hidden == 0 and page.evaluate("() => window.listVisible") == len(listed)


READABLE = """() => {
    const net = window.graphNetwork, ids = window.graphNodes.get().filter(n => !n.hidden).map(n => n.id);
    const px = Math.min(...ids.map(id => net.body.nodes[id].options.font.size)) * net.getScale();
    const boxes = ids.map(id => [id, net.getBoundingBox(id)]), overlapping = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, p] = boxes[i], [b, q] = boxes[j];
        if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) overlapping.push([a, b]);
    }
    return {px, overlapping, nodes: ids.length};
}"""


@pytest.mark.parametrize("name", ["partnerships.html", "outcomes-sdgs.html", "entity/unicef"])
def test_network_labels_are_readable_and_apart(page, site, name):
    _open(page, site / (entity_href(UNICEF) if name == "entity/unicef" else name))
    got = page.evaluate(READABLE)
    assert got["nodes"] > 5
    assert got["px"] >= 12, f"{name}: the smallest label is drawn at {got['px']:.1f} px"
    assert not got["overlapping"], f"{name}: node boxes overlap: {got['overlapping'][:5]}"


def test_filter_updates_the_counts_and_refits(page, site):
    _open(page, site / "partnerships.html")
    total = page.evaluate("() => window.graphData")
    assert page.locator("#graph-count").inner_text() == f"{total['nodes']} nodes, {total['edges']} edges"
    page.select_option("#filter-report", index=2)
    shown = page.evaluate("() => window.graphVisible")
    assert 0 < shown["nodes"] < total["nodes"]
    assert page.locator("#graph-count").inner_text() == (
        f"{shown['nodes']} of {total['nodes']} nodes, {shown['edges']} of {total['edges']} edges")
    assert page.evaluate("() => window.listVisible") == shown["nodes"]
    outside = page.evaluate("""() => {
        const net = window.graphNetwork, box = document.getElementById('graph').getBoundingClientRect();
        return window.graphNodes.get().filter(n => !n.hidden).map(n => n.id).filter(id => {
            const b = net.getBoundingBox(id);
            const tl = net.canvasToDOM({x: b.left, y: b.top}), br = net.canvasToDOM({x: b.right, y: b.bottom});
            return tl.x < 0 || tl.y < 0 || br.x > box.width || br.y > box.height;
        });
    }""")
    assert not outside, f"shown nodes outside the view after the filter: {outside}"
    assert page.evaluate(READABLE)["px"] >= 12
    page.fill("#list-filter", "wfp")     # WFP is in both reports
    assert page.evaluate("() => window.listVisible") == 1
    page.select_option("#filter-report", index=0)
    assert page.locator("#graph-count").inner_text() == f"{total['nodes']} nodes, {total['edges']} edges"


def _luminance(css: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_matrix_cells_are_the_query_rows(page, site, out_dir):
    from kg.query.run import run_query

    result = run_query("outcome-sdg-matrix", out_dir)
    v = {name: i for i, name in enumerate(result.variables)}
    expected = {(str(r[v["outcome"]]), str(r[v["sdg"]]), round(float(r[v["weight"]]), 4),
                 bool(r[v["stated"]] is not None and r[v["stated"]].toPython())) for r in result.rows}
    _open(page, site / "outcomes-sdgs.html")
    cells = page.evaluate("""() => [...document.querySelectorAll('#matrix td[data-edge]')].map(td => {
        const s = getComputedStyle(td);
        return {outcome: td.closest('tr').dataset.outcome, sdg: td.dataset.sdg, weight: Number(td.dataset.weight),
                stated: td.dataset.stated === 'true', text: td.textContent.trim(), background: s.backgroundColor,
                outline: s.outlineStyle, px: parseFloat(s.fontSize), column: td.cellIndex};
    })""")
    got = {(c["outcome"], c["sdg"], round(c["weight"], 4), c["stated"]) for c in cells}
    assert len(cells) == len(got) == len(expected)
    assert got == expected, f"page only: {sorted(got - expected)[:5]}; query only: {sorted(expected - got)[:5]}"
    assert all(c["text"] == f"{c['weight']:.2f}" for c in cells)
    assert {c["outline"] for c in cells if c["stated"]} == {"solid"} and {c["outline"] for c in cells if not c["stated"]} == {"dashed"}
    assert min(c["px"] for c in cells) >= 12
    # within a goal's column, a heavier link is a darker cell
    for a in cells:
        for b in cells:
            if a["column"] == b["column"] and a["weight"] < b["weight"]:
                assert _luminance(a["background"]) > _luminance(b["background"]), (a, b)


def test_edge_tooltip_is_the_edge_under_the_pointer(browser, site):
    # a window tall enough for the whole network: the pointer moves over the links, the page does not scroll
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    page.watch = Watch(page, site)
    _open(page, site / "outcomes-sdgs.html")
    page.evaluate("() => document.getElementById('graph').scrollIntoView()")
    body_font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    # the middle of each link (a symmetric curve passes through the midpoint of its ends), where vis-network
    # itself finds that link nearest
    points = page.evaluate("""() => {
        const net = window.graphNetwork, box = document.getElementById('graph').getBoundingClientRect();
        return window.graphEdges.get().map(e => {
            const p = net.getPositions([e.from, e.to]);
            const dom = net.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2});
            const mine = net.getEdgeAt(dom) === e.id && net.getNodeAt(dom) === undefined;
            return [e.id, box.left + dom.x, box.top + dom.y, mine && box.top + dom.y < window.innerHeight];
        }).filter(x => x[3]);
    }""")
    assert len(points) >= 10, f"only {len(points)} links can be pointed at on their middle"
    for edge, x, y, _ in points[:15]:
        page.mouse.move(x, y)
        page.wait_for_function("(id) => { const t = document.getElementById('rk-tip'); return t && !t.hidden && t.dataset.for === 'edge:' + id; }",
                               arg=edge, timeout=10000)
        tip = page.evaluate("""(id) => {
            const t = document.getElementById('rk-tip'), r = t.getBoundingClientRect();
            return {text: t.innerText, title: window.RK.edgeTips[id].title, font: getComputedStyle(t).fontFamily,
                    sentences: window.RK.edgeTips[id].evidence.slice(0, 3).map(e => e.text),
                    rect: [r.left, r.top, r.right, r.bottom]};
        }""", edge)
        assert tip["text"].startswith(tip["title"]), tip
        assert tip["font"] == body_font
        for sentence in tip["sentences"]:
            assert tip["text"].count(sentence) == 1, f"{edge}: the sentence is not shown exactly once: {sentence!r}"
        left, top, right, bottom = tip["rect"]
        assert not (left <= x <= right and top <= y <= bottom), "the tooltip covers the pointer"
        if os.environ.get("REPORTKG_SCREENSHOTS") and edge == points[0][0]:
            x0, y0 = max(0, min(x, left) - 200), max(0, min(y, top) - 120)
            clip = {"x": x0, "y": y0, "width": max(right, x) + 80 - x0, "height": bottom + 20 - y0}
            page.screenshot(path=str(Path(os.environ["REPORTKG_SCREENSHOTS"]) / "tooltip.png"), clip=clip)
    assert not page.watch.errors, page.watch.errors
    context.close()


def test_entity_page_lists_every_neighbour(page, site, dataset):
    net = build_entity_network(dataset).to_undirected(as_view=True)
    neighbours = set(net.neighbors(UNICEF)) - {UNICEF}
    _open(page, site / entity_href(UNICEF))
    links = set(page.evaluate("() => [...document.querySelectorAll('.rk-neighbours a')].map(a => a.getAttribute('href'))"))
    missing = {n for n in neighbours if entity_href(n, "../") not in links}
    assert not missing, f"neighbours of UNICEF not listed on its page: {sorted(missing)}"
    assert page.evaluate("() => window.graphData.nodes") <= 13


def test_places_map_draws_country_outlines_offline(browser, site, dataset):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    pg = context.new_page()
    watch = Watch(pg, site)
    _open(pg, site / "places.html")
    net = build_places_network(dataset)
    countries = {d["country"] for _, d in net.nodes(data=True) if d.get("country")}
    drawn = pg.evaluate("""() => [...document.querySelectorAll('path.rk-focus')].map(p => [p.dataset.code, p.getAttribute('d').length])""")
    assert {code for code, _ in drawn} == countries
    assert all(length > 500 for _, length in drawn), drawn
    assert pg.evaluate("() => window.mapDrawn.countries") > len(countries), "no neighbouring country drawn"
    # every place is a circle on its own country's outline, at its coordinates (a coastal or border town may sit
    # just off the 1:50m generalised outline: its circle must still touch the country)
    outside = pg.evaluate("""() => [...document.querySelectorAll('a.rk-marker')].filter(a => {
        const c = a.querySelector('circle'), svg = a.closest('svg'), outline = svg.querySelector('path.rk-focus');
        const x = Number(c.getAttribute('cx')), y = Number(c.getAttribute('cy')), r = Number(c.getAttribute('r'));
        const on = [[0, 0], ...[...Array(8).keys()].map(k => [r * Math.cos(k * Math.PI / 4), r * Math.sin(k * Math.PI / 4)])];
        return !on.some(([dx, dy]) => { const pt = svg.createSVGPoint(); pt.x = x + dx; pt.y = y + dy; return outline.isPointInFill(pt); });
    }).map(a => a.dataset.id)""")
    markers = set(pg.evaluate("() => [...document.querySelectorAll('a.rk-marker')].map(a => a.dataset.id)"))
    regions = {n for n, d in net.nodes(data=True) if d.get("level") not in (None, "country") and "lat" in d and d["country"]}
    assert markers == regions and len(regions) >= 10
    assert not outside, f"drawn outside their country: {outside}"
    # labels readable at the size the map is drawn
    smallest = pg.evaluate("""() => Math.min(...[...document.querySelectorAll('text.rk-marker-label')].map(t => {
        const svg = t.closest('svg');
        return parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }))""")
    assert smallest >= 12, f"map labels drawn at {smallest:.1f} px"
    # organisations are listed per place, not drawn on the map
    for place, d in net.nodes(data=True):
        if "level" not in d:
            continue
        row = pg.locator(f'tr[data-place="{place}"]')
        assert row.count() == 1, f"{d['label']} is not listed on places.html"
        named = set(row.locator("td").last.locator("a").all_inner_texts())
        assert named == set(d["organisations"]), (d["label"], named, d["organisations"])
    assert pg.locator("svg a.rk-marker").count() == len(regions)
    context.close()
    assert not watch.errors, watch.errors
    assert not watch.foreign(), watch.foreign()


def test_places_tooltip_shows_the_results(page, site, dataset):
    _open(page, site / "places.html")
    gao = str(entity_iri("place/ML-7"))
    page.locator(f'a.rk-marker[data-id="{gao}"] circle').hover()
    page.wait_for_selector("#rk-tip", state="visible", timeout=10000)
    text = page.locator("#rk-tip").inner_text()
    first = build_places_network(dataset).nodes[gao]["results"][0]
    assert text.startswith("Gao") and first in text


def test_report_marks_use_the_page_tooltip(page, site):
    _open(page, site / "report.html")
    assert page.locator("main [title]").count() == 0, "a browser title box (in the system font) is still used"
    mention = page.locator("a.m", has_text="UNICEF").first
    mention.scroll_into_view_if_needed()
    mention.hover()
    page.wait_for_selector("#rk-tip", state="visible", timeout=10000)
    assert page.locator("#rk-tip .rk-tip-title").inner_text() == "UNICEF"
    assert page.locator("#rk-tip .rk-tip-kind").inner_text() == "UN agency"
    # a point on the plain text (not a mention) of an evidence sentence
    x, y = page.evaluate("""() => {
        for (const s of document.querySelectorAll('span.s.ev[data-tip-title]')) {
            const text = [...s.childNodes].find(n => n.nodeType === 3 && n.textContent.trim().length > 3);
            if (!text) continue;
            s.scrollIntoView({block: 'center'});
            const range = document.createRange(); range.setStart(text, 1); range.setEnd(text, 2);
            const r = range.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        }
    }""")
    page.mouse.move(x, y)
    page.wait_for_function("() => document.getElementById('rk-tip').querySelector('.rk-tip-title').textContent === 'evidence of'")
    assert not page.watch.errors, page.watch.errors


def test_matrix_follows_the_report_filter(page, site, dataset):
    net = build_sdg_network(dataset)
    _open(page, site / "outcomes-sdgs.html")
    rows = "() => [...document.querySelectorAll('#matrix tr[data-outcome]')].filter(tr => tr.offsetParent !== null).map(tr => tr.dataset.outcome)"
    assert len(page.evaluate(rows)) == sum(1 for _, d in net.nodes(data=True) if d["kind"] == "outcome")
    page.select_option("#filter-report", MALI)
    assert sorted(page.evaluate(rows)) == sorted(n for n, d in net.nodes(data=True) if d["kind"] == "outcome" and MALI in d["reports"])
    page.select_option("#filter-report", "")
    assert len(page.evaluate(rows)) == sum(1 for _, d in net.nodes(data=True) if d["kind"] == "outcome")


JOINT_PROGRAMMES = str(entity_iri("programme/joint-programmes"))


def test_programmes_are_a_node_kind_of_their_own_that_can_be_hidden(page, site):
    _open(page, site / "partnerships.html")
    got = page.evaluate("""(id) => {
        const n = window.graphNodes.get(id);
        const links = window.graphEdges.get().filter(e => e.from === id || e.to === id)
            .map(e => [e.kind, window.graphNodes.get(e.from).label, window.graphNodes.get(e.to).label]);
        return n ? {kind: n.kind, links: links} : null;
    }""", JOINT_PROGRAMMES)
    assert got is not None, "the Joint Programmes are not on partnerships.html"
    assert got["kind"] == "programme"
    assert ["implementation", "UNICEF", "Joint Programmes"] in got["links"], got
    total = page.evaluate("() => window.graphData")
    page.uncheck("#show-programmes")
    assert page.evaluate("(id) => window.graphNodes.get(id).hidden", JOINT_PROGRAMMES) is True
    shown = page.evaluate("""() => window.graphNodes.get().filter(n => !n.hidden).map(n => n.kind)""")
    assert shown and not {"programme", "initiative", "framework"} & set(shown)
    hidden = page.evaluate("() => window.graphVisible")
    assert 0 < hidden["edges"] < total["edges"]
    page.check("#show-programmes")
    assert page.evaluate("() => window.graphVisible")["edges"] == total["edges"]
    assert not page.watch.errors, page.watch.errors


def test_a_programme_has_an_entity_page_with_who_runs_it(page, site):
    _open(page, site / entity_href(JOINT_PROGRAMMES))
    text = page.inner_text("main")
    assert "Joint Programmes" in text and "implemented by" in text and "UNICEF" in text
    assert not page.watch.errors, page.watch.errors


def test_results_of_one_sentence_come_in_one_order_in_every_process(out_dir):
    """A place's results are listed by sentence and then by IRI: a map tip does not change with the hash seed."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from kg.dataset.load import load_dataset; "
            "from kg.pages.networks import load_results; "
            "print('\\n'.join(r.iri for r in load_results(load_dataset(Path(sys.argv[1])))))")
    orders = [subprocess.run([sys.executable, "-c", code, str(out_dir)], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split() for seed in ("1", "2")]
    assert len(orders[0]) > 100 and orders[0] == orders[1]
