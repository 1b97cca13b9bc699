"""The SPARQL endpoint over real HTTP: SPARQLWrapper, curl and httpx against `kg.serve` in its own process."""
from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from kg.serve.app import MAX_BODY
from kg.serve.negotiation import negotiate

TIMEOUT_S = 2
RK = "https://w3id.org/reportkg/ontology#"
PREFIX = f"PREFIX rk: <{RK}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
# 6,000+ triples joined with themselves four times: ~10^15 rows, never finishes
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(out_dir):
    """`kg.serve` in a subprocess on a free loopback port, with a short time limit."""
    script = ("import sys; from kg.serve.app import make_server\n"
              f"s = make_server(sys.argv[1], port=0, timeout_s={TIMEOUT_S}, workers=2)\n"
              "print(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out_dir)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), "the server did not start"
    yield url.rstrip("/")
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def local(out_dir):
    """The dataset `kg query` answers from, with rdflib: the reference the endpoint must agree with."""
    from kg.dataset.load import load_dataset

    return load_dataset(out_dir)


def wrapper(url: str, query: str, fmt) -> SPARQLWrapper:
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_sparqlwrapper_select_matches_the_local_graph(server, local):
    q = PREFIX + "SELECT ?org ?label WHERE { ?org a rk:UnAgency ; rdfs:label ?label }"
    got = wrapper(server, q, JSON).queryAndConvert()
    remote = {(b["org"]["value"], b["label"]["value"]) for b in got["results"]["bindings"]}
    expected = {(str(r.org), str(r.label)) for r in local.query(q)}
    assert remote == expected and ("https://w3id.org/reportkg/id/org/unicef", "UNICEF") in remote


def test_sparqlwrapper_named_graphs_and_ask(server, local, records):
    got = wrapper(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", JSON).queryAndConvert()
    remote = {b["g"]["value"] for b in got["results"]["bindings"]}
    assert remote == {str(g.identifier) for g in local.graphs() if len(g)}
    assert {f"https://w3id.org/reportkg/report/{slug}" for slug in records} <= remote
    assert wrapper(server, PREFIX + "ASK { ?x a rk:Partnership }", JSON).queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt, ctype", [(CSV, "text/csv"), (TSV, "text/tab-separated-values"),
                                        (XML, "application/sparql-results+xml")])
def test_result_formats_by_content_negotiation(server, fmt, ctype):
    q = PREFIX + "SELECT ?sdg ?n WHERE { ?sdg a rk:SDG ; rk:goalNumber ?n } ORDER BY ?n"
    result = wrapper(server, q, fmt).query()
    assert result.response.headers["Content-Type"].startswith(ctype)
    body = result.convert()
    text = body.toxml() if fmt == XML else body.decode("utf-8")
    assert "http://metadata.un.org/sdg/3" in text


@pytest.mark.parametrize("fmt, rdf_format", [(TURTLE, "turtle"), (JSONLD, "json-ld")])
def test_construct_as_turtle_and_json_ld(server, local, fmt, rdf_format):
    q = PREFIX + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a rk:SDG ; rdfs:label ?l }"
    result = wrapper(server, q, fmt).query()
    g = rdflib.Graph().parse(data=result.response.read(), format=rdf_format)
    expected = set(local.query(q))
    assert len(g) == len(expected) > 0
    assert set(g) == expected


NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger"}


def _norm_json(term: dict | None):
    if term is None:
        return None
    if term.get("datatype", "").rsplit("#", 1)[-1] in NUMERIC:
        return Decimal(term["value"]).normalize()
    return term["value"]


def _norm_rdflib(term):
    if term is None:
        return None
    if isinstance(term, rdflib.Literal) and term.datatype and str(term.datatype).rsplit("#", 1)[-1] in NUMERIC:
        return Decimal(str(term)).normalize()
    return str(term)


def test_every_library_query_answers_as_kg_query_does(server, local):
    """Each queries/*.rq over HTTP gives the rows `kg query` gives with rdflib (numbers compared by value).

    Run with the golden files' example parameters: `kg query` binds them with initBindings, the HTTP
    request with a trailing VALUES clause, the protocol's way.
    """
    from kg.query.library import example_parameters, list_queries
    from kg.query.run import bind_parameters, run_query

    checked = 0
    for q in list_queries():
        if q.form != "SELECT":
            continue
        bound = bind_parameters(q, local, example_parameters(q))
        expected = run_query(q, local, bound)
        text = q.text
        if bound:
            names = " ".join(f"?{k}" for k in bound)
            terms = " ".join(t.n3() for t in bound.values())
            text += f"\nVALUES ({names}) {{ ({terms}) }}\n"
        got = wrapper(server, text, JSON).queryAndConvert()
        remote = sorted((tuple(_norm_json(b.get(v)) for v in expected.variables) for b in got["results"]["bindings"]),
                        key=repr)
        mine = sorted((tuple(_norm_rdflib(t) for t in row) for row in expected.rows), key=repr)
        assert remote == mine, f"query {q.name}: {len(remote)} rows over HTTP, {len(mine)} with kg query"
        checked += 1
    assert checked >= 10


def test_curl_get_and_post(server):
    q = PREFIX + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a rk:Sentence }"
    get = subprocess.run(["curl", "-sS", "-G", "-H", "Accept: text/csv", "--data-urlencode", f"query={q}",
                          server + "/sparql"], capture_output=True, text=True, check=True).stdout
    post = subprocess.run(["curl", "-sS", "-H", "Content-Type: application/sparql-query",
                           "-H", "Accept: application/sparql-results+json", "--data-binary", q, server + "/sparql"],
                          capture_output=True, text=True, check=True).stdout
    n = int(get.splitlines()[1])
    assert n > 100
    assert int(json.loads(post)["results"]["bindings"][0]["n"]["value"]) == n


def test_updates_are_refused_and_change_nothing(server):
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    with httpx.Client(base_url=server) as c:
        refused = [c.post("/sparql", data={"update": insert}),
                   c.post("/sparql", data={"query": insert}),  # an update sent as a query, found by parsing
                   c.post("/sparql", content=insert, headers={"Content-Type": "application/sparql-update"}),
                   c.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})]
        assert [(r.status_code, "read-only" in r.text) for r in refused] == [(400, True)] * 4
        assert c.put("/sparql", content=insert).status_code == 405
        ask = c.get("/sparql", params={"query": "ASK { <urn:x:a> ?p ?o }"}).json()
        assert ask["boolean"] is False
        bad = c.get("/sparql", params={"query": "SELEC ?x WHERE { ?x ?y ?z }"})
        assert bad.status_code == 400 and "syntax" in bad.text


def test_runaway_query_is_stopped_while_others_are_answered(server):
    outcome = {}

    def runaway():
        t0 = time.monotonic()
        r = httpx.post(server + "/sparql", data={"query": EXPLOSIVE}, timeout=60)
        outcome["status"], outcome["seconds"], outcome["text"] = r.status_code, time.monotonic() - t0, r.text

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    quick = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert time.monotonic() - t0 < 1.0, "a small query waited behind the runaway one"
    t.join(30)
    assert outcome["status"] == 503 and "time limit" in outcome["text"]
    assert TIMEOUT_S <= outcome["seconds"] < TIMEOUT_S + 3
    # the killed worker is replaced: the server keeps answering afterwards
    for _ in range(4):
        assert httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10).status_code == 200


def test_oversize_body_is_refused_with_413(server):
    body = "#" * (MAX_BODY + 1) + "\nASK { ?s ?p ?o }"
    r = httpx.post(server + "/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def raw_get(server: str, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (clients normally collapse ../)."""
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    status, body = r.status, r.read()
    conn.close()
    return status, body


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2f..%2f..%2fetc%2fpasswd", "/store/source.json", "/.store.lock",
                                  "/assets/..%5c..%5cgraph.trig"])
def test_no_file_outside_the_folder_or_inside_the_store(server, path):
    status, body = raw_get(server, path)
    assert status == 404 and b"root:" not in body


def test_curl_path_as_is_traversal_refused(server):
    r = subprocess.run(["curl", "-s", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}",
                        server + "/../../../etc/passwd"], capture_output=True, text=True)
    assert r.stdout == "404"


def test_static_files_and_query_page(server, out_dir):
    with httpx.Client(base_url=server) as c:
        r = c.get("/summary.json")
        assert r.status_code == 200 and r.content == (Path(out_dir) / "summary.json").read_bytes()
        assert c.get("/graph.ttl").headers["content-type"].startswith("text/turtle")
        page = c.get("/query.html")
        assert page.status_code == 200 and "<textarea" in page.text
        library = c.get("/queries.json").json()
        assert all(q["name"] and q["sparql"] for q in library)
        if (Path(out_dir) / "index.html").exists():
            assert c.get("/").status_code == 200


def test_query_page_has_no_external_resources():
    from kg.serve.app import QUERY_PAGE

    html = QUERY_PAGE.read_text(encoding="utf-8")
    assert "src=\"http" not in html and "href=\"http" not in html and "//cdn" not in html


@pytest.mark.parametrize("accept, expected", [
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv, */*;q=0.1", "text/csv"),
    ("text/*", "text/csv"),
    ("application/sparql-results+xml;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("image/png", None),
])
def test_negotiate(accept, expected):
    from kg.serve.negotiation import SOLUTION_TYPES

    assert negotiate(accept, list(SOLUTION_TYPES)) == expected


def test_curl_available():
    assert shutil.which("curl"), "curl is needed by the endpoint tests"


def test_twenty_concurrent_clients_all_get_correct_answers(server, local):
    """Under load (20 clients at once, one of them sending a runaway query) every ordinary answer is right."""
    from concurrent.futures import ThreadPoolExecutor

    q = PREFIX + "SELECT ?org WHERE { ?org a rk:UnAgency } ORDER BY ?org"
    expected = [str(r.org) for r in local.query(q)]

    def ask(i: int):
        with httpx.Client(timeout=60) as client:
            if i == 0:
                return client.get(server + "/sparql", params={"query": EXPLOSIVE}).status_code
            answers = []
            for _ in range(5):
                r = client.get(server + "/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
                answers.append((r.status_code, [b["org"]["value"] for b in r.json()["results"]["bindings"]]))
            return answers

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, range(20)))
    assert results[0] == 503                     # the runaway one was stopped
    for answers in results[1:]:
        assert answers == [(200, expected)] * 5


def test_query_page_runs_a_query_in_a_real_browser(server):
    """/query.html in headless Chromium: loads with no request off the server, runs a query, shows markup as text."""
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    assert Path(chromium).exists(), f"{chromium} is missing: run `make test` (it installs Debian's chromium)"
    hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors, requests, dialogs = [], [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(server + "/query.html")
            page.wait_for_function("() => document.querySelectorAll('#library option').length > 1")
            page.fill("#sparql", f"SELECT ?x WHERE {{ BIND({json.dumps(hostile)} AS ?x) }}")
            page.click("#run")
            page.wait_for_selector("#results td")
            assert page.inner_text("#results td") == hostile
            page.select_option("#library", "partnerships-by-theme")
            assert "SELECT" in page.input_value("#sparql")
            page.click("#run")
            page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length > 0")
            assert "row(s)" in page.inner_text("#status")
        finally:
            browser.close()
    assert not errors and not dialogs
    assert requests and all(u.startswith(server + "/") for u in requests)


def test_tsv_is_sparql_11_tsv(server):
    """`?var` headers and terms in Turtle syntax (IRIs in <>, quoted literals with language or datatype, blanks
    for unbound): read back by rdflib's SPARQL TSV parser, the same terms as the JSON answer."""
    import io

    from rdflib.query import Result

    q = PREFIX + ('SELECT ?org ?label ?n ?tagged ?none WHERE { ?org a rk:UnAgency ; rdfs:label ?label '
                  'BIND(STRLEN(?label) AS ?n) BIND(STRLANG(CONCAT(?label, "\\t\\"x\\"\\n"), "en") AS ?tagged) '
                  'OPTIONAL { ?org <urn:x:nothing> ?none } } ORDER BY ?org')
    with httpx.Client(base_url=server) as c:
        tsv = c.get("/sparql", params={"query": q, "format": "tsv"})
        js = c.get("/sparql", params={"query": q}).json()
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    lines = tsv.text.split("\n")
    assert lines[0] == "?org\t?label\t?n\t?tagged\t?none"
    assert lines[1].startswith("<https://w3id.org/reportkg/id/org/") and '"@en\t' in lines[1]
    parsed = Result.parse(io.BytesIO(tsv.content), format="tsv")
    assert [str(v) for v in parsed.vars] == js["head"]["vars"]
    rows = [tuple(row) for row in parsed]
    assert len(rows) == len(js["results"]["bindings"]) > 1
    for row, b in zip(rows, js["results"]["bindings"]):
        assert str(row[0]) == b["org"]["value"] and str(row[1]) == b["label"]["value"]
        assert int(row[2]) == int(b["n"]["value"])
        assert str(row[3]) == b["tagged"]["value"] and row[3].language == "en"
        assert row[4] is None and "none" not in b


def test_prefixes_are_predeclared_as_kg_query_predeclares(server, out_dir):
    """A query without PREFIX lines: each prefix the endpoint predeclares expands as `kg query` expands it."""
    from kg.query.library import query_prefixes

    prefixes = sorted(query_prefixes())
    assert {"rk", "rdf", "rdfs", "xsd", "skos", "sdg", "id"} <= set(prefixes)
    q = "SELECT * WHERE { " + " ".join(f"BIND({p}:x AS ?v{i})" for i, p in enumerate(prefixes)) + " }"
    local = subprocess.run([sys.executable, "-m", "kg.cli", "query", q, "--format", "json", "--out", str(out_dir)],
                           capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=300)
    assert local.returncode == 0, local.stderr
    mine = json.loads(local.stdout)["results"]["bindings"][0]
    remote = httpx.get(server + "/sparql", params={"query": q}).json()["results"]["bindings"][0]
    assert remote == mine
    assert remote["v" + str(prefixes.index("rk"))]["value"] == RK + "x"
    undeclared = httpx.get(server + "/sparql", params={"query": "ASK { ?s nosuchprefix:x ?o }"})
    assert undeclared.status_code == 400


def test_repeated_requests_come_from_the_cache_gzip_for_clients_that_accept_it(server):
    """A repeated request gets the same answer; a large cached answer is sent gzip-compressed when the client
    accepts gzip (httpx does, and decodes it), as it is otherwise."""
    q = PREFIX + "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l"
    with httpx.Client(base_url=server) as c:
        first = c.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "identity"})
        zipped = c.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip"})
        plain = c.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert first.status_code == zipped.status_code == plain.status_code == 200
    assert len(first.content) > 4096
    assert "content-encoding" not in first.headers and "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(first.content) / 3
    assert zipped.json() == first.json() == plain.json()
    assert "Accept-Encoding" in zipped.headers["vary"]


def test_the_library_queries_are_answered_before_the_first_request(out_dir):
    """A started server already holds each library query's answer as the query page asks for it (JSON results),
    made by its own workers from this build: the first request gets that answer, the rows a fresh run gives."""
    from kg.serve.app import WARM_ACCEPT, load_query_library, make_server

    server = make_server(out_dir, port=0, workers=2, watch_s=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = server.endpoint
        kept = {key: answer for key, answer in endpoint.build.cache.items.items()}
        library = load_query_library()
        keys = [endpoint._key(endpoint._request(q["sparql"], WARM_ACCEPT)) for q in library]
        assert set(keys) <= set(kept), [q["name"] for q, k in zip(library, keys) if k not in kept]
        for key in keys:
            fresh = endpoint.pool.run(endpoint._request(key[0], WARM_ACCEPT), 60)
            assert fresh[0] == "ok"
            rows = sorted(map(repr, json.loads(fresh[2])["results"]["bindings"]))
            assert sorted(map(repr, json.loads(kept[key].body)["results"]["bindings"])) == rows
        first = httpx.post(server.url + "sparql", content=library[0]["sparql"], timeout=60,
                           headers={"Content-Type": "application/sparql-query", "Accept": WARM_ACCEPT,
                                    "Accept-Encoding": "identity"})
        assert first.status_code == 200 and first.content == kept[keys[0]].body
    finally:
        server.shutdown()
        server.close()


def test_answers_that_differ_per_run_are_not_cached(server):
    q = "SELECT (STRUUID() AS ?u) (RAND() AS ?r) WHERE {}"
    with httpx.Client(base_url=server) as c:
        a, b = (c.get("/sparql", params={"query": q}).json()["results"]["bindings"][0]["u"]["value"] for _ in range(2))
    assert a != b


@pytest.mark.parametrize("header, expected", [("gzip, deflate", True), ("", False), ("identity", False),
                                              ("*", True), ("gzip;q=0", False), ("br;q=1, *;q=0.1", True),
                                              ("gzip;q=0, *", False)])
def test_accepts_gzip(header, expected):
    from kg.serve.negotiation import accepts_gzip

    assert accepts_gzip(header) is expected
