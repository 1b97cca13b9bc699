"""`kg push` against a real Oxigraph server (`oxigraph serve` from PyPI) on loopback: what is pushed, how, and the
failures a user meets. Virtuoso is in tests/push/test_push_virtuoso.py; the helpers here serve both."""
from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic

from kg.push.compare import check, normal_term
from kg.push.endpoints import PushError, PushHttpError
from kg.push.upload import chunk_triples, push

ROOT = Path(__file__).resolve().parents[2]
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
ONTOLOGY = "https://w3id.org/reportkg/ontology"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, proc: subprocess.Popen, seconds: float) -> None:
    """Until `url` answers a SPARQL ASK with 200; fails the test if the server exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the store exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen, seconds: float = 30) -> None:
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def start_oxigraph(folder: Path, read_only: bool = False) -> tuple[str, subprocess.Popen]:
    """A real `oxigraph serve` with the union default graph (as `kg serve` answers), on a free loopback port."""
    if not OXIGRAPH.exists():
        pytest.fail(f"{OXIGRAPH} missing: install the test extras (pip install -e '.[test]')")
    port = free_port()
    if read_only:
        import pyoxigraph

        store = pyoxigraph.Store(str(folder))     # serve-read-only opens an existing store
        store.flush()
        del store
        args = ["serve-read-only", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    else:
        args = ["serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    proc = subprocess.Popen([str(OXIGRAPH), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_answers(url + "/query", proc, 20)
    return url, proc


@pytest.fixture()
def oxigraph(tmp_path):
    """A fresh, empty Oxigraph server for one test."""
    url, proc = start_oxigraph(tmp_path / "db")
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def local(out_dir):
    """The dataset `kg query` reads (reports with entailments, ontology, candidates): what push sends."""
    from kg.dataset.load import load_dataset

    return load_dataset(out_dir)


def graph_counts(ds) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in ds.graphs() if len(g)}


def remote_select(query_url: str, query: str, auth=None) -> dict:
    r = httpx.post(query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"},
                   auth=auth, timeout=60)
    r.raise_for_status()
    return r.json()


def remote_counts(query_url: str, graphs) -> dict[str, int]:
    """Triples per graph on the store, for the given graphs (a store may hold graphs of its own)."""
    got = remote_select(query_url, COUNTS)["results"]["bindings"]
    counts = {b["g"]["value"]: int(b["n"]["value"]) for b in got}
    return {g: counts.get(g, 0) for g in graphs}


def mismatches_with_kg_query(query_url: str, local) -> list[str]:
    """Every library query, on the store and with `kg query` (rdflib), with the golden files' example
    parameters (bound by `kg query` with initBindings, sent to the store as a trailing VALUES clause).
    Rows are compared as sets of terms normalised by `kg.push.normal_term`, whose docstring explains each
    normalisation (numbers by value, booleans by value, xsd:string = plain literal, tag case, blank nodes).
    """
    from kg.push.compare import library_texts
    from kg.query.formats import format_results
    from kg.query.library import example_parameters, list_queries
    from kg.query.run import bind_parameters, run_query

    texts = dict(library_texts())
    bad, checked = [], 0
    for q in list_queries():
        if q.form != "SELECT":
            continue
        bound = bind_parameters(q, local, example_parameters(q))
        expected = json.loads(format_results(run_query(q, local, bound), "json"))
        text = texts[q.name]
        if bound:
            text += f"\nVALUES ({' '.join('?' + k for k in bound)}) {{ ({' '.join(t.n3() for t in bound.values())}) }}\n"
        got = remote_select(query_url, text)
        names = expected["head"]["vars"]
        mine = {tuple(normal_term(b.get(v)) for v in names) for b in expected["results"]["bindings"]}
        theirs = {tuple(normal_term(b.get(v)) for v in names) for b in got["results"]["bindings"]}
        if mine != theirs:
            bad.append(f"{q.name}: {len(theirs)} rows on the store, {len(mine)} with kg query; "
                       f"e.g. only here {sorted(mine - theirs, key=repr)[:1]}, only there {sorted(theirs - mine, key=repr)[:1]}")
        checked += 1
    assert checked >= 10
    return bad


def kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The `kg` command, as `python -m kg.cli` from this checkout."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr, result.stderr
    for w in words:
        assert w in lines[0], lines[0]


# ---------------------------------------------------------------- what is pushed

def test_push_to_a_server_root_sends_what_is_served_and_answers_as_kg_query(oxigraph, out_dir, local, records):
    pushed = push(out_dir, oxigraph)                  # a server root: /store is found by asking the server
    assert {p.method for p in pushed} == {"graph-store"}
    expected = graph_counts(local)
    assert {p.graph: p.triples for p in pushed} == expected
    assert {f"https://w3id.org/reportkg/report/{slug}" for slug in records} | {ONTOLOGY} <= set(expected)
    assert remote_counts(oxigraph + "/query", expected) == expected
    assert mismatches_with_kg_query(oxigraph + "/query", local) == []
    assert check(out_dir, oxigraph) == []


def test_asserted_only_sends_what_was_read_and_check_sees_what_is_missing(oxigraph, out_dir, local):
    from kg.dataset.load import load_dataset

    asserted = graph_counts(load_dataset(out_dir, reason=False))
    pushed = push(out_dir, oxigraph + "/store", asserted_only=True)
    assert {p.graph: p.triples for p in pushed} == asserted
    assert remote_counts(oxigraph + "/query", asserted) == asserted
    assert sum(asserted.values()) < sum(graph_counts(local).values())
    # without the entailments the library's own queries answer less: --check says so, and exits 1
    differ = {d.query for d in check(out_dir, oxigraph)}
    assert "organisations-in-region" in differ      # work in a region rolls up to its country by entailment
    result = kg("push", "--endpoint", oxigraph, "--out", str(out_dir), "--check")
    assert result.returncode == 1 and re.search(r"differs\s+organisations-in-region", result.stdout), result.stdout + result.stderr
    push(out_dir, oxigraph)
    result = kg("push", "--endpoint", oxigraph, "--out", str(out_dir), "--check")
    assert result.returncode == 0 and "same rows" in result.stdout, result.stdout + result.stderr


def test_push_again_replaces_rather_than_adds(oxigraph, out_dir, local):
    stray = "https://w3id.org/reportkg/report/unicef-mali-2021-country-office-annual-report"
    httpx.post(oxigraph + "/update", content=f"INSERT DATA {{ GRAPH <{stray}> {{ <urn:x:a> <urn:x:b> 1 }} }}",
               headers={"Content-Type": "application/sparql-update"}).raise_for_status()
    push(out_dir, oxigraph + "/store", chunk=1000)     # several requests per graph: PUT, then POSTs
    push(out_dir, oxigraph + "/store", chunk=1000)
    expected = graph_counts(local)
    assert remote_counts(oxigraph + "/query", expected) == expected


def test_sparql_update_in_small_chunks_keeps_blank_nodes_whole(oxigraph, out_dir, local):
    pushed = push(out_dir, oxigraph + "/update", chunk=300)   # an Update URL: DROP + INSERT DATA, 300 triples each
    assert {p.method for p in pushed} == {"update"} and max(p.requests for p in pushed) > 10
    expected = graph_counts(local)
    assert remote_counts(oxigraph + "/query", expected) == expected
    # the ontology's property chains are RDF lists of blank nodes: split across requests, they would break
    got = rdflib.Graph().parse(data=httpx.get(oxigraph + "/store", params={"graph": ONTOLOGY},
                                              headers={"Accept": "application/n-triples"}).text, format="nt")
    mine = rdflib.Graph()
    for t in local.graph(rdflib.URIRef(ONTOLOGY)):
        mine.add(t)
    if not isomorphic(got, mine):
        _, only_there, only_here = graph_diff(got, mine)
        pytest.fail(f"ontology graph differs: {len(only_there)} triples only on the store, {len(only_here)} only here")


def test_chunks_never_split_what_blank_nodes_tie_together():
    import pyoxigraph as ox

    from extract.resources import data_path

    triples = [q.triple for q in ox.parse(path=str(data_path("ontology") / "reportkg.ttl"), format=ox.RdfFormat.TURTLE)]
    assert any(isinstance(t.object, ox.BlankNode) for t in triples)
    chunks = chunk_triples(triples, 7)
    assert sorted(map(str, (t for c in chunks for t in c))) == sorted(map(str, triples))
    home = {}
    for i, c in enumerate(chunks):
        for t in c:
            for x in (t.subject, t.object):
                if isinstance(x, ox.BlankNode):
                    assert home.setdefault(x, i) == i, f"blank node {x} is in chunks {home[x]} and {i}"
    def tied(t):
        return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)

    # a chunk goes over the size only when it is one group of triples tied by blank nodes
    assert all(len(c) <= 7 or all(tied(t) for t in c) for c in chunks)
    assert len(chunks) >= len(triples) // 7


# ---------------------------------------------------------------- the command, and what goes wrong

def test_cli_push_prints_each_graph_and_the_confirmation(oxigraph, out_dir, local):
    result = kg("push", "--endpoint", oxigraph, "--out", str(out_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(graph_counts(local)) + 1
    assert "graph-store" in lines[0] and lines[-1].startswith(f"pushed {sum(graph_counts(local).values())} triples")


def test_unreachable_store_is_one_clear_line(out_dir):
    port = free_port()
    with pytest.raises(PushError) as exc:
        push(out_dir, f"http://127.0.0.1:{port}/store")
    assert "unreachable" in str(exc.value) and "\n" not in str(exc.value)
    assert_one_clear_line(kg("push", "--endpoint", f"http://127.0.0.1:{port}", "--out", str(out_dir)), "unreachable")


def test_a_store_that_refuses_writes_is_one_clear_line(tmp_path, out_dir):
    url, proc = start_oxigraph(tmp_path / "ro", read_only=True)
    try:
        with pytest.raises(PushHttpError):
            push(out_dir, url)
        assert_one_clear_line(kg("push", "--endpoint", url, "--out", str(out_dir)), "HTTP")
    finally:
        stop(proc)


def test_kg_serve_is_not_a_store_to_push_to(out_dir):
    """The README's old example pushed to `kg serve`'s port: it is read-only, and the line says so."""
    script = ("import sys; from kg.serve.app import make_server\n"
              "s = make_server(sys.argv[1], port=0, workers=1)\nprint(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(out_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:"), "kg serve did not start"
        assert_one_clear_line(kg("push", "--endpoint", url, "--out", str(out_dir)), "kg serve", "read-only")
    finally:
        stop(proc)


def test_a_server_that_is_not_a_known_store_gets_told_what_to_pass(tmp_path, out_dir):
    """A plain web server at the root: not Oxigraph, Virtuoso or Fuseki, so say which URLs to give."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler

    web = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        result = kg("push", "--endpoint", f"http://127.0.0.1:{web.server_port}", "--out", str(out_dir))
    finally:
        web.shutdown()
    assert_one_clear_line(result, "cannot tell which store", "/sparql-graph-crud-auth", "/DATASET/data")


def test_http_error_names_the_url_and_status(oxigraph, out_dir):
    with pytest.raises(PushHttpError) as exc:
        push(out_dir, oxigraph + "/no-such-service", method="graph-store")
    assert exc.value.status == 404 and "/no-such-service" in str(exc.value) and "\n" not in str(exc.value)


def test_bad_url_is_refused(out_dir):
    with pytest.raises(PushError, match="not an http"):
        push(out_dir, "localhost:7878")


def test_password_is_never_taken_on_the_command_line(out_dir):
    """No KG_PUSH_PASSWORD and no terminal to prompt on: one line saying where the password comes from."""
    env = {k: v for k, v in os.environ.items() if k != "KG_PUSH_PASSWORD"}
    result = subprocess.run([sys.executable, "-m", "kg.cli", "push", "--endpoint", "http://127.0.0.1:9", "--user", "dba", "--out", str(out_dir)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert_one_clear_line(result, "KG_PUSH_PASSWORD")
    assert "--password" not in kg("push", "--help").stdout


# ---------------------------------------------------------------- a gate in front of a real store

class Gate(ThreadingHTTPServer):
    """A small real HTTP server in front of a real Oxigraph, behaving as stores in production do: it asks for
    HTTP Basic credentials (as Fuseki and GraphDB do), and can be told to refuse the Nth write with 413
    (a request limit met mid-push) or to answer writes with 204 and keep nothing (the push that lost its data)."""

    daemon_threads = True

    def __init__(self, backend: str, password: str = "s3cret", refuse_write: int | None = None, drop: bool = False):
        self.backend, self.password, self.refuse_write, self.drop = backend, password, refuse_write, drop
        self.writes, self.authorised = 0, []
        super().__init__(("127.0.0.1", 0), GateHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class GateHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _relay(self):
        gate: Gate = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        expected = "Basic " + base64.b64encode(f"user:{gate.password}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        write = self.command in ("PUT", "POST") and not self.path.startswith("/query")
        gate.authorised.append(self.command)
        if write:
            gate.writes += 1
            if gate.refuse_write == gate.writes or gate.drop:
                status = 413 if gate.refuse_write == gate.writes else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        r = httpx.request(self.command, gate.backend + self.path, content=body, headers=headers, timeout=60)
        self.send_response(r.status_code)
        for k, v in r.headers.items():
            if k.lower() in ("content-type", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(r.content)))
        self.end_headers()
        self.wfile.write(r.content)

    do_GET = do_PUT = do_POST = do_DELETE = _relay


def test_http_basic_auth(oxigraph, out_dir, local):
    gate = Gate(oxigraph)
    try:
        pushed = push(out_dir, gate.url, user="user", password="s3cret")   # found as Oxigraph by its Server header
        assert {p.method for p in pushed} == {"graph-store"} and "PUT" in gate.authorised
        assert remote_counts(oxigraph + "/query", graph_counts(local)) == graph_counts(local)
        with pytest.raises(PushHttpError, match="wrong user or password") as exc:
            push(out_dir, gate.url + "/store", user="user", password="wrong")
        assert exc.value.status == 401
        result = kg("push", "--endpoint", gate.url + "/store", "--out", str(out_dir))
        assert_one_clear_line(result, "401", "--user")
    finally:
        gate.shutdown()


def test_a_push_stopped_half_way_says_so_and_a_rerun_converges(oxigraph, out_dir, local):
    gate = Gate(oxigraph, refuse_write=4)   # the second request of the third graph
    try:
        with pytest.raises(PushError) as exc:
            push(out_dir, gate.url + "/store", user="user", password="s3cret", chunk=2000)
    finally:
        gate.shutdown()
    message = str(exc.value)
    assert "HTTP 413" in message and "half-pushed" in message and "again" in message and "\n" not in message
    push(out_dir, oxigraph + "/store", chunk=2000)
    assert remote_counts(oxigraph + "/query", graph_counts(local)) == graph_counts(local)


def test_a_store_that_keeps_nothing_is_not_a_success(oxigraph, out_dir, local):
    gate = Gate(oxigraph, drop=True)
    try:
        with pytest.raises(PushError, match=r"holds 0 of the \d+ triples"):
            push(out_dir, gate.url + "/store", user="user", password="s3cret")
        env = {"KG_PUSH_PASSWORD": "s3cret"}
        assert_one_clear_line(kg("push", "--endpoint", gate.url + "/store", "--user", "user", "--out", str(out_dir),
                                 env=env), "did not take")
    finally:
        gate.shutdown()
