"""Nothing leaves the machine: `kg serve` and `kg query` attacked with SERVICE, LOAD and FROM aimed at a local probe."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = f"probe-secret-{secrets.token_hex(8)}"


class Probe(ThreadingHTTPServer):
    """A local HTTP server that records every request and answers with a secret a leak would carry back."""

    daemon_threads = True

    def __init__(self):
        self.hits: list[str] = []
        probe = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                probe.hits.append(f"{self.command} {self.path}")
                body = json.dumps({"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": [
                    {v: {"type": "literal", "value": SECRET} for v in "spo"}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


@pytest.fixture(scope="module")
def probe():
    p = Probe()
    t = threading.Thread(target=p.serve_forever, daemon=True)
    t.start()
    yield p
    p.shutdown()
    p.server_close()


@pytest.fixture(scope="module")
def folder(out_dir, tmp_path_factory):
    """A copy of the session build with links planted in it: one out of the folder, one inside it."""
    dest = tmp_path_factory.mktemp("served") / "out"
    shutil.copytree(out_dir, dest, ignore=shutil.ignore_patterns("store", ".*"))
    (dest / "etc").symlink_to("/etc")
    (dest / "passwd.txt").symlink_to("/etc/passwd")
    (dest / "summary-link.json").symlink_to("summary.json")
    return dest


@pytest.fixture(scope="module")
def server(folder):
    script = ("import sys; from kg.serve.app import make_server\n"
              "s = make_server(sys.argv[1], port=0, timeout_s=5, workers=2)\n"
              "print(s.url, flush=True)\ns.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), "the server did not start"
    yield url.rstrip("/"), proc.pid
    proc.terminate()
    proc.wait(10)


def attacks(p: str) -> list[str]:
    """Queries that would make a careless endpoint call the probe at `p`, in the spellings an attacker tries."""
    host = p.rsplit("/", 1)[0] + "/"
    return [
        f"SELECT * WHERE {{ SERVICE <{p}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{p}> {{ ?s ?p ?o }} }}",
        f"SELECT *\n# a comment {{ {{ }}\nWHERE\t{{\n  ?a ?b ?c .\n  SeRvIcE\n\n   <{p}>  # why not\n {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ OPTIONAL {{ {{ SERVICE <{p}> {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o }} }} }} }} }}",
        f"ASK {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <{p}> {{ ?x ?y ?z }} }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z MINUS {{ SERVICE <{p}> {{ ?x ?y ?z }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{p}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{p}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{p}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"PREFIX probe: <{host}>\nSELECT * WHERE {{ SERVICE probe:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{host}>\nSELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { SERV\\u0049CE <" + p + "> { ?s ?p ?o } }",  # a \\u escape, expanded before parsing
        f"SELECT * FROM <{p}> WHERE {{ ?s ?p ?o }}",
        f"select * from named <{p}> where {{ graph ?g {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{p}> FROM <{p}>",
        f"ASK FROM <{p}> {{ ?s ?p ?o }}",
        f"LOAD <{p}>",
        f"load silent <{p}> into graph <urn:x:g>",
        f"PREFIX x: <urn:x:> LOAD <{p}> ; INSERT DATA {{ x:a x:b x:c }}",
    ]


def requests_for(query: str, probe_url: str) -> list[tuple[str, dict]]:
    """Every way a request can carry a query to the endpoint (and the protocol's own dataset parameters)."""
    return [
        ("GET", {"params": {"query": query}}),
        ("POST", {"data": {"query": query}}),
        ("POST", {"content": query.encode(), "headers": {"Content-Type": "application/sparql-query"}}),
        ("POST", {"data": {"update": query}}),
        ("POST", {"content": query.encode(), "headers": {"Content-Type": "application/sparql-update"}}),
        ("HEAD", {"params": {"query": query}}),
        ("GET", {"params": {"query": query, "format": "csv"}}),
    ]


PLAIN = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


def test_probe_hears_a_direct_call(probe):
    """The probe is reachable and records calls (so an empty record below means no call was made)."""
    before = len(probe.hits)
    r = httpx.get(probe.url, params={"query": PLAIN})
    assert SECRET in r.text and len(probe.hits) == before + 1
    probe.hits.clear()


def test_no_query_form_reaches_the_probe(server, probe):
    url, _ = server
    seen = []
    with httpx.Client(base_url=url, timeout=30) as c:
        for q in attacks(probe.url):
            for method, kwargs in requests_for(q, probe.url):
                r = c.request(method, "/sparql", **kwargs)
                seen.append((method, q[:40], r.status_code))
                assert r.status_code == 400, f"{method} {q!r}: {r.status_code} {r.text[:200]}"
                assert SECRET not in r.text
                if method != "HEAD":
                    assert "refused" in r.text or "syntax" in r.text, r.text
        # the dataset parameters of the protocol name graphs to read: refused too, whatever the query
        for params in ({"default-graph-uri": probe.url}, {"named-graph-uri": probe.url}):
            for method, kwargs in (("GET", {"params": {"query": PLAIN, **params}}),
                                   ("POST", {"data": {"query": PLAIN, **params}}),
                                   ("POST", {"params": params, "content": PLAIN.encode(),
                                             "headers": {"Content-Type": "application/sparql-query"}})):
                r = c.request(method, "/sparql", **kwargs)
                assert r.status_code == 400 and "refused" in r.text and SECRET not in r.text
        assert c.get("/sparql", params={"query": PLAIN}).status_code == 200  # the endpoint still answers
    assert probe.hits == [], f"the endpoint called the probe: {probe.hits}"
    assert len(seen) == len(attacks(probe.url)) * 7


def test_refusals_say_why(server, probe):
    url, _ = server
    with httpx.Client(base_url=url) as c:
        assert "SERVICE is refused" in c.get("/sparql", params={"query": attacks(probe.url)[0]}).text
        assert "FROM and FROM NAMED are refused" in c.get("/sparql", params={"query": attacks(probe.url)[12]}).text
        assert "read-only" in c.get("/sparql", params={"query": f"LOAD <{probe.url}>"}).text
    assert probe.hits == []


def test_words_in_strings_and_names_are_not_refused(server):
    """The check reads the query's structure, not its letters: "service" as data is fine."""
    url, _ = server
    q = ('SELECT ?service ?from WHERE { BIND("SERVICE <http://127.0.0.1/> { }" AS ?service) '
         'BIND("load from" AS ?from) }')
    r = httpx.get(url + "/sparql", params={"query": q})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["service"]["value"].startswith("SERVICE")


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                kids.append(int(entry))
    return kids


def test_query_workers_run_under_a_network_filter(server):
    """Each worker that evaluates queries is under a seccomp filter (Seccomp: 2), the lock behind the check."""
    _, pid = server
    workers = [k for k in _children(pid) if "spawn_main" in Path(f"/proc/{k}/cmdline").read_text(errors="replace")]
    assert len(workers) >= 2
    for k in workers:
        modes = [line.split()[1] for line in Path(f"/proc/{k}/status").read_text().splitlines()
                 if line.startswith("Seccomp:")]
        assert modes == ["2"], f"worker {k} is not filtered"


def test_the_filter_stops_a_service_call_the_check_would_miss(probe):
    """With the check bypassed, Oxigraph itself is asked to call the probe: under the filter it cannot."""
    script = ("import sys, pyoxigraph\nfrom kg.serve.guard import close_network\nclose_network()\n"
              "try:\n    print(list(pyoxigraph.Store().query(sys.argv[1])))\n"
              "except OSError as exc:\n    print('refused:', exc)\n")
    q = f"SELECT * WHERE {{ SERVICE <{probe.url}> {{ ?s ?p ?o }} }}"
    r = subprocess.run([sys.executable, "-c", script, q], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("refused:") and SECRET not in r.stdout
    assert probe.hits == []
    # and without the filter the same call does reach the probe: the test above is not vacuous
    open_script = script.replace("close_network()\n", "")
    r = subprocess.run([sys.executable, "-c", open_script, q], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert SECRET in r.stdout and probe.hits
    probe.hits.clear()


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (clients normally collapse ../)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    status, body = r.status, r.read()
    conn.close()
    return status, body


@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/%2E%2E/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd", "/entity/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/%2fetc%2fpasswd",
    "http://127.0.0.1/../../etc/passwd", "/etc/passwd", "/etc/hostname", "/passwd.txt",
    "/store/source.json", "/store/oxigraph/CURRENT", "/%73tore/source.json", "/store%2fsource.json",
    "/.store.lock", "/assets/..%5c..%5cgraph.trig", "/summary.json%00.html", "/cache/../../etc/passwd",
])
def test_no_file_outside_the_folder_or_inside_the_store(server, path):
    url, _ = server
    status, body = raw_get(url, path)
    assert status == 404 and b"root:" not in body


def test_links_inside_the_folder_still_serve(server, folder):
    url, _ = server
    status, body = raw_get(url, "/summary-link.json")
    assert status == 200 and body == (folder / "summary.json").read_bytes()


def test_kg_query_refuses_the_same_attacks(probe, out_dir):
    """`kg query` given the same queries: a clear refusal, non-zero exit, and no call to the probe."""
    kg = [sys.executable, "-m", "kg.cli", "query"]
    for q in attacks(probe.url):
        r = subprocess.run([*kg, q, "--out", str(out_dir)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode != 0, f"kg query ran {q!r}: {r.stdout[:200]}"
        assert SECRET not in r.stdout + r.stderr and "Traceback" not in r.stderr
        assert probe.hits == [], f"kg query called the probe for {q!r}: {probe.hits}"


def test_ask_route_does_not_reach_the_probe(server, probe):
    """/ask runs the library's queries with the question's words bound as values: SPARQL in a question is text."""
    url, _ = server
    with httpx.Client(base_url=url, timeout=120) as c:
        for q in attacks(probe.url)[:3] + [f"Who funds <{probe.url}>?", f"}} SERVICE <{probe.url}> {{ ?s ?p ?o }} #"]:
            r = c.get("/ask", params={"q": q})
            assert r.status_code in (200, 400), r.text[:200]
            assert SECRET not in r.text
    assert probe.hits == [], f"/ask called the probe: {probe.hits}"
